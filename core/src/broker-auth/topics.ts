import { ENROL_ROOT, TOPIC_ROOT } from '@prophasis/protocol';
import { createHash } from 'node:crypto';

/**
 * The enrolment identity of a single-use token on a broker that cannot substitute the client
 * id in an ACL (Mosquitto 2.0's dynamic security): `enrol-` + the first 24 hex digits of the
 * token's SHA-256. The agent derives the same name when the broker refuses `$enrol`
 * (docs/decisions/0012-external-broker-accounts.md); it is both the username and the client id.
 */
export function enrolIdentity(token: string): string {
  return `enrol-${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 24)}`;
}

/** The topics an agent may use, exactly as the embedded broker's ACL (broker/src/acl.ts) grants them. */
export function agentTopics(agentId: string): { subscribe: string; publish: string[] } {
  return { subscribe: `${TOPIC_ROOT}/${agentId}/cmd`, publish: [`${TOPIC_ROOT}/${agentId}/res`, `${TOPIC_ROOT}/${agentId}/state`] };
}

/** The topics an enrolment client may use: its own `req` and `resp`. */
export function enrolTopics(clientId: string): { subscribe: string; publish: string[] } {
  return { subscribe: `${ENROL_ROOT}/${clientId}/resp`, publish: [`${ENROL_ROOT}/${clientId}/req`] };
}
