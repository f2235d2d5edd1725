import { ENROL_ROOT, TOPIC_ROOT } from '@prophasis/protocol';

/** The topics an agent may use, exactly as the embedded broker's ACL (broker/src/acl.ts) grants them. */
export function agentTopics(agentId: string): { subscribe: string; publish: string[] } {
  return { subscribe: `${TOPIC_ROOT}/${agentId}/cmd`, publish: [`${TOPIC_ROOT}/${agentId}/res`, `${TOPIC_ROOT}/${agentId}/state`] };
}

/** The topics an enrolment client may use: its own `req` and `resp`. */
export function enrolTopics(clientId: string): { subscribe: string; publish: string[] } {
  return { subscribe: `${ENROL_ROOT}/${clientId}/resp`, publish: [`${ENROL_ROOT}/${clientId}/req`] };
}
