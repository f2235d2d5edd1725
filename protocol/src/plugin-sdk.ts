import type { ResultType } from './severity.js';

/**
 * The plugin SDK: what a plugin's code sees inside the agent's isolated-vm sandbox, and what it
 * returns (docs/plugins.md). A plugin's `main` file is an ES module with no
 * imports that exports
 *
 * ```js
 * export async function measure(host, params) { return { value: 42 }; }
 * ```
 *
 * `params` are the check's parameter values, already validated against the manifest's
 * parameter schema. `host` carries only the functions for capabilities the manifest declares
 * AND the administrator approved; calling any other function rejects with an error whose
 * `code` is `capability_denied`. Every function returns plain data (copied into the isolate),
 * never Node.js objects.
 */
export interface PluginModule {
  measure(host: PluginHost, params: Record<string, unknown>): Promise<PluginOutput> | PluginOutput;
}

/** What `measure` returns. At least one of `value` and `message`. */
export interface PluginOutput {
  /** The measurement, in the unit of the manifest's chart hints. */
  value?: number | null;
  /** Text for people (shown in message lists, available to the classifier). ≤ 4096 chars. */
  message?: string | null;
  /** Defaults to `plugin` (a successful measurement). */
  resultType?: ResultType;
}

/** Error code of a call to a function the plugin has no approved capability for. */
export const CAPABILITY_DENIED = 'capability_denied';

export interface ExecOptions {
  /** Default 10 000 ms, capped by the plugin's own timeout. */
  timeoutMs?: number;
  /** Bytes kept of stdout and of stderr each; default 64 KiB, max 1 MiB. */
  maxOutputBytes?: number;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
}

export interface TcpConnectResult {
  connected: boolean;
  latencyMs: number;
  /** e.g. `ECONNREFUSED`, `ETIMEDOUT`, `ENOTFOUND` */
  error?: string;
}

export interface HttpRequestOptions {
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /** Bytes of the body kept; default 256 KiB. */
  maxBodyBytes?: number;
  /** Default true; false accepts self-signed certificates (still reports them). */
  verifyTls?: boolean;
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: number; // epoch ms
  validTo: number; // epoch ms
  daysRemaining: number;
  /** Whether the chain verified against the system's CAs. */
  trusted: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  latencyMs: number;
  truncated: boolean;
  certificate?: CertificateInfo;
}

export interface MemoryInfo {
  totalBytes: number;
  freeBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
}

export interface CpuTimes {
  user: number;
  nice: number;
  sys: number;
  idle: number;
  irq: number;
}

export interface MountInfo {
  device: string;
  mountpoint: string;
  fstype: string;
  sizeBytes: number;
  usedBytes: number;
  availableBytes: number;
}

export interface ProcessInfo {
  pid: number;
  name: string;
}

export interface AgentInfo {
  version: string;
  outboxDepth: number;
  lastError: string | null;
  uptimeSeconds: number;
}

/** The device a check runs against (issue 18): the plan entry's target, given to the plugin by `host.target()`. */
export interface PluginTarget {
  /** Host name or IP address, as the device was entered. */
  address: string;
  name?: string;
}

export interface IcmpEchoOptions {
  /** Echo requests to send, 1–10; default 3. */
  count?: number;
  /** How long to wait for each reply, 100–5000 ms; default 1000. */
  timeoutMs?: number;
}

/** What `icmpEcho` reports; a target that does not answer is `received: 0`, `lossPct: 100`, `rttMs: null`. */
export interface IcmpEchoResult {
  sent: number;
  received: number;
  /** Round-trip times of the replies; null when none came back. */
  rttMs: { min: number; avg: number; max: number } | null;
  lossPct: number;
}

/** SNMP credentials, from the check's (secret) parameters. v3 is always authPriv. */
export type SnmpAuth =
  | { version: '1' | '2c'; community: string }
  | {
      version: '3';
      user: string;
      authProtocol: 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
      authKey: string;
      privProtocol: 'des' | 'aes' | 'aes256b' | 'aes256r';
      privKey: string;
      context?: string;
    };

export interface SnmpOptions {
  /** UDP port, default 161. */
  port?: number;
  /** Per attempt, 100–10 000 ms (and within the run's timeout); default 2000. */
  timeoutMs?: number;
  /** Further attempts after a timeout, 0–3; default 1. */
  retries?: number;
}

