import type { CapabilitySet } from '../capabilities.js';
import { agentFunctions } from './agent.js';
import { asPluginError, denied, PluginCallError, type HostFunction, type HostFunctionDeps, type HostFunctions } from './common.js';
import { execFunctions } from './exec.js';
import { fsFunctions } from './fs.js';
import { httpFunctions } from './http.js';
import { icmpFunctions } from './icmp.js';
import { netFunctions } from './net.js';
import { osFunctions } from './os.js';
import { sleepFunctions } from './sleep.js';
import { snmpFunctions } from './snmp.js';
import { HOST_FUNCTION_CAPABILITIES, type HostFamily, type HostFunctionKind, type HostFunctionName } from './table.js';

/**
 * The real implementations behind a plugin's `host` object (protocol/src/plugin-sdk.ts). They
 * run in the sandbox process with Node.js APIs; the isolate only ever sees the plain data they
 * return. Every function checks its capability itself (defence in depth: the isolate side also
 * refuses), validates its arguments as hostile input, and is bounded in time and size.
 *
 * One file per capability kind of the table (host/table.ts); this file assembles them.
 */

export { HOST_LIMITS, type HostFunctionDeps, type HostFunctions } from './common.js';
export { HOST_FUNCTION_CAPABILITIES } from './table.js';

/** Each capability kind of the table and the family that implements its functions. */
const FAMILIES: { [K in HostFunctionKind]: HostFamily<K> } = {
  always: sleepFunctions,
  'fs.read': fsFunctions,
  exec: execFunctions,
  'net.connect': netFunctions,
  'http.request': httpFunctions,
  'os.info': osFunctions,
  'agent.info': agentFunctions,
  'icmp.echo': icmpFunctions,
  snmp: snmpFunctions,
};

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

  const impl = Object.assign({}, ...Object.values(FAMILIES).map((family) => family(caps, deps))) as Record<HostFunctionName, HostFunction>;

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
