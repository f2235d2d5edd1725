import { CAPABILITY_DENIED, type AgentInfo, type CertificateInfo, type CpuTimes, type ExecResult, type HttpResponse, type MemoryInfo, type MountInfo, type ProcessInfo, type TcpConnectResult } from '@prophasis/protocol';
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { open, readdir, readFile, realpath, statfs } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import tls, { type PeerCertificate, type TLSSocket } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import type { CapabilitySet } from './capabilities.js';
import { normalisePath } from './capabilities.js';

/**
 * The real implementations behind a plugin's `host` object (protocol/src/plugin-sdk.ts). They
 * run in the sandbox process with Node.js APIs; the isolate only ever sees the plain data they
 * return. Every function checks its capability itself (defence in depth: the isolate side also
 * refuses), validates its arguments as hostile input, and is bounded in time and size.
 */

/** A failure the plugin sees as a rejected promise with this `code` and `message`. */
export class PluginCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Limits of the host functions (docs/plugins.md, "Limits"). */
export const HOST_LIMITS = {
  readFileBytes: 1024 * 1024, // 1 MiB per readFile
  listDirEntries: 10_000,
  execTimeoutMs: 10_000, // default, capped by the run's own timeout
  execOutputBytes: 64 * 1024, // default kept of stdout and of stderr each
  execOutputMaxBytes: 1024 * 1024, // 1 MiB: the most a plugin may ask for
  execArgs: 256,
  argLength: 4096,
  connectTimeoutMs: 5_000, // default for tcpConnect / tlsCertificate
  httpTimeoutMs: 10_000, // default for httpRequest
  httpBodyBytes: 256 * 1024, // default body kept
  httpBodyMaxBytes: 1024 * 1024, // 1 MiB: the most a plugin may ask for
  httpRequestBodyBytes: 1024 * 1024,
  httpHeaders: 64,
  processes: 10_000,
} as const;

/** Filesystem types that describe no storage and would only clutter disk plugins. */
const PSEUDO_FILESYSTEMS = new Set([
  'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'debugfs', 'devpts', 'devtmpfs', 'efivarfs',
  'fusectl', 'hugetlbfs', 'mqueue', 'nsfs', 'proc', 'pstore', 'rpc_pipefs', 'securityfs', 'selinuxfs', 'squashfs',
  'sysfs', 'tracefs', 'overlay', 'ramfs', 'fuse.gvfsd-fuse', 'fuse.portal', 'nfsd', 'devfs',
]);

/** The environment an executed program gets: never the agent's own (it may hold secrets). */
const EXEC_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C' };

export interface HostFunctionDeps {
  /** The agent's own health, for `agent.info`; absent → the call fails with `unavailable`. */
  agentInfo?: () => Promise<AgentInfo> | AgentInfo;
  /** Aborted when the run ends (deadline or finish): running programs and sockets are stopped. */
  signal: AbortSignal;
  /** The run's timeout: no single call may outlive it. */
  runTimeoutMs: number;
}

/** `name → implementation`; names are the dotted paths on the plugin's `host` object. */
export type HostFunctions = Record<string, (...args: unknown[]) => Promise<unknown>>;

/** Every host function name and the capability kind it needs. */
export const HOST_FUNCTION_CAPABILITIES = {
  readFile: 'fs.read',
  listDir: 'fs.read',
  exec: 'exec',
  tcpConnect: 'net.connect',
  tlsCertificate: 'net.connect',
  httpRequest: 'http.request',
  'os.loadavg': 'os.info',
  'os.memory': 'os.info',
  'os.cpus': 'os.info',
  'os.uptime': 'os.info',
  'os.hostname': 'os.info',
  'os.mounts': 'os.info',
  'os.processes': 'os.info',
  'agent.info': 'agent.info',
  /** Needs no capability: waiting is harmless and bounded by the run's own timeout. */
  sleep: 'always',
} as const;

/** The longest single `host.sleep`; the run's timeout bounds the total anyway. */
export const MAX_SLEEP_MS = 5_000;

export type HostFunctionName = keyof typeof HOST_FUNCTION_CAPABILITIES;

