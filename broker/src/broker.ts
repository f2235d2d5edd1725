import { ENROL_USERNAME, isValidAgentId, type Logger } from '@prophasis/protocol';
import { Aedes, type AuthenticateError, type Client, type ConnectPacket, type PublishPacket, type Subscription } from 'aedes';
import { EventEmitter } from 'node:events';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { canPublish, canSubscribe, describeIdentity, enrolClientIdProblem, type ClientIdentity } from './acl.js';
import type { BrokerConfig } from './config.js';
import type { TicketKeys } from './pki.js';
import { BrokerErrors } from './errors.js';
import { guardReads } from './packet-guard.js';
import { openSessionStore, sortableBrokerId, type SessionStore } from './persistence.js';
import { topicFilterProblem, topicMatches } from './topic-filter.js';

/** Username of the core when it connects to a standalone broker over MQTT. */
export const SERVICE_USERNAME = '$service';

/** Why an authenticator refused a client; mapped to CONNACK return codes. */
export type AuthFailureReason = 'bad_credentials' | 'not_authorized' | 'identifier_rejected';

export type AuthResult = { ok: true; identity: ClientIdentity } | { ok: false; reason: AuthFailureReason; message: string };

/** Decides who a connecting client is; the core implements it against its database. */
export interface ClientAuthenticator {
  authenticate(c: { clientId: string; username?: string; password?: Buffer }): Promise<AuthResult>;
}

/** Something a client did that it may not do, for the system log. */
export interface SecurityEvent {
  kind: string;
  clientId?: string;
  agentId?: string;
  topic?: string;
  reason: string;
}

export interface BrokerDeps {
  logger: Logger;
  authenticator: ClientAuthenticator;
  onSecurityEvent?(e: SecurityEvent): void;
}

export type BrokerClientEvent = 'clientConnected' | 'clientDisconnected';
export type BrokerClientListener = (c: { clientId: string; identity: ClientIdentity }) => void;
export type InProcessHandler = (topic: string, payload: Buffer) => Promise<void>;

export interface Broker {
  start(): Promise<{ port: number; plaintextPort?: number }>;
  stop(): Promise<void>;
  publish(topic: string, payload: Buffer, opts?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
  subscribe(filter: string, handler: InProcessHandler): Promise<() => Promise<void>>;
  on(event: BrokerClientEvent, listener: BrokerClientListener): void;
  clientCount(): number;
  /**
   * Closes the connection of the client with this id, if it has one (its Last Will is
   * published, as for any connection that ends without DISCONNECT). For a revoked agent: the
   * revocation refuses its next CONNECT, this ends the current one. False when not connected.
   */
  disconnect(clientId: string): Promise<boolean>;
}

const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
].join(':');

/** How often a running broker asks whether its session ticket keys are due for replacement. */
const TICKET_KEY_CHECK_MS = 60 * 60 * 1000;

// [MQTT-3.2.2.3] CONNACK return codes
const CONNACK = {
  identifier_rejected: 2,
  server_unavailable: 3,
  bad_credentials: 4,
  not_authorized: 5,
} as const;

function authError(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/**
 * A token bucket: `rate` tokens per second, at most `burst` saved up. A caller that finds it
 * empty reserves the next free token and waits for it, unless that wait would exceed
 * `maxWaitMs`: a storm of CONNECTs is spread over time instead of refused, because a refused
 * agent backs off and comes back later, after the storm, with a handshake already paid for.
 */
export function createTokenBucket(rate: number, burst: number, maxWaitMs: number, now: () => number = () => performance.now()): { acquire(): Promise<boolean> } {
  let tokens = burst;
  let last = now();
  return {
    acquire() {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) / 1000) * rate);
      last = t;
      tokens -= 1;
      if (tokens >= 0) return Promise.resolve(true);
      const waitMs = (-tokens / rate) * 1000;
      if (waitMs > maxWaitMs) {
        tokens += 1;
        return Promise.resolve(false);
      }
      return new Promise((resolve) => setTimeout(() => resolve(true), waitMs));
    },
  };
}

/**
 * The embedded MQTT broker: aedes 1.x behind a TLS listener, with per-client authentication,
 * topic ACLs, a packet size guard, a connection rate limit and on-disk sessions
 * (docs/broker.md). In-process subscribers (the core) are called before the publishing
 * client gets its PUBACK, so "acknowledged" means "the core's handler finished".
 */