/**
 * One SNMP variable binding as plain data. `type` is the SNMP type name (`Integer`,
 * `OctetString`, `Counter32`, `Counter64`, `Gauge32`, `TimeTicks`, `IpAddress`, `OID`, `Null`,
 * `Opaque`, `Boolean`) or one of the exceptions `noSuchObject`, `noSuchInstance`,
 * `endOfMibView` (then `value` is null). Counter64 is a decimal string (it may exceed 2^53);
 * an OctetString that is not printable UTF-8 is hex with `hex: true`.
 */
export interface SnmpVarbind {
  oid: string;
  type: string;
  value: number | string | boolean | null;
  hex?: true;
}

/** `host.snmp`: every call names its target, whose host (and port) an `snmp` capability must cover. */
export interface SnmpHost {
  get(target: string, oids: string[], auth: SnmpAuth, options?: SnmpOptions): Promise<SnmpVarbind[]>;
  getNext(target: string, oids: string[], auth: SnmpAuth, options?: SnmpOptions): Promise<SnmpVarbind[]>;
  getBulk(target: string, oids: string[], auth: SnmpAuth, options?: SnmpOptions & { nonRepeaters?: number; maxRepetitions?: number }): Promise<SnmpVarbind[]>;
  /** The rows under `rootOid` (getBulk with v2c/v3, getNext with v1), at most `maxRows` (default 1000, ≤ 10 000). */
  walk(
    target: string,
    rootOid: string,
    auth: SnmpAuth,
    options?: SnmpOptions & { maxRepetitions?: number; maxRows?: number },
  ): Promise<{ varbinds: SnmpVarbind[]; truncated: boolean }>;
}

/**
 * The host object handed to `measure`. In the agent's sandbox every function is present, and
 * one whose capability is not approved rejects with `capability_denied`; fakes for tests may
 * leave such functions out, so plugins treat a missing function like a denied one.
 */
export interface PluginHost {
  /** Always present: the current time (epoch ms) and a log line into the agent's log. */
  now(): number;
  log(message: string): void;
  /** Always present: waits `ms` (0–5000) milliseconds, e.g. between two samples; the run's timeout still applies. */
  sleep(ms: number): Promise<void>;

  /** `fs.read:PATH` — read a text file (≤ 1 MiB) at a declared path or matching a declared glob. */
  readFile?(path: string): Promise<string>;
  /** `fs.read:DIR/*` — names in a declared directory. */
  listDir?(path: string): Promise<string[]>;

  /** `exec:PATH` — run a declared executable with an argument list (no shell). */
  exec?(path: string, args: string[], options?: ExecOptions): Promise<ExecResult>;

  /** `net.connect:HOST:PORT` — open (and close) a TCP connection. */
  tcpConnect?(host: string, port: number, options?: { timeoutMs?: number }): Promise<TcpConnectResult>;
  /** `net.connect:HOST:PORT` — the certificate a TLS server presents. */
  tlsCertificate?(host: string, port: number, options?: { timeoutMs?: number; servername?: string }): Promise<CertificateInfo>;

  /** `http.request:URL` — an HTTP(S) request to a declared URL prefix. */
  httpRequest?(url: string, options?: HttpRequestOptions): Promise<HttpResponse>;

  /** `os.info` — basic facts about the machine. */
  os?: {
    loadavg(): Promise<[number, number, number]>;
    memory(): Promise<MemoryInfo>;
    cpus(): Promise<{ count: number; times: CpuTimes[] }>;
    uptime(): Promise<number>;
    hostname(): Promise<string>;
    mounts(): Promise<MountInfo[]>;
    processes(): Promise<ProcessInfo[]>;
  };

  /** `agent.info` — the agent's own health, for the self-check plugin. */
  agent?: { info(): Promise<AgentInfo> };

  /** The device this check runs against (`$target` in capabilities), or null when it runs for the agent's own host. Present in the agent's sandbox. */
  target?(): PluginTarget | null;
  /** `icmp.echo:TARGET` — ICMP echo requests through the system's fping (or ping), never the plugin's exec. */
  icmpEcho?(target: string, options?: IcmpEchoOptions): Promise<IcmpEchoResult>;
  /** `snmp:TARGET` — SNMP v1/v2c/v3 requests. */
  snmp?: SnmpHost;
}
