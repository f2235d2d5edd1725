import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectBundle, packBundle, type InspectedBundle } from './bundle/index.js';
import type {
  AgentInfo,
  CertificateInfo,
  CpuTimes,
  ExecOptions,
  ExecResult,
  HttpRequestOptions,
  HttpResponse,
  IcmpEchoOptions,
  IcmpEchoResult,
  MemoryInfo,
  MountInfo,
  PluginHost,
  PluginModule,
  PluginTarget,
  ProcessInfo,
  SnmpAuth,
  SnmpOptions,
  SnmpVarbind,
  TcpConnectResult,
} from './plugin-sdk.js';
import { CAPABILITY_DENIED } from './plugin-sdk.js';

/**
 * Test support for plugin authors (docs/plugins.md, plugins/README.md): a fake {@link PluginHost}
 * built from recorded data, so a plugin's `measure` can be run against real captured samples of
 * `/proc/stat`, HTTP responses, certificate dates... without a machine or a network.
 *
 * Like the agent's sandbox, the fake host has a function only for the capability groups the
 * spec gives data for: with no `files`, `host.readFile` is absent; with no `os`, `host.os` is
 * absent. Asking for something that was not recorded (a path, a target, a URL) rejects with an
 * error whose `code` is `capability_denied`, as the agent does for an undeclared target.
 */

/** Successive answers to successive calls; after the last one, the last answer repeats. */
export class FakeSequence<T> {
  constructor(readonly items: readonly (T | Error)[]) {
    if (items.length === 0) throw new Error('fakeSequence needs at least one item');
  }
}

/** Answers `items[0]` to the first call, `items[1]` to the second, ... (the last one repeats). */
export function fakeSequence<T>(...items: (T | Error)[]): FakeSequence<T> {
  return new FakeSequence(items);
}

/**
 * One recorded answer: a value (resolved, deep-copied as the sandbox copies into the isolate), an
 * `Error` (rejected), a {@link FakeSequence}, or a function computing the answer from the call's
 * arguments.
 */
type FakeReply<T, A extends unknown[] = []> = T | Error | FakeSequence<T> | ((...args: A) => T | Promise<T>);

/** An `Error` with a `code`, as the agent's host functions reject with (`ENOENT`, `ECONNREFUSED`, `ETIMEDOUT`...). */
export function hostError(code: string, message = code): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/** Recorded data for {@link createFakeHost}. Each group given makes its functions present. */
export interface FakeHostSpec {
  /** The clock: a fixed epoch ms, a sequence, or a function. Default: a fixed 2025-01-01T00:00:00Z. */
  now?: number | FakeSequence<number> | (() => number);
  /** `fs.read`: file contents by absolute path. Present (with `dirs`) → `readFile` and `listDir`. */
  files?: Record<string, FakeReply<string, [string]>>;
  /** `fs.read`: directory listings by absolute path. */
  dirs?: Record<string, FakeReply<string[], [string]>>;
  /** `exec`: results keyed by the path and the arguments joined by single spaces (`'/sbin/mdadm --detail /dev/md0'`). */
  exec?: Record<string, FakeReply<ExecResult, [string, string[], ExecOptions | undefined]>>;
  /** `net.connect`: TCP connect results by `host:port`. Present (with `tls`) → `tcpConnect` and `tlsCertificate`. */
  tcp?: Record<string, FakeReply<TcpConnectResult, [string, number, { timeoutMs?: number } | undefined]>>;
  /** `net.connect`: presented certificates by `host:port`. */
  tls?: Record<string, FakeReply<CertificateInfo, [string, number, { timeoutMs?: number; servername?: string } | undefined]>>;
  /** `http.request`: responses by exact URL. */
  http?: Record<string, FakeReply<HttpResponse, [string, HttpRequestOptions | undefined]>>;
  /** `os.info`: each fact; a fact not given rejects (a test that needs it forgot to record it). */
  os?: {
    loadavg?: FakeReply<[number, number, number]>;
    memory?: FakeReply<MemoryInfo>;
    cpus?: FakeReply<{ count: number; times: CpuTimes[] }>;
    uptime?: FakeReply<number>;
    hostname?: FakeReply<string>;
    mounts?: FakeReply<MountInfo[]>;
    processes?: FakeReply<ProcessInfo[]>;
  };
  /** `agent.info`. */
  agent?: FakeReply<AgentInfo>;
  /** What `host.target()` returns (the device the check runs against); absent → `target` is absent. */
  target?: PluginTarget | null;
  /** `icmp.echo`: echo results by target. Present → `icmpEcho`. */
  icmp?: Record<string, FakeReply<IcmpEchoResult, [string, IcmpEchoOptions | undefined]>>;
  /** `snmp`: a recorded SNMP agent by target; a request it has no answer for rejects. Present → `host.snmp`. */
  snmp?: Record<string, FakeSnmpAgent>;
}

