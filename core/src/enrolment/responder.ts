import { createMessage, type Logger } from '@prophasis/protocol';
import type { SystemLog } from '../kernel/index.js';
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
}): EnrolmentResponder {
  const log = deps.logger.child({ component: 'enrolment' });
  return {
    async handle(clientId, request) {
      const { token, ...facts } = request.body;
      try {
        const result = await deps.registry.consumeToken(token, facts);
        const body = result.ok
          ? { status: 'accepted' as const, agentId: result.agentId, secret: result.secret, hostName: result.hostName }
          : { status: 'refused' as const, reason: result.message };
        log.info({ clientId, status: body.status, ...(result.ok ? { agentId: result.agentId } : { reason: result.reason }) }, 'enrolment answered');
        return createMessage('enrol.response', body);
      } catch (err) {
        log.error({ err, clientId }, 'enrolment failed');
        deps.systemLog.write('error', 'enrolment', 'enrolment request failed', { clientId, error: (err as Error).message });
        return undefined;
      }
    },
  };
}
