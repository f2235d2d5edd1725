import { canPublish, canSubscribe, type ClientAuthenticator, type ClientIdentity } from '@prophasis/broker';
import type { Logger } from '@prophasis/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { BrokerAuthErrors } from './errors.js';

/** A verified connection's identity stays cached this long (the keyed-hash check runs once per connection and minute). */
const SESSION_TTL_MS = 60_000;
const SESSIONS_MAX = 100_000;
/** The only virtual host agents and the core use on RabbitMQ. */
const VHOST = '/';

export interface BrokerAuthHookConfig {
  /** `host:port` to listen on; port 0 picks a free one (tests). */
  listen: string;
  /** SHA-256 hex of the secret that must be the first path segment of every request. */
  tokenSha256: string;
  /** The core's own user on the broker and its password (PROPHASIS_MQTT_USERNAME/PASSWORD). */
  coreUsername: string;
  corePassword: string;
}

/** The hook's listener: RabbitMQ's `rabbitmq_auth_backend_http` endpoints, answered from the agent registry. */
export interface BrokerAuthHook {
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
  /** Forgets a revoked agent: its cached sessions go, and every later check of it is denied. */
  revoked(agentId: string): void;
  /** The decision functions, for the bench: one call = one broker question. */
  readonly app: FastifyInstance;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();
/** Constant-time equality of two strings of any length (their SHA-256s are compared). */
const same = (a: string, b: string) => timingSafeEqual(sha256(a), sha256(b));

/** RabbitMQ's MQTT plugin turns `/` into `.` and `+` into `*` in routing keys; back to an MQTT topic or filter. */
function topicOf(routingKey: string): string {
  return routingKey
    .split('.')
    .map((level) => (level === '*' ? '+' : level))
    .join('/');
}

type Query = Record<string, string | undefined>;

/**
 * The broker authentication hook (docs/external-broker.md, "RabbitMQ"): `GET|POST
 * /<secret>/rabbitmq/{user,vhost,resource,topic}` answering `allow` or `deny` as
 * `rabbitmq_auth_backend_http` expects. Identities and rules are the embedded broker's: the
 * agent registry authenticates (keyed hash, once per connection, then a short positive cache),
 * `canSubscribe`/`canPublish` of broker/src/acl.ts decide topics. The secret path segment is
 * compared in constant time; anybody without it gets 404 and learns nothing.
 */
export function createBrokerAuthHook(config: BrokerAuthHookConfig, deps: { authenticator: ClientAuthenticator; logger: Logger; now?: () => number }): BrokerAuthHook {
  const log = deps.logger.child({ component: 'broker-auth-hook' });
  const now = deps.now ?? Date.now;
  if (!/^[0-9a-f]{64}$/i.test(config.tokenSha256)) throw BrokerAuthErrors.BAD_CONFIG('PROPHASIS_BROKER_AUTH_LISTEN needs PROPHASIS_BROKER_AUTH_TOKEN_SHA256 (the SHA-256 of the secret in the broker\'s hook URLs)');
  const match = /^(.*):(\d{1,5})$/.exec(config.listen);
  if (!match || Number(match[2]) > 65535) throw BrokerAuthErrors.BAD_CONFIG(`PROPHASIS_BROKER_AUTH_LISTEN ${JSON.stringify(config.listen)} is not host:port`);
  const token = Buffer.from(config.tokenSha256, 'hex');
  // Verified connections: `${username}\0${clientId}` → identity and until when, plus the password's hash so a wrong one is re-checked.
  const sessions = new Map<string, { identity: ClientIdentity; passwordHash: Buffer; until: number }>();
  const revokedAgents = new Set<string>();

  async function user(q: Query): Promise<boolean> {
    const username = q.username ?? '';
    const password = q.password ?? '';
    const clientId = q.client_id ?? '';
    if (config.coreUsername && username === config.coreUsername) return config.corePassword !== '' && same(password, config.corePassword);
    const key = `${username}\0${clientId}`;
    const passwordHash = sha256(password);
    const cached = sessions.get(key);
    if (cached && cached.until > now() && timingSafeEqual(cached.passwordHash, passwordHash)) return true;
    const result = await deps.authenticator.authenticate({ clientId, username, password: Buffer.from(password, 'utf8') });
    if (!result.ok) return false;
    // An agent's client id is its agent id (contract 3), as the embedded broker requires.
    if (result.identity.role === 'agent' && clientId !== result.identity.agentId) return false;
    if (sessions.size >= SESSIONS_MAX) sessions.clear();
    sessions.set(key, { identity: result.identity, passwordHash, until: now() + SESSION_TTL_MS });
    return true;
  }

  function identityOf(q: Query): ClientIdentity | undefined {
    const username = q.username ?? '';
    if (config.coreUsername && username === config.coreUsername) return { role: 'service' };
    const session = sessions.get(`${username}\0${q.client_id ?? q['variable_map.client_id'] ?? ''}`);
    if (!session) return undefined; // not verified by this core (it restarted): RabbitMQ closes, the client reconnects
    if (session.identity.role === 'agent' && revokedAgents.has(session.identity.agentId)) return undefined;
    return session.identity;
  }

  function resource(q: Query): boolean {
    const identity = identityOf(q);
    if (!identity || q.vhost !== VHOST) return false;
    if (q.resource === 'exchange') return q.name === 'amq.topic' && (q.permission === 'read' || q.permission === 'write');
    // The MQTT plugin's own subscription queue of this client (QoS 0 and 1), nothing else.
    if (q.resource === 'queue') return identity.role === 'service' || q.name === `mqtt-subscription-${q.client_id}qos0` || q.name === `mqtt-subscription-${q.client_id}qos1`;
    return false;
  }

  function topic(q: Query): boolean {
    const identity = identityOf(q);
    if (!identity || q.vhost !== VHOST || q.resource !== 'topic' || q.name !== 'amq.topic' || !q.routing_key) return false;
    const mqttTopic = topicOf(q.routing_key);
    const decision = q.permission === 'read' ? canSubscribe(identity, mqttTopic) : q.permission === 'write' ? canPublish(identity, mqttTopic) : { allowed: false as const, reason: 'unknown permission' };
    if (!decision.allowed) log.warn({ username: q.username, clientId: q.client_id ?? q['variable_map.client_id'], topic: mqttTopic, permission: q.permission, reason: decision.reason }, 'broker asked; denied');
    return decision.allowed;
  }

  // No request logging: the secret is in every URL.
  const app = Fastify({ logger: false });
  const answer = (allowed: boolean) => (allowed ? 'allow' : 'deny');
  const routes: Record<string, (q: Query) => boolean | Promise<boolean>> = {
    user,
    vhost: (q) => identityOf(q) !== undefined && q.vhost === VHOST,
    resource,
    topic,
  };
  for (const [name, decide] of Object.entries(routes)) {
    const handler = async (request: { params: unknown; query: unknown; body: unknown }, reply: { code(n: number): { send(s: string): unknown }; type(t: string): unknown }) => {
      const secret = (request.params as { secret?: string }).secret ?? '';
      if (!timingSafeEqual(sha256(secret), token)) return reply.code(404).send('not found');
      // GET carries the fields in the query, POST (auth_http.http_method = post) as a form.
      const q = { ...(request.query as Query), ...(typeof request.body === 'object' && request.body ? (request.body as Query) : {}) };
      reply.type('text/plain');
      return answer(await decide(q));
    };
    app.get(`/:secret/rabbitmq/${name}`, handler);
    app.post(`/:secret/rabbitmq/${name}`, handler);
  }
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  return {
    app,
    async start() {
      await app.listen({ host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : Number(match[2]);
      log.info({ host: match[1], port }, 'broker authentication hook listening');
      return { port };
    },
    async stop() {
      await app.close();
    },
    revoked(agentId) {
      revokedAgents.add(agentId);
      for (const [key, session] of sessions) if (session.identity.role === 'agent' && session.identity.agentId === agentId) sessions.delete(key);
    },
  };
}