/** The recorded answers of one SNMP agent, per request kind (each a reply, a sequence, an Error or a function of the call). */
interface FakeSnmpAgent {
  get?: FakeReply<SnmpVarbind[], [string[], SnmpAuth, SnmpOptions | undefined]>;
  getNext?: FakeReply<SnmpVarbind[], [string[], SnmpAuth, SnmpOptions | undefined]>;
  getBulk?: FakeReply<SnmpVarbind[], [string[], SnmpAuth, SnmpOptions | undefined]>;
  walk?: FakeReply<{ varbinds: SnmpVarbind[]; truncated: boolean }, [string, SnmpAuth, SnmpOptions | undefined]>;
}

/** One call a plugin made: the function's name (`readFile`, `os.mounts`, ...) and its arguments. */
interface FakeCall {
  fn: string;
  args: unknown[];
}

/** A {@link PluginHost} that also shows what the plugin did. */
export interface FakeHost extends PluginHost {
  /** Every call, in order (`now` and `log` included). */
  readonly calls: FakeCall[];
  /** Every line passed to `log`. */
  readonly logs: string[];
}

/** The default clock of the fake host: 2025-01-01T00:00:00Z. */
export const FAKE_NOW = Date.UTC(2025, 0, 1);

/**
 * Builds a {@link PluginHost} from recorded data. Functions of capability groups the spec does not
 * mention are absent, like in the sandbox when a capability is not approved.
 *
 * @example
 * const host = createFakeHost({ files: { '/proc/loadavg': '0.52 0.58 0.59 1/467 12345\n' } });
 * const out = await measure(host, { window: 1 });
 * assert.deepEqual(host.calls.map((c) => c.fn), ['readFile']);
 */
export function createFakeHost(spec: FakeHostSpec = {}): FakeHost {
  const calls: FakeCall[] = [];
  const logs: string[] = [];
  const cursors = new Map<object, number>();

  // Resolves a reply: copies values (the sandbox hands the isolate copies, never shared objects).
  const answer = async <T, A extends unknown[]>(reply: FakeReply<T, A>, args: A): Promise<T> => {
    let chosen: unknown = reply;
    if (reply instanceof FakeSequence) {
      const at = cursors.get(reply) ?? 0;
      cursors.set(reply, at + 1);
      chosen = reply.items[Math.min(at, reply.items.length - 1)];
    }
    if (typeof chosen === 'function') chosen = await (chosen as (...a: A) => T | Promise<T>)(...args);
    if (chosen instanceof Error) throw chosen;
    return structuredClone(chosen) as T;
  };
  const lookup = <T, A extends unknown[]>(
    fn: string,
    table: Record<string, FakeReply<T, A>> | undefined,
    key: string,
    args: A,
  ): Promise<T> => {
    calls.push({ fn, args: structuredClone(args) });
    if (table === undefined || !Object.hasOwn(table, key)) {
      return Promise.reject(hostError(CAPABILITY_DENIED, `${fn}: ${key} is not an approved target (nothing recorded for it)`));
    }
    return answer(table[key] as FakeReply<T, A>, args);
  };
  const fact = <T>(name: string, reply: FakeReply<T> | undefined): Promise<T> => {
    calls.push({ fn: `os.${name}`, args: [] });
    if (reply === undefined) return Promise.reject(new Error(`fake host: no os.${name} recorded`));
    return answer(reply, []);
  };

  const clock = spec.now ?? FAKE_NOW;
  const host: FakeHost = {
    calls,
    logs,
    now() {
      calls.push({ fn: 'now', args: [] });
      if (typeof clock === 'number') return clock;
      if (typeof clock === 'function') return clock();
      const at = cursors.get(clock) ?? 0;
      cursors.set(clock, at + 1);
      const item = clock.items[Math.min(at, clock.items.length - 1)];
      if (typeof item !== 'number') throw new Error('fake host: the clock sequence must hold numbers');
      return item;
    },
    log(message: string) {
      calls.push({ fn: 'log', args: [message] });
      logs.push(String(message));
    },
    // Resolves at once: tests control time through `now`, not by waiting.
    async sleep(ms: number) {
      calls.push({ fn: 'sleep', args: [ms] });
    },
  };

  if (spec.files !== undefined || spec.dirs !== undefined) {
    host.readFile = (path) => lookup('readFile', spec.files, path, [path] as [string]);
    host.listDir = (path) => lookup('listDir', spec.dirs, path, [path] as [string]);
  }
  if (spec.exec !== undefined) {
    host.exec = (path, args, options) =>
      lookup('exec', spec.exec, [path, ...args].join(' '), [path, args, options] as [string, string[], ExecOptions | undefined]);
  }
  if (spec.tcp !== undefined || spec.tls !== undefined) {
    host.tcpConnect = (h, port, options) => lookup('tcpConnect', spec.tcp, `${h}:${port}`, [h, port, options] as [string, number, typeof options]);
    host.tlsCertificate = (h, port, options) =>
      lookup('tlsCertificate', spec.tls, `${h}:${port}`, [h, port, options] as [string, number, typeof options]);
  }
  if (spec.http !== undefined) {
    host.httpRequest = (url, options) => lookup('httpRequest', spec.http, url, [url, options] as [string, HttpRequestOptions | undefined]);
  }
  if (spec.os !== undefined) {
    const os = spec.os;
    host.os = {
      loadavg: () => fact('loadavg', os.loadavg),
      memory: () => fact('memory', os.memory),
      cpus: () => fact('cpus', os.cpus),
      uptime: () => fact('uptime', os.uptime),
      hostname: () => fact('hostname', os.hostname),
      mounts: () => fact('mounts', os.mounts),
      processes: () => fact('processes', os.processes),
    };
  }
  if (spec.target !== undefined) {
    const target = spec.target;
    host.target = () => {
      calls.push({ fn: 'target', args: [] });
      return structuredClone(target);
    };
  }
  if (spec.icmp !== undefined) {
    host.icmpEcho = (t, options) => lookup('icmpEcho', spec.icmp, t, [t, options] as [string, IcmpEchoOptions | undefined]);
  }
  if (spec.snmp !== undefined) {
    const agents = spec.snmp;
    const request = <T, A extends unknown[]>(kind: keyof FakeSnmpAgent, t: string, args: A): Promise<T> => {
      calls.push({ fn: `snmp.${kind}`, args: structuredClone([t, ...args]) });
      if (!Object.hasOwn(agents, t)) return Promise.reject(hostError(CAPABILITY_DENIED, `snmp.${kind}: ${t} is not an approved target (nothing recorded for it)`));
      const reply = agents[t]![kind] as FakeReply<T, A> | undefined;
      if (reply === undefined) return Promise.reject(new Error(`fake host: no snmp.${kind} recorded for ${t}`));
      return answer(reply, args);
    };
    host.snmp = {
      get: (t, oids, auth, options) => request('get', t, [oids, auth, options]),
      getNext: (t, oids, auth, options) => request('getNext', t, [oids, auth, options]),
      getBulk: (t, oids, auth, options) => request('getBulk', t, [oids, auth, options]),
      walk: (t, root, auth, options) => request('walk', t, [root, auth, options]),
    };
  }
  if (spec.agent !== undefined) {
    const reply = spec.agent;
    host.agent = {
      info: () => {
        calls.push({ fn: 'agent.info', args: [] });
        return answer(reply, []);
      },
    };
  }
  return host;
}

