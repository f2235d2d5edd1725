import { ProtocolErrors } from './errors.js';

/** Root of every Prophasis topic; the version segment changes only with an incompatible protocol. */
export const TOPIC_ROOT = 'prophasis/v1/agents';

/** The three channels of one agent's topic tree (docs/protocol.md, "Topics"). */
const CHANNELS = ['cmd', 'res', 'state'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Agent ids are at most this long; they double as MQTT client id and username. */
const AGENT_ID_MAX_LENGTH = 64;
const AGENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why `id` is not a valid agent id, or `undefined` when it is. Ids become topic levels, so
 * the MQTT separators and wildcards (`/`, `+`, `#`, [MQTT-4.7.1]) and control characters are
 * refused with their own reason; anything else outside `[A-Za-z0-9._-]` is refused too.
 */
export function agentIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string') return 'must be a string';
  if (id.length === 0) return 'must not be empty';
  if (id.length > AGENT_ID_MAX_LENGTH) return `must be at most ${AGENT_ID_MAX_LENGTH} characters`;
  if (id.includes('/')) return "must not contain '/'";
  if (id.includes('+')) return "must not contain '+'";
  if (id.includes('#')) return "must not contain '#'";
  if (CONTROL_CHARS.test(id)) return 'must not contain control characters';
  if (!AGENT_ID_PATTERN.test(id)) return 'may contain only letters, digits, dot, underscore and hyphen, starting with a letter or digit';
  return undefined;
}

/** True when `id` may be used as an agent id. */
export function isValidAgentId(id: unknown): id is string {
  return agentIdProblem(id) === undefined;
}

/** Throws `PROTO_INVALID_AGENT_ID` unless `id` is valid. */
function assertAgentId(id: unknown): asserts id is string {
  const problem = agentIdProblem(id);
  if (problem) throw ProtocolErrors.INVALID_AGENT_ID(`${JSON.stringify(id)} ${problem}`);
}

/** `prophasis/v1/agents/{id}/{channel}`; throws on an invalid id. */
export function agentTopic(agentId: string, channel: Channel): string {
  assertAgentId(agentId);
  return `${TOPIC_ROOT}/${agentId}/${channel}`;
}

export const cmdTopic = (agentId: string): string => agentTopic(agentId, 'cmd');
export const resTopic = (agentId: string): string => agentTopic(agentId, 'res');
export const stateTopic = (agentId: string): string => agentTopic(agentId, 'state');

/** The core's subscriptions covering every agent's `res` and `state`. */
export const ALL_RES_TOPIC = `${TOPIC_ROOT}/+/res`;
export const ALL_STATE_TOPIC = `${TOPIC_ROOT}/+/state`;

export interface ParsedTopic {
  agentId: string;
  channel: Channel;
}

/** Splits a concrete agent topic; `undefined` for anything else (wildcards included). */
export function parseAgentTopic(topic: string): ParsedTopic | undefined {
  if (!topic.startsWith(TOPIC_ROOT + '/')) return undefined;
  const rest = topic.slice(TOPIC_ROOT.length + 1).split('/');
  if (rest.length !== 2) return undefined;
  const [agentId, channel] = rest as [string, string];
  if (!isValidAgentId(agentId)) return undefined;
  if (!(CHANNELS as readonly string[]).includes(channel)) return undefined;
  return { agentId, channel: channel as Channel };
}

/** Like {@link parseAgentTopic} but throws `PROTO_INVALID_TOPIC`. */
export function requireAgentTopic(topic: string): ParsedTopic {
  const parsed = parseAgentTopic(topic);
  if (!parsed) throw ProtocolErrors.INVALID_TOPIC(JSON.stringify(topic));
  return parsed;
}

/**
 * Enrolment (docs/enrolment.md): a new agent connects over the same TLS port with username
 * `$enrol`, a one-time client id `enrol-…` and the enrolment token as password. It may only
 * publish its request on `prophasis/v1/enrol/{clientId}/req` and subscribe to the answer on
 * `prophasis/v1/enrol/{clientId}/resp`.
 */
export const ENROL_ROOT = 'prophasis/v1/enrol';
export const ENROL_USERNAME = '$enrol';
export const enrolRequestTopic = (clientId: string): string => {
  assertAgentId(clientId);
  return `${ENROL_ROOT}/${clientId}/req`;
};
export const enrolResponseTopic = (clientId: string): string => {
  assertAgentId(clientId);
  return `${ENROL_ROOT}/${clientId}/resp`;
};
export const ALL_ENROL_REQUEST_TOPIC = `${ENROL_ROOT}/+/req`;

/** Splits `prophasis/v1/enrol/{clientId}/req|resp`; `undefined` for anything else. */
export function parseEnrolTopic(topic: string): { clientId: string; direction: 'req' | 'resp' } | undefined {
  if (!topic.startsWith(ENROL_ROOT + '/')) return undefined;
  const rest = topic.slice(ENROL_ROOT.length + 1).split('/');
  if (rest.length !== 2) return undefined;
  const [clientId, direction] = rest as [string, string];
  if (!isValidAgentId(clientId) || (direction !== 'req' && direction !== 'resp')) return undefined;
  return { clientId, direction };
}
