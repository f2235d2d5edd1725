import { CAPABILITY_DENIED, type AgentInfo } from '@prophasis/protocol';
import type { CapabilitySet } from '../capabilities.js';

/**
 * What every family of host functions shares: the error a plugin sees, the limits, the run's
 * dependencies, and the helpers that validate arguments as hostile input.
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
  icmpCount: 3, // default echo requests per icmpEcho
  icmpMaxCount: 10,
  icmpTimeoutMs: 1_000, // default wait per reply
  icmpMaxTimeoutMs: 5_000,
  snmpTimeoutMs: 2_000, // default per attempt
  snmpMaxTimeoutMs: 10_000,
  snmpRetries: 1,
  snmpMaxRetries: 3,
  snmpOids: 64, // OIDs per get/getNext/getBulk
  snmpVarbinds: 10_000, // varbinds one call may return (getBulk answers, walk rows)
  snmpWalkRows: 1_000, // default maxRows of a walk
  snmpMaxRepetitions: 100,
  snmpBytes: 1024 * 1024, // value bytes one call may return
} as const;

export interface HostFunctionDeps {
  /** The agent's own health, for `agent.info`; absent → the call fails with `unavailable`. */
  agentInfo?: () => Promise<AgentInfo> | AgentInfo;
  /** Aborted when the run ends (deadline or finish): running programs and sockets are stopped. */
  signal: AbortSignal;
  /** The run's timeout: no single call may outlive it. */
  runTimeoutMs: number;
  /**
   * The ICMP programs tried in order, absolute paths (docs/decisions/0011): the first that
   * exists is used. Default: Debian's fping, then iputils ping. Tests point it elsewhere.
   */
  icmpPrograms?: readonly string[];
}

/** One host function: hostile arguments in, plain data out. */
export type HostFunction = (...args: unknown[]) => Promise<unknown>;

/** `name → implementation`; names are the dotted paths on the plugin's `host` object. */
export type HostFunctions = Record<string, HostFunction>;

export const denied = (what: string, caps: CapabilitySet) =>
  new PluginCallError(CAPABILITY_DENIED, `${what} is not covered by the plugin's approved capabilities (${caps.granted.join(', ') || 'none'})`);

export const invalid = (message: string) => new PluginCallError('invalid_argument', message);

export function str(value: unknown, name: string, max: number = HOST_LIMITS.argLength): string {
  if (typeof value !== 'string' || value.length > max) throw invalid(`${name} must be a string of at most ${max} characters`);
  return value;
}

export function optionsObject(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('options must be an object');
  return value as Record<string, unknown>;
}

/** A bounded positive integer option: `fallback` when absent, clamped to `max`. */
export function bounded(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined || value === null) return Math.min(fallback, max);
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(`${name} must be a positive number`);
  return Math.min(Math.floor(value), max);
}

export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : 'host_error';
}

export function asPluginError(err: unknown): PluginCallError {
  if (err instanceof PluginCallError) return err;
  return new PluginCallError(errorCode(err), (err as Error)?.message ?? String(err));
}
