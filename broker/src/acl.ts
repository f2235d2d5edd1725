import { ENROL_ROOT, TOPIC_ROOT, isValidAgentId } from '@prophasis/protocol';

/** Who a connected client is, as the authenticator established it. */
export type ClientIdentity = { role: 'agent'; agentId: string } | { role: 'enrolment'; clientId: string } | { role: 'service' };

/** The outcome of an ACL check: allowed, or refused with a reason for the log. */
export type AclDecision = { allowed: true } | { allowed: false; reason: string };

const ALLOW: AclDecision = { allowed: true };
const deny = (reason: string): AclDecision => ({ allowed: false, reason });

/** Prefix of every topic a service identity may use. */
const SERVICE_PREFIX = 'prophasis/';

/**
 * May `identity` subscribe to `filter`? Agents and enrolment clients get exactly one concrete
 * topic each, so no wildcard is ever granted to them; the service gets `prophasis/#` (and
 * every filter inside it) but never `$SYS` or topics outside the tree.
 */
export function canSubscribe(identity: ClientIdentity, filter: string): AclDecision {
  if (filter.startsWith('$')) return deny('$-topics are reserved'); // [MQTT-4.7.2-1]
  switch (identity.role) {
    case 'agent':
      return filter === `${TOPIC_ROOT}/${identity.agentId}/cmd` ? ALLOW : deny('an agent may subscribe only to its own cmd topic');
    case 'enrolment':
      return filter === `${ENROL_ROOT}/${identity.clientId}/resp` ? ALLOW : deny('an enrolment client may subscribe only to its own resp topic');
    case 'service':
      // '#' and '+' at the first levels would reach past prophasis/, so the filter must
      // start with the literal prefix.
      return filter.startsWith(SERVICE_PREFIX) || filter === 'prophasis' ? ALLOW : deny('the service may subscribe only inside prophasis/');
  }
}

/**
 * May `identity` publish to `topic`? Agents: their own `res` and `state`; enrolment clients:
 * their own `req`; the service: anything under `prophasis/`. Topics with wildcards are
 * refused by the broker before this is asked [MQTT-3.3.2-2].
 */
export function canPublish(identity: ClientIdentity, topic: string): AclDecision {
  if (topic.startsWith('$')) return deny('$-topics are reserved');
  if (topic.includes('#') || topic.includes('+')) return deny('wildcards are not allowed in a topic name');
  switch (identity.role) {
    case 'agent': {
      const base = `${TOPIC_ROOT}/${identity.agentId}/`;
      return topic === `${base}res` || topic === `${base}state` ? ALLOW : deny('an agent may publish only to its own res and state topics');
    }
    case 'enrolment':
      return topic === `${ENROL_ROOT}/${identity.clientId}/req` ? ALLOW : deny('an enrolment client may publish only to its own req topic');
    case 'service':
      return topic.startsWith(SERVICE_PREFIX) ? ALLOW : deny('the service may publish only inside prophasis/');
  }
}

/** Username of the core when it connects to a standalone broker over MQTT. */
export const SERVICE_USERNAME = '$service';

/** Client ids of enrolment connections start with this (contract 3). */
const ENROL_CLIENT_PREFIX = 'enrol-';

/** Why an enrolment client id is unusable, or `undefined`. It becomes a topic level. */
export function enrolClientIdProblem(clientId: string): string | undefined {
  if (!clientId.startsWith(ENROL_CLIENT_PREFIX)) return `an enrolment client id must start with ${ENROL_CLIENT_PREFIX}`;
  if (!isValidAgentId(clientId)) return 'an enrolment client id must be a valid topic level';
  return undefined;
}

/** A loggable label of an identity. */
export function describeIdentity(identity: ClientIdentity): string {
  switch (identity.role) {
    case 'agent':
      return `agent ${identity.agentId}`;
    case 'enrolment':
      return `enrolment client ${identity.clientId}`;
    case 'service':
      return 'service';
  }
}