const denied = (what: string, caps: CapabilitySet) =>
  new PluginCallError(CAPABILITY_DENIED, `${what} is not covered by the plugin's approved capabilities (${caps.granted.join(', ') || 'none'})`);

const invalid = (message: string) => new PluginCallError('invalid_argument', message);

function str(value: unknown, name: string, max: number = HOST_LIMITS.argLength): string {
  if (typeof value !== 'string' || value.length > max) throw invalid(`${name} must be a string of at most ${max} characters`);
  return value;
}

function optionsObject(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('options must be an object');
  return value as Record<string, unknown>;
}

/** A bounded positive integer option: `fallback` when absent, clamped to `max`. */
function bounded(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined || value === null) return Math.min(fallback, max);
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(`${name} must be a positive number`);
  return Math.min(Math.floor(value), max);
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : 'host_error';
}

function asPluginError(err: unknown): PluginCallError {
  if (err instanceof PluginCallError) return err;
  return new PluginCallError(errorCode(err), (err as Error)?.message ?? String(err));
}

/**
 * Resolves a requested path for reading: refused unless both the path as written and its real
 * path (symlinks resolved) are covered, so a link under a declared directory cannot point
 * outside it. Nothing touches the filesystem before the written path is known to be covered,
 * so a plugin cannot probe for the existence of undeclared files.
 */
async function resolveReadable(caps: CapabilitySet, path: unknown): Promise<string> {
  const p = normalisePath(path);
  if (p === null) throw denied(`reading ${JSON.stringify(path)} (paths must be absolute, without . or ..)`, caps);
  if (!caps.allowsRead(p)) throw denied(`reading ${p}`, caps);
  const real = await realpath(p);
  if (real !== p && !caps.allowsRead(real)) throw denied(`reading ${p} (a link to ${real})`, caps);
  return real;
}

async function readCapped(path: string, limit: number): Promise<string> {
  // O_NOFOLLOW: the real path was checked; a link swapped in since is refused, not followed.
  // O_NONBLOCK: a FIFO at a declared path must not hang the call.
  const handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new PluginCallError('not_a_file', `${path} is not a regular file`);
    // /proc and /sys files report size 0, so read until EOF instead of trusting the size.
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    while (length <= limit) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > limit) throw new PluginCallError('file_too_large', `${path} is larger than ${limit} bytes`);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

function certificateInfo(cert: PeerCertificate, trusted: boolean): CertificateInfo {
  const name = (x: unknown) =>
    x && typeof x === 'object'
      ? Object.entries(x as Record<string, unknown>)
          .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
          .join(', ')
      : '';
  const validFrom = Date.parse(cert.valid_from);
  const validTo = Date.parse(cert.valid_to);
  return {
    subject: name(cert.subject),
    issuer: name(cert.issuer),
    validFrom,
    validTo,
    daysRemaining: Math.floor((validTo - Date.now()) / 86_400_000),
    trusted,
  };
}

function hostPort(caps: CapabilitySet, hostArg: unknown, portArg: unknown, what: string): { host: string; port: number } {
  const host = str(hostArg, 'host', 255);
  if (typeof portArg !== 'number' || !Number.isInteger(portArg) || portArg < 1 || portArg > 65535) throw invalid('port must be an integer 1-65535');
  if (!caps.allowsConnect(host, portArg)) throw denied(`${what} to ${host}:${portArg}`, caps);
  // Brackets belong to the capability syntax, not to the socket API.
  return { host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host, port: portArg };
}

async function meminfo(): Promise<MemoryInfo> {
  let text = '';
  try {
    text = await readFile('/proc/meminfo', 'utf8');
  } catch {
    // Not Linux: os module figures only.
  }
  const kib = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const free = os.freemem();
  return {
    totalBytes: os.totalmem(),
    freeBytes: kib('MemFree') ?? free,
    availableBytes: kib('MemAvailable') ?? free,
    swapTotalBytes: kib('SwapTotal') ?? 0,
    swapFreeBytes: kib('SwapFree') ?? 0,
  };
}

/** `/proc/mounts` escapes space, tab, newline and backslash as octal. */
const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

