import { generateSecret, type ClientAuthenticator, type SecretHasher } from '@prophasis/broker';
import { ENROL_USERNAME, isFleetToken, isValidAgentId, type Logger } from '@prophasis/protocol';
import { createHash, randomBytes } from 'node:crypto';
import type { SystemLog } from '../kernel/index.js';
import { EnrolmentErrors } from './errors.js';
import type { FleetStore, Registration } from './fleet.js';

/** What an agent tells about its machine when it enrols (the `enrol.request` body minus the token). */
export interface AgentFacts {
  hostname: string;
  platform: string;
  arch: string;
  agentVersion: string;
  nodeVersion: string;
}

export type EnrolmentState = 'pending' | 'enrolled' | 'revoked';

export interface HostRef {
  hostId: string;
  name: string;
  state: EnrolmentState;
}

/** Why a token was refused; the reason travels to the agent in `enrol.response`. */
type TokenRefusal =
  | 'unknown_token'
  | 'token_used'
  | 'token_expired'
  | 'host_enrolled'
  | 'fleet_token_revoked'
  | 'fleet_token_expired'
  | 'fleet_token_exhausted'
  | 'host_name_taken'
  | 'invalid_host_name'
  | 'broker_refused';

type ConsumeResult =
  | { ok: true; agentId: string; secret: string; hostId: string; hostName: string; /** With a fleet token: the host was created. */ registration?: Registration }
  | { ok: false; reason: TokenRefusal; message: string; /** With a fleet token the core knows. */ fleetTokenId?: number };

/**
 * The registry of enrolment tokens and agent credentials. It is the broker's
 * {@link ClientAuthenticator}: every CONNECT of an agent or an enrolling client is decided here.
 */
export interface AgentRegistry extends ClientAuthenticator {
  /** Creates a pending host, or returns the pending (or revoked) host of that name. */
  addHost(name: string): Promise<HostRef>;
  /** A new single-use token for the host; only its SHA-256 is stored. */
  createEnrolmentToken(hostId: string, ttlMs?: number, createdBy?: string): Promise<{ token: string; expiresAt: Date }>;
  /**
   * Redeems a token: a single-use one exactly once (its host is enrolled), a fleet token while it
   * is active and under its limit (the host is created under the name the agent reports).
   * Either way a new agent id and secret (only the secret's keyed hash is kept).
   */
  consumeToken(token: string, facts: AgentFacts): Promise<ConsumeResult>;
  /** Revokes the agent's credentials; its next CONNECT is refused. False for an unknown agent. */
  revoke(agentId: string): Promise<boolean>;
  /** Called after each successful revocation (the core ends the agent's open connection). */
  onRevoked(listener: (agentId: string) => void | Promise<unknown>): void;
  /** Loads every agent's credentials into the cache (before 10,000 agents reconnect at once). */
  warm(): Promise<number>;
}

/** An agent's credentials as the store keeps them. */
export interface StoredAgent {
  agentId: string;
  hostId: string;
  secretHash: string;
  revoked: boolean;
}

export interface StoredToken {
  hostId: string;
  expiresAt: Date;
  usedAt: Date | null;
}

export type StoreConsumeResult =
  | { ok: true; hostId: string; hostName: string; previousAgentId: string | null }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' | 'host_enrolled' };

/**
 * Persistence behind the registry: an in-memory one for unit tests
 * ({@link createMemoryRegistryStore}) and one over the core's database.
 */
