import type { Logger } from '@prophasis/protocol';
import type { Client } from 'aedes';
import type { ClientIdentity } from './acl.js';
import type { BrokerDeps, SecurityEvent } from './broker.js';

/** Logs a refusal and passes it on to the broker's `onSecurityEvent`. */
export type ReportSecurity = (e: SecurityEvent, level?: 'warn' | 'info') => void;

/**
 * The reporter every part of the broker logs its refusals through. `deps.onSecurityEvent` is
 * called as a method of `deps`, looked up at each event.
 */
export function createSecurityReporter(log: Logger, deps: Pick<BrokerDeps, 'onSecurityEvent'>): ReportSecurity {
  return (e, level = 'warn') => {
    log[level]({ event: e.kind, clientId: e.clientId, agentId: e.agentId, topic: e.topic }, `refused: ${e.reason}`);
    try {
      deps.onSecurityEvent?.(e);
    } catch (err) {
      log.error({ err }, 'onSecurityEvent failed');
    }
  };
}

/** The client and agent ids of a security event, for those that are known. */
export function eventBase(client: Client | null, identity?: ClientIdentity): Pick<SecurityEvent, 'clientId' | 'agentId'> {
  const agentId = identity?.role === 'agent' ? identity.agentId : undefined;
  return { ...(client?.id ? { clientId: client.id } : {}), ...(agentId ? { agentId } : {}) };
}