async function mounts(): Promise<MountInfo[]> {
  let text: string;
  try {
    text = await readFile('/proc/mounts', 'utf8');
  } catch {
    return [];
  }
  const out: MountInfo[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const [device, rawMountpoint, fstype] = line.split(' ');
    if (!device || !rawMountpoint || !fstype || PSEUDO_FILESYSTEMS.has(fstype)) continue;
    const mountpoint = unescapeMount(rawMountpoint);
    if (seen.has(mountpoint)) continue;
    try {
      const s = await statfs(mountpoint);
      if (s.blocks === 0) continue; // tmpfs-like with no size, or an unreadable stub
      seen.add(mountpoint);
      out.push({
        device: unescapeMount(device),
        mountpoint,
        fstype,
        sizeBytes: s.blocks * s.bsize,
        usedBytes: (s.blocks - s.bfree) * s.bsize,
        availableBytes: s.bavail * s.bsize,
      });
    } catch {
      // A mount we cannot stat (permissions, a hung network share): leave it out.
    }
  }
  return out;
}

async function processes(): Promise<ProcessInfo[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const pids = entries.filter((e) => /^\d+$/.test(e)).slice(0, HOST_LIMITS.processes);
  const out: ProcessInfo[] = [];
  await Promise.all(
    pids.map(async (pid) => {
      try {
        const name = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
        out.push({ pid: Number(pid), name });
      } catch {
        // The process ended between readdir and read.
      }
    }),
  );
  return out.sort((a, b) => a.pid - b.pid);
}

/**
 * Builds the host functions for one run, each bound to the run's capabilities, its abort
 * signal and its timeout. Functions whose capability is not granted are present too: they
 * fail with `capability_denied`, like a granted function called outside its targets.
 */