export function createBroker(config: BrokerConfig, deps: BrokerDeps): Broker {
  const log = deps.logger.child({ component: 'broker' });
  const events = new EventEmitter();
  const identities = new WeakMap<Client, ClientIdentity>();
  const offences = new WeakMap<Client, number>();
  const wills = new WeakMap<Client, string>();
  /** Publishes that were authorised only to be acknowledged and dropped; see authorizePublish. */
  const dropped = new WeakSet<object>();
  const handlers = new Set<{ filter: string; handler: InProcessHandler }>();
  const sockets = new Set<Socket>();
  const bucket = createTokenBucket(config.maxConnectionsPerSecond, config.connectionBurst, config.connectionWaitMs);
  let rateLimited = { count: 0, since: 0 };

  let aedes: Aedes | undefined;
  let store: SessionStore | undefined;
  let tlsServer: NetServer | undefined;
  let plainServer: NetServer | undefined;
  let stopping = false;
  let starting = false;
  let ticketTimer: NodeJS.Timeout | undefined;
  /** Settles when the current start() has finished, so that stop() can wait for it. */
  let startDone: Promise<unknown> = Promise.resolve();
  /** TLS sockets accepted while start() was still loading the session store. */
  const early: Socket[] = [];

  function security(e: SecurityEvent, level: 'warn' | 'info' = 'warn'): void {
    log[level]({ event: e.kind, clientId: e.clientId, agentId: e.agentId, topic: e.topic }, `refused: ${e.reason}`);
    try {
      deps.onSecurityEvent?.(e);
    } catch (err) {
      log.error({ err }, 'onSecurityEvent failed');
    }
  }

  function eventBase(client: Client | null, identity?: ClientIdentity): Pick<SecurityEvent, 'clientId' | 'agentId'> {
    const agentId = identity?.role === 'agent' ? identity.agentId : undefined;
    return { ...(client?.id ? { clientId: client.id } : {}), ...(agentId ? { agentId } : {}) };
  }

  /** Counts one offence; true when the client has now reached the limit and must go. */
  function offend(client: Client): boolean {
    const n = (offences.get(client) ?? 0) + 1;
    offences.set(client, n);
    return n >= config.offenceLimit;
  }

  async function deliverInProcess(topic: string, payload: Buffer): Promise<void> {
    const matching = [...handlers].filter((h) => topicMatches(h.filter, topic));
    // Handlers run one after another in subscription order: they are few (the core's
    // subscriptions) and a failure must stop the acknowledgement.
    for (const h of matching) await h.handler(topic, payload);
  }

  function rateLimitedConnect(client: Client): void {
    const now = Date.now();
    rateLimited.count++;
    // One log line per second during a storm instead of one per refused client.
    if (now - rateLimited.since >= 1000) {
      security({ kind: 'connection_rate_limited', ...eventBase(client), reason: `${rateLimited.count} connection(s) over ${config.maxConnectionsPerSecond}/s (after waiting up to ${config.connectionWaitMs} ms) refused with CONNACK 3 (server unavailable)` });
      rateLimited = { count: 0, since: now };
    }
  }

  const preConnect = (client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void => {
    if (packet.will) wills.set(client, packet.will.topic);
    callback(null, true);
  };

  async function decideAuth(client: Client, username: string | undefined, password: Buffer | undefined): Promise<ClientIdentity> {
    const clientId = client.id;
    const refuse = (code: number, kind: string, reason: string): never => {
      security({ kind, clientId, ...(username && !username.startsWith('$') ? { agentId: username } : {}), reason });
      throw authError(code, reason);
    };
    if (!(await bucket.acquire())) {
      rateLimitedConnect(client);
      throw authError(CONNACK.server_unavailable, 'connection rate limit reached');
    }
    if (!username || !password) refuse(CONNACK.bad_credentials, 'auth_failed', 'username and password are required');
    if (username === ENROL_USERNAME) {
      const problem = enrolClientIdProblem(clientId);
      if (problem) refuse(CONNACK.identifier_rejected, 'identifier_rejected', problem);
    } else if (username !== SERVICE_USERNAME) {
      // Agents: client id = username = agent id, checked before any credential lookup.
      if (clientId !== username) refuse(CONNACK.identifier_rejected, 'identifier_rejected', 'client id differs from username');
      if (!isValidAgentId(username)) refuse(CONNACK.identifier_rejected, 'identifier_rejected', 'not a valid agent id');
    }
    let result: AuthResult;
    try {
      result = await deps.authenticator.authenticate({ clientId, username: username!, password: password! });
    } catch (err) {
      log.error({ err, clientId }, 'the authenticator failed');
      throw authError(CONNACK.server_unavailable, 'authentication is unavailable');
    }
    if (!result.ok) return refuse(CONNACK[result.reason], 'auth_failed', `${result.reason}: ${result.message}`);
    const identity = result.identity;
    const consistent =
      (identity.role === 'agent' && identity.agentId === clientId && username === clientId) ||
      (identity.role === 'enrolment' && identity.clientId === clientId && username === ENROL_USERNAME) ||
      (identity.role === 'service' && username === SERVICE_USERNAME);
    if (!consistent) refuse(CONNACK.not_authorized, 'auth_failed', `the authenticator returned ${describeIdentity(identity)} for username ${username}`);
    const willTopic = wills.get(client);
    if (willTopic !== undefined) {
      const decision = canPublish(identity, willTopic);
      if (!decision.allowed) {
        security({ kind: 'will_denied', ...eventBase(client, identity), topic: willTopic, reason: decision.reason });
        throw authError(CONNACK.not_authorized, `will topic refused: ${decision.reason}`);
      }
    }
    return identity;
  }

  const authenticate = (client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AuthenticateError | null, success: boolean | null) => void): void => {
    decideAuth(client, username, password).then(
      (identity) => {
        identities.set(client, identity);
        done(null, true);
      },
      (err: AuthenticateError) => done(err, false),
    );
  };

  const authorizeSubscribe = (client: Client, sub: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void => {
    const identity = identities.get(client);
    const decision = identity ? canSubscribe(identity, sub.topic) : ({ allowed: false, reason: 'not authenticated' } as const);
    if (decision.allowed) return callback(null, sub);
    security({ kind: 'subscribe_denied', ...eventBase(client, identity), topic: sub.topic, reason: decision.reason });
    if (offend(client)) {
      security({ kind: 'offence_limit', ...eventBase(client, identity), reason: `disconnected after ${config.offenceLimit} refused operations` });
      return callback(new Error('too many refused operations'));
    }
    callback(null, null); // SUBACK 0x80 [MQTT-3.9.3]
  };

  const authorizePublish = (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void => {
    // client === null: a will left by a previous broker run, checked against the ACL when
    // its client connected.
    const identity = client ? identities.get(client) : undefined;
    const isWill = client === null || client.closed;
    if (isWill && stopping) return callback(new Error('the broker is stopping: wills are not published'));
    if (client) {
      const decision = identity ? canPublish(identity, packet.topic) : ({ allowed: false, reason: 'not authenticated' } as const);
      if (!decision.allowed) {
        security({ kind: isWill ? 'will_denied' : 'publish_denied', ...eventBase(client, identity), topic: packet.topic, reason: decision.reason });
        if (isWill) return callback(new Error(decision.reason));
        if (offend(client)) {
          security({ kind: 'offence_limit', ...eventBase(client, identity), reason: `disconnected after ${config.offenceLimit} refused operations` });
          return callback(new Error('too many refused operations'));
        }
        // [MQTT-3.3.5-2]: a refused PUBLISH is either acknowledged as usual or the connection
        // is closed. Below the offence limit it is acknowledged and then dropped by the
        // publish wrapper in start(), so one mistake does not cost a reconnect.
        dropped.add(packet);
        return callback(null);
      }
    }
    deliverInProcess(packet.topic, packet.payload as Buffer).then(
      () => callback(null),
      (err: unknown) => {
        // No PUBACK: the connection closes and the client sends the message again after it
        // reconnects, so a handler failure never loses a result.
        log.error({ err, clientId: client?.id, topic: packet.topic }, 'an in-process subscriber failed; the publish is not acknowledged');
        callback(err instanceof Error ? err : new Error(String(err)));
      },
    );
  };

  function listenOn(server: NetServer, port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      // The kernel's accept queue must hold a reconnect storm: when it is full, connection
      // attempts are dropped and the agents' TCP stacks retry only after 1, 3, 7, 15 s.
      server.listen({ port, host, backlog: config.listenBacklog }, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  function accept(socket: Socket): void {
    const instance = aedes;
    if (!instance && starting && !stopping) {
      early.push(socket);
      return;
    }
    if (!instance || stopping) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    const remoteAddress = socket.remoteAddress;
    guardReads(socket, config.maxPacketBytes, (size) => {
      const clientId = (socket as Socket & { client?: Client }).client?.id;
      security({ kind: 'packet_too_large', ...(clientId ? { clientId } : {}), reason: `packet of ${size} bytes exceeds ${config.maxPacketBytes} from ${remoteAddress}` });
    });
    instance.handle(socket);
  }

  /** Replaces the listener's ticket keys when they are due, while running (not only at start). */
  function scheduleTicketKeyCheck(server: { setTicketKeys(keys: Buffer): void }, source: TicketKeys, initial: Buffer): void {
    let current = initial;
    ticketTimer = setInterval(() => {
      source.current().then(
        (keys) => {
          if (current.equals(keys)) return;
          current = keys;
          server.setTicketKeys(keys);
        },
        (err: unknown) => log.error({ err }, 'replacing the TLS session ticket keys failed'),
      );
    }, TICKET_KEY_CHECK_MS);
    ticketTimer.unref();
  }

  function closeServer(server: NetServer | undefined): Promise<void> {
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  return {
    async start() {
      if (aedes || starting) throw BrokerErrors.ALREADY_STARTED();
      stopping = false;
      starting = true;
      let finished!: () => void;
      startDone = new Promise<void>((resolve) => (finished = resolve));
      let tls: ReturnType<typeof createTlsServer>;
      try {
        const ticketKeys = await config.tls.ticketKeys?.current();
        tls = createTlsServer(
          {
            ...(ticketKeys ? { ticketKeys } : {}),
            ecdhCurve: config.tlsGroups,
            cert: `${config.tls.serverCertPem.trimEnd()}\n${config.tls.caCertPem.trimEnd()}\n`, // chain: agents pin the CA it ends with
            key: config.tls.serverKeyPem,
            minVersion: 'TLSv1.2',
            maxVersion: config.tlsMaxVersion,
            // TLS 1.3 suites, and for TLS 1.2 only forward-secret AEAD suites (the certificate is
            // ECDSA, so only ECDHE-ECDSA suites can be negotiated at all).
            ciphers: TLS_CIPHERS,
            handshakeTimeout: config.connectTimeoutMs,
          },
          (socket: TLSSocket) => accept(socket),
        );
        if (ticketKeys) scheduleTicketKeyCheck(tls, config.tls.ticketKeys!, ticketKeys);
      } catch (err) {
        starting = false;
        finished();
        // OpenSSL's own words for a group name it does not know ("Failed to set ECDH curve").
        throw (err as { code?: string }).code?.startsWith('BROKER_')
          ? err
          : BrokerErrors.TLS_SETTINGS_INVALID(`${(err as Error).message} (tlsGroups ${JSON.stringify(config.tlsGroups)})`);
      }
      tls.on('tlsClientError', (err, socket) => {
        log.debug({ err: err.message, remoteAddress: socket.remoteAddress }, 'TLS handshake failed');
        socket.destroy();
      });
      // Sockets that never finish the handshake must not outlive stop().
      tls.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      tlsServer = tls;
      // Listen before the session store is loaded: TLS handshakes (the costly part of a
      // reconnect) overlap the load, and the sockets wait in `early` until aedes exists.
      let port: number;
      try {
        port = await listenOn(tls, config.port, config.host);
        store = await openSessionStore(config.persistenceDir, {
          maxQueuedPerClient: config.maxQueuedPerClient,
          onOverflow(e) {
            const agentId = isValidAgentId(e.clientId) ? e.clientId : undefined;
            security({ kind: 'queue_overflow', clientId: e.clientId, ...(agentId ? { agentId } : {}), reason: `queue of ${e.queued} messages full: dropped the ${e.dropped} oldest` });
          },
        });
        const instance = await Aedes.createBroker({
          id: sortableBrokerId(),
          persistence: store.persistence,
          connectTimeout: config.connectTimeoutMs,
          drainTimeout: config.drainTimeoutMs,
          maxInflightInbound: config.maxInflight,
          maxClientsIdLength: 64, // MQTT 3.1.0 only; agent ids are up to 64 characters
          preConnect,
          authenticate,
          authorizeSubscribe,
          authorizePublish,
        });
        // Refused publishes below the offence limit were acknowledged by aedes; they end here.
        const publish = instance.publish.bind(instance) as unknown as (packet: PublishPacket, client: Client | null, done: (err?: Error) => void) => void;
        (instance as unknown as { publish: typeof publish }).publish = (packet, client, done) => {
          if (typeof client === 'function') return publish(packet, null, client);
          if (dropped.has(packet)) {
            dropped.delete(packet);
            return done();
          }
          publish(packet, client, done);
        };
        // 'client' (registration), not 'clientReady': it pairs with 'clientDisconnect' even when a
        // client leaves while its queued messages are still being replayed.
        instance.on('client', (client) => {
          const identity = identities.get(client);
          if (!identity) return;
          log.debug({ clientId: client.id, identity: describeIdentity(identity) }, 'client connected');
          events.emit('clientConnected', { clientId: client.id, identity });
        });
        instance.on('clientDisconnect', (client) => {
          const identity = identities.get(client);
          if (!identity) return;
          log.debug({ clientId: client.id }, 'client disconnected');
          events.emit('clientDisconnected', { clientId: client.id, identity });
        });
        instance.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'client error'));
        instance.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'connection error'));
        aedes = instance;
      } catch (err) {
        await closeServer(tlsServer);
        for (const socket of sockets) socket.destroy();
        early.length = 0;
        await store?.close();
        store = undefined;
        tlsServer = undefined;
        throw err;
      } finally {
        starting = false;
        finished();
      }
      for (const socket of early.splice(0)) if (!socket.destroyed) accept(socket);
      log.info({ port, host: config.host }, 'MQTT over TLS listening');
      let plaintextPort: number | undefined;
      if (config.plaintextPort !== undefined) {
        plainServer = createNetServer((socket) => accept(socket));
        plaintextPort = await listenOn(plainServer, config.plaintextPort, config.plaintextHost);
        log.warn({ port: plaintextPort, host: config.plaintextHost }, 'plaintext MQTT listener enabled: credentials travel unencrypted on it');
      }
      return plaintextPort === undefined ? { port } : { port, plaintextPort };
    },

    async stop() {
      if (starting) await startDone;
      if (!aedes) return;
      stopping = true;
      clearInterval(ticketTimer);
      ticketTimer = undefined;
      const instance = aedes;
      const closing = Promise.all([closeServer(tlsServer), closeServer(plainServer)]);
      await new Promise<void>((resolve) => instance.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closing;
      await store?.close();
      aedes = undefined;
      store = undefined;
      tlsServer = undefined;
      plainServer = undefined;
      log.info('broker stopped');
    },

    async publish(topic, payload, opts = {}) {
      const instance = aedes;
      if (!instance) throw BrokerErrors.NOT_STARTED();
      await deliverInProcess(topic, payload);
      await new Promise<void>((resolve, reject) => {
        const packet = { cmd: 'publish', topic, payload, qos: opts.qos ?? 0, retain: opts.retain ?? false, dup: false } as PublishPacket;
        instance.publish(packet, (err?: Error) => (err ? reject(BrokerErrors.PUBLISH_FAILED(err.message)) : resolve()));
      });
    },

    async subscribe(filter, handler) {
      const problem = topicFilterProblem(filter);
      if (problem) throw BrokerErrors.INVALID_FILTER(`${JSON.stringify(filter)} ${problem}`);
      const entry = { filter, handler };
      handlers.add(entry);
      return async () => {
        handlers.delete(entry);
      };
    },

    on(event, listener) {
      events.on(event, listener);
    },

    clientCount() {
      return aedes?.connectedClients ?? 0;
    },

    async disconnect(clientId) {
      const client = (aedes as unknown as { clients: Record<string, Client | undefined> } | undefined)?.clients[clientId];
      if (!client) return false;
      log.info({ clientId }, 'disconnecting a client on request');
      await new Promise<void>((resolve) => client.close(() => resolve()));
      return true;
    },
  };
}

