import { createMessage, type Logger } from '@prophasis/protocol';
import type { CoreEvent, SystemLog } from '../kernel/index.js';
import type { EnrolmentResponder } from '../transport/index.js';
import type { AgentRegistry } from './registry.js';

/**
 * Redeems enrolment requests: consumes the token (once, atomically) and answers
 * `enrol.response`, which the transport publishes on the client's own response topic: accepted with the new agent id and
 * secret, or refused with the reason (reused, expired or unknown token). The secret travels
 * exactly once, over TLS, to the client that presented the token; it is never retained.
 */
export function createEnrolmentResponder(deps: {
  registry: Pick<AgentRegistry, 'consumeToken'>;
  logger: Logger;
  systemLog: SystemLog;
  /** Told that hosts changed when a fleet token created one, so plans, alerting, services and the console follow. */
  events?: { publish(event: CoreEvent): void };
  /** The audit trail: every fleet registration and every refusal of a known fleet token. */
  audit?: RegistrationAudit;
}): EnrolmentResponder {
  const log = deps.logger.child({ component: 'enrolment' });
  // The registration is committed by now: a trail that cannot be written must not withhold the answer.
  const note = async (entry: Parameters<RegistrationAudit['record']>[0]) => {
    try {
      await deps.audit?.record(entry);
    } catch (err) {
      log.error({ err, action: entry.action }, 'writing the audit trail failed');
    }
  };
  return {
    async handle(clientId, request) {
      const { token, ...facts } = request.body;
      try {
        const result = await deps.registry.consumeToken(token, facts);
        const body = result.ok
          ? { status: 'accepted' as const, agentId: result.agentId, secret: result.secret, hostName: result.hostName }
          : { status: 'refused' as const, reason: result.message };
        log.info({ clientId, status: body.status, ...(result.ok ? { agentId: result.agentId } : { reason: result.reason }) }, 'enrolment answered');
        if (result.ok && result.registration) {
          const { registration } = result;
          await note({
            user: undefined,
            action: 'hosts.register',
            targetKind: 'host',
            targetId: result.hostId,
            summary: { name: result.hostName, agentId: result.agentId, fleetTokenId: registration.fleetTokenId, fleetToken: registration.fleetTokenName, platform: facts.platform, arch: facts.arch, groupIds: registration.groupIds, ruleIds: registration.ruleIds, tags: registration.tags },
          });
          deps.events?.publish({ type: 'config.changed', ts: Date.now(), resource: 'hosts' });
        } else if (!result.ok && result.fleetTokenId !== undefined) {
          await note({
            user: undefined,
            action: 'hosts.register.refused',
            targetKind: 'fleet-token',
            targetId: String(result.fleetTokenId),
            summary: { reason: result.reason, message: result.message, hostname: facts.hostname, platform: facts.platform, arch: facts.arch },
          });
        }
        return createMessage('enrol.response', body);
      } catch (err) {
        log.error({ err, clientId }, 'enrolment failed');
        deps.systemLog.write('error', 'enrolment', 'enrolment request failed', { clientId, error: (err as Error).message });
        return undefined;
      }
    },
  };
}

/** Where registrations are recorded (the core's audit trail; the user is the registering agent, recorded as anonymous). */
export interface RegistrationAudit {
  record(entry: { user: undefined; action: string; targetKind: string; targetId: string | null; summary: unknown }): Promise<void>;
}