export interface RegistryStore {
  findOrCreatePendingHost(name: string): Promise<HostRef>;
  /** Throws `CORE_ENROL_HOST_NOT_FOUND` for an unknown host. */
  insertToken(token: { hostId: string; tokenHash: string; expiresAt: Date; createdBy: string }): Promise<void>;
  findToken(tokenHash: string): Promise<StoredToken | undefined>;
  /**
   * Atomically marks the token used iff it is unused and unexpired at `now` (a conditional
   * `UPDATE … WHERE used_at IS NULL AND expires_at > now`, so two concurrent requests with the
   * same token cannot both win) and, in the same transaction, enrols its host.
   */
  consumeToken(tokenHash: string, now: Date, enrol: { agentId: string; secretHash: string; facts: AgentFacts }): Promise<StoreConsumeResult>;
  findAgent(agentId: string): Promise<StoredAgent | undefined>;
  listAgents(): Promise<StoredAgent[]>;
  revokeAgent(agentId: string, at: Date): Promise<boolean>;
}

/**
 * Agents' accounts on an external broker that cannot ask the core (Mosquitto's dynamic security,
 * docs/external-broker.md); absent with the embedded broker or a broker that asks the core.
 */
interface BrokerAccounts {
  addAgent(agentId: string, secret: string): Promise<void>;
  removeAgent(agentId: string): Promise<void>;
  addEnrolmentToken(token: string, expiresAt: Date): Promise<void>;
  removeEnrolmentToken(token: string): Promise<void>;
}

/** How long a used token's broker account outlives its use, so the answer reaches the agent before the account goes. */
const USED_TOKEN_ACCOUNT_GRACE_MS = 10_000;

export interface RegistryDeps {
  brokerAccounts?: BrokerAccounts | undefined;
  store: RegistryStore;
  hasher: SecretHasher;
  logger: Logger;
  systemLog: SystemLog;
  /** Fleet tokens (auto-registration); without it a fleet token is an unknown token. */
  fleet?: Pick<FleetStore, 'findFleetTokenId' | 'registerHost'> | undefined;
  /** Epoch ms; tests pass a fake clock. */
  now?: () => number;
}

/** Default token lifetime: one hour. */
const DEFAULT_TOKEN_TTL_MS = 60 * 60 * 1000;
/** Bounds of a token's lifetime: a minute to a week. */
const MIN_TTL_MS = 60 * 1000;
const MAX_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Unknown agent ids are remembered this long so a misconfigured agent cannot hammer the database. */
const NEGATIVE_CACHE_MS = 30 * 1000;
const NEGATIVE_CACHE_MAX = 10_000;
const ENROL_CLIENT_PREFIX = 'enrol-';
const SERVICE_USERNAME = '$service';
const HOST_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/** SHA-256 hex of an enrolment token: tokens are 256 random bits, so a fast unsalted hash suffices. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new enrolment token: 32 random bytes, base64url (43 characters). */
function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower case, no padding (topic-safe and case-insensitive-filesystem-safe). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** A new agent id: `a-` + 120 random bits in base32 (26 characters, a valid MQTT client id and topic level). */
export function generateAgentId(): string {
  const id = `a-${base32(randomBytes(15))}`;
  if (!isValidAgentId(id)) throw new Error(`generated an invalid agent id ${id}`); // cannot happen: alphabet is [a-z2-7-]
  return id;
}

const REFUSAL_MESSAGES: Record<TokenRefusal, string> = {
  unknown_token: 'unknown enrolment token',
  token_used: 'the enrolment token was already used',
  token_expired: 'the enrolment token has expired',
  host_enrolled: 'the host already has an enrolled agent',
  fleet_token_revoked: 'the fleet token was revoked',
  fleet_token_expired: 'the fleet token has expired',
  fleet_token_exhausted: 'the fleet token has registered as many hosts as it may',
  host_name_taken: 'a host of this name exists already',
  invalid_host_name: 'the host name this machine reports is not a valid host name',
  broker_refused: 'the MQTT broker refused the agent\'s account',
};