/**
 * Imports built plugin code (the JavaScript the agent runs) as a module, to check that what is
 * shipped works and not only the TypeScript it came from.
 */
export async function importPluginCode(javascript: string): Promise<PluginModule> {
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(javascript).toString('base64')}`)) as Partial<PluginModule>;
  if (typeof mod.measure !== 'function') throw new Error('plugin code does not export a measure function');
  return mod as PluginModule;
}

/** The files a first-party plugin folder ships, besides the built code. */
export interface PluginFolderOptions {
  /** Builds `src/plugin.ts` into the JavaScript the manifest's `main` names (esbuild's transform in the core). */
  build: (typescript: string) => string | Promise<string>;
  /** Where the TypeScript source is, relative to the folder. Default `src/plugin.ts`. */
  source?: string;
}

/** A plugin folder packed the way the core packs it: the bundle (unsigned, inspected) and the built code. */
export interface PackedPluginFolder {
  bundle: InspectedBundle;
  javascript: string;
}

/**
 * Packs a plugin folder the way the core does on first start (plugins/README.md): builds the
 * TypeScript source into `manifest.main`, stages it with `manifest.json`, the classifier and the
 * README in a fresh temporary folder, packs that with {@link packBundle} and inspects the result
 * (schema, capabilities, file hashes). Throws what {@link inspectBundle} throws.
 */
export async function packPluginFolder(dir: string, options: PluginFolderOptions): Promise<PackedPluginFolder> {
  const manifestText = readFileSync(join(dir, 'manifest.json'), 'utf8');
  const manifest = JSON.parse(manifestText) as { main: string; classifier: string; readme?: string };
  const javascript = await options.build(readFileSync(join(dir, options.source ?? 'src/plugin.ts'), 'utf8'));
  const stage = mkdtempSync(join(tmpdir(), 'prophasis-plugin-'));
  try {
    writeFileSync(join(stage, 'manifest.json'), manifestText);
    writeFileSync(join(stage, manifest.main), javascript);
    for (const name of [manifest.classifier, manifest.readme]) {
      if (name !== undefined) writeFileSync(join(stage, name), readFileSync(join(dir, name)));
    }
    return { bundle: inspectBundle(packBundle(stage)), javascript };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
