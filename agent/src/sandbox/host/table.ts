import type { CapabilitySet } from '../capabilities.js';
import type { HostFunction, HostFunctionDeps } from './common.js';

/**
 * Every host function name and the capability kind it needs. Adding a host function means a
 * line here and its implementation in the family file of that kind (host/index.ts maps each
 * kind to its family; the types below make the two agree).
 */
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
  icmpEcho: 'icmp.echo',
  'snmp.get': 'snmp',
  'snmp.getNext': 'snmp',
  'snmp.getBulk': 'snmp',
  'snmp.walk': 'snmp',
  /** Needs no capability: waiting is harmless and bounded by the run's own timeout. */
  sleep: 'always',
} as const;

export type HostFunctionName = keyof typeof HOST_FUNCTION_CAPABILITIES;

/** A capability kind the table names (`always`: none needed). */
export type HostFunctionKind = (typeof HOST_FUNCTION_CAPABILITIES)[HostFunctionName];

/** The implementations of exactly the functions the table gives kind `K`: none missing, none extra. */
export type HostFamilyFunctions<K extends HostFunctionKind> = {
  [N in HostFunctionName as (typeof HOST_FUNCTION_CAPABILITIES)[N] extends K ? N : never]: HostFunction;
};

/** Builds one family's functions for a run; the capability check and error mapping wrap them in host/index.ts. */
export type HostFamily<K extends HostFunctionKind> = (caps: CapabilitySet, deps: HostFunctionDeps) => HostFamilyFunctions<K>;