/** The refusal of a fleet registration as the agent (and its installer's output) shows it. */
function fleetRefusal(reason: TokenRefusal, context: { hostname: string; fleetTokenName?: string | undefined; maxHosts?: number | null | undefined }): string {
  const token = context.fleetTokenName ? ` "${context.fleetTokenName}"` : '';
  switch (reason) {
    case 'fleet_token_revoked':
      return `the fleet token${token} was revoked`;
    case 'fleet_token_expired':
      return `the fleet token${token} has expired`;
    case 'fleet_token_exhausted':
      return `the fleet token${token} has registered its limit of ${context.maxHosts ?? '?'} hosts`;
    case 'host_name_taken':
      return `a host named ${JSON.stringify(context.hostname)} exists already; give this machine another host name, or enrol it into that host with the host's own token (prophasis host add)`;
    case 'invalid_host_name':
      return `the host name this machine reports, ${JSON.stringify(context.hostname.slice(0, 80))}, is not a valid host name (letters, digits, dot, underscore and hyphen, at most 255)`;
    default:
      return REFUSAL_MESSAGES[reason];
  }
}

/**
 * Builds the agent registry over a store. Credentials are cached in memory (agent id → secret
 * hash and revocation) so that 10,000 reconnecting agents cost 10,000 HMACs and no queries;
 * the cache is updated on enrolment and revocation, which both go through this object.
 */
