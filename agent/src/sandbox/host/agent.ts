import { PluginCallError, type HostFunctionDeps } from './common.js';
import type { HostFamilyFunctions } from './table.js';

/** `host.agent.info`: the table's `agent.info` kind. */
export function agentFunctions(_caps: unknown, deps: HostFunctionDeps): HostFamilyFunctions<'agent.info'> {
  return {
    async 'agent.info'() {
      if (!deps.agentInfo) throw new PluginCallError('unavailable', 'agent information is not available in this process');
      const info = await deps.agentInfo();
      return { version: info.version, outboxDepth: info.outboxDepth, lastError: info.lastError, uptimeSeconds: info.uptimeSeconds };
    },
  };
}
