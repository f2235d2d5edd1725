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
}