export function createHostFunctions(caps: CapabilitySet, deps: HostFunctionDeps): HostFunctions {
  const { signal } = deps;
  const requireKind = (name: HostFunctionName) => {
    const kind = HOST_FUNCTION_CAPABILITIES[name];
    if (kind !== 'always' && !caps.has(kind)) throw denied(`host.${name} (needs a ${kind} capability)`, caps);
  };

  const impl: Record<HostFunctionName, (...args: unknown[]) => Promise<unknown>> = {
    async sleep(ms) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_SLEEP_MS) throw invalid(`sleep takes 0 to ${MAX_SLEEP_MS} ms`);
      await delay(ms, undefined, { signal });
    },

    async readFile(path) {
      const real = await resolveReadable(caps, path);
      return readCapped(real, HOST_LIMITS.readFileBytes);
    },

    async listDir(path) {
      const p = normalisePath(path);
      const filter = p === null ? null : caps.listFilter(p);
      if (p === null || filter === null) throw denied(`listing ${JSON.stringify(path)} (needs fs.read:DIR/* for that directory)`, caps);
      const real = await realpath(p);
      if (real !== p) throw denied(`listing ${p} (a link to ${real})`, caps);
      const names = (await readdir(real)).filter(filter).sort();
      return names.slice(0, HOST_LIMITS.listDirEntries);
    },

    async exec(pathArg, argsArg, optionsArg): Promise<ExecResult> {
      const path = normalisePath(pathArg);
      if (path === null || !caps.allowsExec(path)) throw denied(`running ${JSON.stringify(pathArg)}`, caps);
      const args = argsArg ?? [];
      if (!Array.isArray(args) || args.length > HOST_LIMITS.execArgs) throw invalid(`args must be an array of at most ${HOST_LIMITS.execArgs} strings`);
      const argv = args.map((a, i) => str(a, `args[${i}]`));
      const options = optionsObject(optionsArg);
      const timeoutMs = bounded(options.timeoutMs, 'timeoutMs', HOST_LIMITS.execTimeoutMs, deps.runTimeoutMs);
      const cap = bounded(options.maxOutputBytes, 'maxOutputBytes', HOST_LIMITS.execOutputBytes, HOST_LIMITS.execOutputMaxBytes);
      return new Promise<ExecResult>((resolve, reject) => {
        // No shell: the argument list goes to execve as is. A fresh minimal environment, cwd /.
        const child = spawn(path, argv, { shell: false, stdio: ['ignore', 'pipe', 'pipe'], env: EXEC_ENV, cwd: '/', signal, killSignal: 'SIGKILL' });
        let timedOut = false;
        let truncated = false;
        const collect = () => {
          const chunks: Buffer[] = [];
          let size = 0;
          return {
            push(chunk: Buffer) {
              // Keep the first `cap` bytes and keep draining, so the program never blocks on a full pipe.
              if (size >= cap) {
                truncated = true;
                return;
              }
              const part = chunk.subarray(0, cap - size);
              if (part.length < chunk.length) truncated = true;
              chunks.push(part);
              size += part.length;
            },
            text: () => Buffer.concat(chunks).toString('utf8'),
          };
        };
        const out = collect();
        const err = collect();
        child.stdout.on('data', (c: Buffer) => out.push(c));
        child.stderr.on('data', (c: Buffer) => err.push(c));
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs);
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(asPluginError(e));
        });
        child.on('close', (exitCode, sig) => {
          clearTimeout(timer);
          resolve({ exitCode, signal: sig, stdout: out.text(), stderr: err.text(), timedOut, truncated });
        });
      });
    },

    async tcpConnect(hostArg, portArg, optionsArg): Promise<TcpConnectResult> {
      const { host, port } = hostPort(caps, hostArg, portArg, 'connecting');
      const timeoutMs = bounded(optionsObject(optionsArg).timeoutMs, 'timeoutMs', HOST_LIMITS.connectTimeoutMs, deps.runTimeoutMs);
      const started = performance.now();
      return new Promise<TcpConnectResult>((resolve) => {
        const socket = net.connect({ host, port, signal });
        const done = (error?: string) => {
          clearTimeout(timer);
          socket.destroy();
          const latencyMs = Math.round((performance.now() - started) * 100) / 100;
          resolve(error ? { connected: false, latencyMs, error } : { connected: true, latencyMs });
        };
        const timer = setTimeout(() => done('ETIMEDOUT'), timeoutMs);
        socket.once('connect', () => done());
        socket.once('error', (e) => done(errorCode(e)));
      });
    },

    async tlsCertificate(hostArg, portArg, optionsArg): Promise<CertificateInfo> {
      const { host, port } = hostPort(caps, hostArg, portArg, 'connecting');
      const options = optionsObject(optionsArg);
      const timeoutMs = bounded(options.timeoutMs, 'timeoutMs', HOST_LIMITS.connectTimeoutMs, deps.runTimeoutMs);
      const servername = options.servername === undefined ? (net.isIP(host) ? undefined : host) : str(options.servername, 'servername', 255);
      return new Promise<CertificateInfo>((resolve, reject) => {
        // rejectUnauthorized false: the point is to report the certificate, trusted or not.
        const socket = tls.connect({ host, port, rejectUnauthorized: false, ...(servername ? { servername } : {}) });
        signal.addEventListener('abort', () => socket.destroy(), { once: true });
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new PluginCallError('ETIMEDOUT', `no TLS handshake with ${host}:${port} within ${timeoutMs} ms`));
        }, timeoutMs);
        socket.once('secureConnect', () => {
          clearTimeout(timer);
          const cert = socket.getPeerCertificate();
          socket.destroy();
          if (!cert || !cert.valid_to) return reject(new PluginCallError('no_certificate', `${host}:${port} presented no certificate`));
          resolve(certificateInfo(cert, socket.authorized));
        });
        socket.once('error', (e) => {
          clearTimeout(timer);
          reject(asPluginError(e));
        });
      });
    },

    async httpRequest(urlArg, optionsArg): Promise<HttpResponse> {
      const url = str(urlArg, 'url', 8192);
      if (!caps.allowsUrl(url)) throw denied(`a request to ${url}`, caps);
      const options = optionsObject(optionsArg);
      const method = options.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') throw invalid('method must be GET, HEAD or POST');
      const headers: Record<string, string> = {};
      if (options.headers !== undefined) {
        const h = optionsObject(options.headers);
        if (Object.keys(h).length > HOST_LIMITS.httpHeaders) throw invalid(`at most ${HOST_LIMITS.httpHeaders} headers`);
        for (const [k, v] of Object.entries(h)) headers[str(k, 'header name', 256)] = str(v, `header ${k}`, 8192);
      }
      const body = options.body === undefined ? undefined : str(options.body, 'body', HOST_LIMITS.httpRequestBodyBytes);
      const timeoutMs = bounded(options.timeoutMs, 'timeoutMs', HOST_LIMITS.httpTimeoutMs, deps.runTimeoutMs);
      const maxBody = bounded(options.maxBodyBytes, 'maxBodyBytes', HOST_LIMITS.httpBodyBytes, HOST_LIMITS.httpBodyMaxBytes);
      const verifyTls = options.verifyTls !== false;
      const target = new URL(url);
      const isHttps = target.protocol === 'https:';
      const started = performance.now();
      return new Promise<HttpResponse>((resolve, reject) => {
        let certificate: CertificateInfo | undefined;
        // agent: false → a fresh socket per request, so the certificate is always observed.
        // Redirects are never followed: a redirect could leave the declared prefix.
        const request = (isHttps ? https : http).request(target, {
          method,
          headers,
          agent: false,
          signal,
          timeout: timeoutMs,
          ...(isHttps ? { rejectUnauthorized: verifyTls } : {}),
        });
        const timer = setTimeout(() => request.destroy(new PluginCallError('ETIMEDOUT', `no complete response from ${target.origin} within ${timeoutMs} ms`)), timeoutMs);
        request.on('socket', (socket) => {
          if (!isHttps) return;
          (socket as TLSSocket).once('secureConnect', () => {
            const cert = (socket as TLSSocket).getPeerCertificate();
            if (cert && cert.valid_to) certificate = certificateInfo(cert, (socket as TLSSocket).authorized);
          });
        });
        request.on('timeout', () => request.destroy(new PluginCallError('ETIMEDOUT', `no response from ${target.origin} within ${timeoutMs} ms`)));
        request.on('error', (e) => {
          clearTimeout(timer);
          reject(asPluginError(e));
        });
        request.on('response', (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let truncated = false;
          response.on('data', (chunk: Buffer) => {
            if (size + chunk.length > maxBody) {
              truncated = true;
              chunks.push(chunk.subarray(0, maxBody - size));
              size = maxBody;
              // Enough kept: stop reading rather than download an endless body.
              response.destroy();
              finish();
              return;
            }
            chunks.push(chunk);
            size += chunk.length;
          });
          let finished = false;
          const finish = () => {
            if (finished) return;
            finished = true;
            clearTimeout(timer);
            const flat: Record<string, string> = {};
            for (const [k, v] of Object.entries(response.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve({
              status: response.statusCode ?? 0,
              headers: flat,
              body: Buffer.concat(chunks).toString('utf8'),
              latencyMs: Math.round((performance.now() - started) * 100) / 100,
              truncated,
              ...(certificate ? { certificate } : {}),
            });
          };
          response.on('end', finish);
          response.on('error', (e) => {
            clearTimeout(timer);
            if (!finished) reject(asPluginError(e));
          });
        });
        request.end(body);
      });
    },

    async 'os.loadavg'() {
      return os.loadavg() as [number, number, number];
    },
    async 'os.memory'() {
      return meminfo();
    },
    async 'os.cpus'() {
      const cpus = os.cpus();
      return { count: cpus.length, times: cpus.map((c): CpuTimes => ({ ...c.times })) };
    },
    async 'os.uptime'() {
      return os.uptime();
    },
    async 'os.hostname'() {
      return os.hostname();
    },
    async 'os.mounts'() {
      return mounts();
    },
    async 'os.processes'() {
      return processes();
    },
    async 'agent.info'() {
      if (!deps.agentInfo) throw new PluginCallError('unavailable', 'agent information is not available in this process');
      const info = await deps.agentInfo();
      return { version: info.version, outboxDepth: info.outboxDepth, lastError: info.lastError, uptimeSeconds: info.uptimeSeconds };
    },
  };

  const out: HostFunctions = {};
  for (const name of Object.keys(impl) as HostFunctionName[]) {
    out[name] = async (...args: unknown[]) => {
      requireKind(name);
      if (signal.aborted) throw new PluginCallError('aborted', 'the run has ended');
      try {
        return await impl[name](...args);
      } catch (err) {
        throw asPluginError(err);
      }
    };
  }
  return out;
}