export function createAgentRegistry(deps: RegistryDeps): AgentRegistry {
  const { store, hasher, systemLog } = deps;
  const log = deps.logger.child({ component: 'enrolment' });
  const now = deps.now ?? Date.now;
  const cache = new Map<string, StoredAgent>();
  const revokedListeners: ((agentId: string) => void | Promise<unknown>)[] = [];
  const unknown = new Map<string, number>(); // agent id → remembered until (epoch ms)
  const inflight = new Map<string, Promise<StoredAgent | undefined>>();

  async function lookup(agentId: string): Promise<StoredAgent | undefined> {
    const hit = cache.get(agentId);
    if (hit) return hit;
    const until = unknown.get(agentId);
    if (until !== undefined && until > now()) return undefined;
    // Coalesce concurrent misses for the same id (an agent retrying fast) into one query.
    let pending = inflight.get(agentId);
    if (!pending) {
      pending = store.findAgent(agentId).finally(() => inflight.delete(agentId));
      inflight.set(agentId, pending);
    }
    const found = await pending;
    if (found) {
      cache.set(agentId, found);
      unknown.delete(agentId);
    } else {
      if (unknown.size >= NEGATIVE_CACHE_MAX) unknown.clear();
      unknown.set(agentId, now() + NEGATIVE_CACHE_MS);
    }
    return found;
  }

  function refuse(reason: 'bad_credentials' | 'not_authorized' | 'identifier_rejected', message: string, context: Record<string, unknown>) {
    systemLog.write('warn', 'transport', `connection refused: ${message}`, { ...context, reason });
    return { ok: false as const, reason, message };
  }

  /** Auto-registration: the host is created under the name the agent reports (docs/enrolment.md). */
  async function registerWithFleetToken(
    token: string,
    facts: AgentFacts,
    credentials: { agentId: string; secret: string; secretHash: string },
  ): Promise<ConsumeResult> {
    const { agentId, secret, secretHash } = credentials;
    const refused = (reason: TokenRefusal, context: { fleetTokenId?: number | undefined; fleetTokenName?: string | undefined; maxHosts?: number | null | undefined } = {}): ConsumeResult => {
      const message = fleetRefusal(reason, { ...context, hostname: facts.hostname });
      systemLog.write('warn', 'enrolment', `registration refused: ${message}`, { reason, hostname: facts.hostname, platform: facts.platform, arch: facts.arch, fleetTokenId: context.fleetTokenId });
      return { ok: false, reason, message, ...(context.fleetTokenId !== undefined ? { fleetTokenId: context.fleetTokenId } : {}) };
    };
    if (!deps.fleet) return refused('unknown_token');
    // The host is named after the machine; a name the table cannot hold is refused, not changed.
    const name = facts.hostname;
    if (!HOST_NAME_PATTERN.test(name)) {
      const fleetTokenId = await deps.fleet.findFleetTokenId(hashToken(token));
      return refused(fleetTokenId === undefined ? 'unknown_token' : 'invalid_host_name', { fleetTokenId });
    }
    const result = await deps.fleet.registerHost(hashToken(token), now(), { name, agentId, secretHash, facts });
    if (!result.ok) {
      const reason: TokenRefusal =
        result.reason === 'unknown' ? 'unknown_token'
        : result.reason === 'name_taken' ? 'host_name_taken'
        : result.reason === 'revoked' ? 'fleet_token_revoked'
        : result.reason === 'expired' ? 'fleet_token_expired'
        : 'fleet_token_exhausted';
      return refused(reason, result);
    }
    const { ok: _ok, hostId, hostName, ...registration } = result;
    cache.set(agentId, { agentId, hostId, secretHash, revoked: false });
    unknown.delete(agentId);
    systemLog.write('info', 'enrolment', 'host registered', { agentId, hostId, hostName, ...registration, ...facts });
    log.info({ agentId, hostId, fleetTokenId: registration.fleetTokenId }, 'host registered with a fleet token');
    return { ok: true, agentId, secret, hostId, hostName, registration };
  }

  return {
    async authenticate({ clientId, username, password }) {
      if (username === ENROL_USERNAME) {
        if (!clientId.startsWith(ENROL_CLIENT_PREFIX) || !isValidAgentId(clientId)) {
          return refuse('identifier_rejected', 'an enrolling client id must be enrol-<random>', { clientId });
        }
        const token = password?.toString('utf8') ?? '';
        const stored = !token ? undefined : isFleetToken(token) ? await deps.fleet?.findFleetTokenId(hashToken(token)) : await store.findToken(hashToken(token));
        // A forged token is refused at CONNACK. A used, expired or revoked one may connect, so
        // that the responder can tell the agent why in `enrol.response` (it consumes nothing).
        if (!stored) return refuse('not_authorized', REFUSAL_MESSAGES.unknown_token, { clientId });
        return { ok: true, identity: { role: 'enrolment', clientId } };
      }
      if (username === SERVICE_USERNAME) {
        // The embedded broker's only service client is the core itself, in-process.
        return refuse('not_authorized', 'no service credential is accepted by the embedded broker', { clientId });
      }
      if (username === undefined || !isValidAgentId(username)) {
        return refuse('bad_credentials', 'missing or malformed username', { clientId });
      }
      const agent = await lookup(username);
      if (!agent) return refuse('bad_credentials', 'unknown agent', { agentId: username });
      if (agent.revoked) return refuse('not_authorized', 'agent revoked', { agentId: username, hostId: agent.hostId });
      if (!password || !hasher.verify(password.toString('utf8'), agent.secretHash)) {
        return refuse('bad_credentials', 'wrong secret', { agentId: username, hostId: agent.hostId });
      }
      return { ok: true, identity: { role: 'agent', agentId: username } };
    },

    async addHost(name) {
      if (!HOST_NAME_PATTERN.test(name)) {
        throw EnrolmentErrors.INVALID_HOST_NAME(`${JSON.stringify(name)}: letters, digits, dot, underscore and hyphen, at most 255`);
      }
      const host = await store.findOrCreatePendingHost(name);
      if (host.state === 'enrolled') throw EnrolmentErrors.HOST_ENROLLED(name);
      return host;
    },

    async createEnrolmentToken(hostId, ttlMs = DEFAULT_TOKEN_TTL_MS, createdBy = 'cli') {
      if (!Number.isInteger(ttlMs) || ttlMs < MIN_TTL_MS || ttlMs > MAX_TTL_MS) {
        throw EnrolmentErrors.INVALID_TTL(`${ttlMs} ms; allowed ${MIN_TTL_MS}…${MAX_TTL_MS}`);
      }
      const token = generateToken();
      const expiresAt = new Date(now() + ttlMs);
      await store.insertToken({ hostId, tokenHash: hashToken(token), expiresAt, createdBy });
      // The external broker must let this token's holder in to enrol (docs/external-broker.md).
      await deps.brokerAccounts?.addEnrolmentToken(token, expiresAt);
      systemLog.write('info', 'enrolment', 'enrolment token created', { hostId, createdBy, expiresAt: expiresAt.toISOString() });
      return { token, expiresAt };
    },

    async consumeToken(token, facts) {
      const agentId = generateAgentId();
      const secret = generateSecret();
      const secretHash = hasher.hash(secret);
      // The broker account first: a broker that refuses it leaves the token unused and the host not enrolled.
      const accounts = deps.brokerAccounts;
      if (accounts) {
        try {
          await accounts.addAgent(agentId, secret);
        } catch (err) {
          const message = `${REFUSAL_MESSAGES.broker_refused}: ${(err as Error).message}`;
          systemLog.write('error', 'enrolment', `enrolment refused: ${message}`, { reason: 'broker_refused', hostname: facts.hostname });
          return { ok: false, reason: 'broker_refused', message };
        }
      }
      const dropAccount = (id: string) => accounts?.removeAgent(id).catch((err: unknown) => log.error({ err, agentId: id }, 'removing a broker account failed'));
      if (isFleetToken(token)) {
        const registered = await registerWithFleetToken(token, facts, { agentId, secret, secretHash }).catch((err: unknown) => {
          void dropAccount(agentId);
          throw err;
        });
        if (!registered.ok) void dropAccount(agentId);
        return registered;
      }
      const result = await store.consumeToken(hashToken(token), new Date(now()), { agentId, secretHash, facts }).catch((err: unknown) => {
        void dropAccount(agentId);
        throw err;
      });
      if (accounts && !result.ok) void dropAccount(agentId);
      if (accounts && result.ok) {
        if (result.previousAgentId) void dropAccount(result.previousAgentId);
        setTimeout(() => void accounts.removeEnrolmentToken(token).catch((err: unknown) => log.error({ err }, 'removing a used token\'s broker account failed')), USED_TOKEN_ACCOUNT_GRACE_MS).unref();
      }
      if (!result.ok) {
        const reason: TokenRefusal =
          result.reason === 'unknown' ? 'unknown_token' : result.reason === 'used' ? 'token_used' : result.reason === 'expired' ? 'token_expired' : 'host_enrolled';
        systemLog.write('warn', 'enrolment', `enrolment refused: ${REFUSAL_MESSAGES[reason]}`, { reason, hostname: facts.hostname });
        return { ok: false, reason, message: REFUSAL_MESSAGES[reason] };
      }
      if (result.previousAgentId) cache.delete(result.previousAgentId);
      cache.set(agentId, { agentId, hostId: result.hostId, secretHash, revoked: false });
      unknown.delete(agentId);
      systemLog.write('info', 'enrolment', 'agent enrolled', { agentId, hostId: result.hostId, hostName: result.hostName, ...facts });
      log.info({ agentId, hostId: result.hostId }, 'agent enrolled');
      return { ok: true, agentId, secret, hostId: result.hostId, hostName: result.hostName };
    },

    async revoke(agentId) {
      const revoked = await store.revokeAgent(agentId, new Date(now()));
      // Invalidate whatever the store said: the next CONNECT reads the revocation back.
      cache.delete(agentId);
      if (revoked) {
        systemLog.write('warn', 'enrolment', 'agent revoked', { agentId });
        for (const listener of revokedListeners) {
          try {
            await listener(agentId);
          } catch (err) {
            log.error({ err, agentId }, 'a revocation listener failed');
          }
        }
      }
      return revoked;
    },

    onRevoked(listener) {
      revokedListeners.push(listener);
    },

    async warm() {
      const agents = await store.listAgents();
      for (const agent of agents) cache.set(agent.agentId, agent);
      return agents.length;
    },
  };
}
