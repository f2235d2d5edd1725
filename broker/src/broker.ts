import { isValidAgentId, type Logger } from '@prophasis/protocol';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import { EventEmitter } from 'node:events';
import type { Server as NetServer, Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { describeIdentity, type ClientIdentity } from './acl.js';
import type { BrokerConfig } from './config.js';
import { BrokerErrors } from './errors.js';
import { createAuthenticate } from './hooks/authenticate.js';
import { createAuthorizePublish, dropRefusedPublishes } from './hooks/authorize-publish.js';
import { createAuthorizeSubscribe } from './hooks/authorize-subscribe.js';
import { createOffenceCounter } from './hooks/offences.js';
import { createPreConnect } from './hooks/pre-connect.js';
import { closeServer, createAcceptor, createPlaintextListener, createTlsListener, listenOn, watchTlsListener } from './listeners.js';
import { openSessionStore, sortableBrokerId, type SessionStore } from './persistence.js';
import { createSecurityReporter } from './security-events.js';
import { scheduleTicketKeyCheck } from './ticket-keys.js';
import { createTokenBucket } from './token-bucket.js';
import { topicFilterProblem, topicMatches } from './topic-filter.js';

/** Username of the core when it connects to a standalone broker over MQTT (defined in acl.ts). */
export { SERVICE_USERNAME } from './acl.js';

/** Why an authenticator refused a client; mapped to CONNACK return codes. */
type AuthFailureReason = 'bad_credentials' | 'not_authorized' | 'identifier_rejected';

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

type BrokerClientEvent = 'clientConnected' | 'clientDisconnected';
type BrokerClientListener = (c: { clientId: string; identity: ClientIdentity }) => void;
type InProcessHandler = (topic: string, payload: Buffer) => Promise<void>;

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

/**
 * The embedded MQTT broker: aedes 1.x behind a TLS listener, with per-client authentication,
 * topic ACLs, a packet size guard, a connection rate limit and on-disk sessions
 * (docs/broker.md). In-process subscribers (the core) are called before the publishing
 * client gets its PUBACK, so "acknowledged" means "the core's handler finished".
 *
 * Assembled from parts: the aedes hooks in hooks/ (one file per hook), the listeners
 * (listeners.ts), the session ticket key rotation (ticket-keys.ts) and the CONNECT rate
 * limit (token-bucket.ts). The state they share is created here and handed to each part.
 */
export function createBroker(config: BrokerConfig, deps: BrokerDeps): Broker {
  const log = deps.logger.child({ component: 'broker' });
  const events = new EventEmitter();
  const identities = new WeakMap<Client, ClientIdentity>();
  const wills = new WeakMap<Client, string>();
  /** Publishes that were authorised only to be acknowledged and dropped; see authorizePublish. */
  const dropped = new WeakSet<object>();
  const handlers = new Set<{ filter: string; handler: InProcessHandler }>();
  const sockets = new Set<Socket>();
  const bucket = createTokenBucket(config.maxConnectionsPerSecond, config.connectionBurst, config.connectionWaitMs);

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

  const security = createSecurityReporter(log, deps);
  const offend = createOffenceCounter(config);

  async function deliverInProcess(topic: string, payload: Buffer): Promise<void> {
    const matching = [...handlers].filter((h) => topicMatches(h.filter, topic));
    // Handlers run one after another in subscription order: they are few (the core's
    // subscriptions) and a failure must stop the acknowledgement.
    for (const h of matching) await h.handler(topic, payload);
  }

  const preConnect = createPreConnect(wills);
  const authenticate = createAuthenticate({ log, security, authenticator: deps.authenticator, bucket, limits: config, wills, identities });
  const authorizeSubscribe = createAuthorizeSubscribe({ security, identities, offend, limits: config });
  const authorizePublish = createAuthorizePublish({ log, security, identities, offend, limits: config, isStopping: () => stopping, dropped, deliverInProcess });
  const accept = createAcceptor({ state: () => ({ aedes, starting, stopping }), early, sockets, config, security });

  return {
    async start() {
      if (aedes || starting) throw BrokerErrors.ALREADY_STARTED();
      stopping = false;
      starting = true;
      let finished!: () => void;
      startDone = new Promise<void>((resolve) => (finished = resolve));
      let tls: TlsServer;
      try {
        const ticketKeys = await config.tls.ticketKeys?.current();
        tls = createTlsListener(config, ticketKeys, accept);
        if (ticketKeys) ticketTimer = scheduleTicketKeyCheck(tls, config.tls.ticketKeys!, ticketKeys, log);
      } catch (err) {
        starting = false;
        finished();
        // OpenSSL's own words for a group name it does not know ("Failed to set ECDH curve").
        throw (err as { code?: string }).code?.startsWith('BROKER_')
          ? err
          : BrokerErrors.TLS_SETTINGS_INVALID(`${(err as Error).message} (tlsGroups ${JSON.stringify(config.tlsGroups)})`);
      }
      watchTlsListener(tls, sockets, log);
      tlsServer = tls;
      // Listen before the session store is loaded: TLS handshakes (the costly part of a
      // reconnect) overlap the load, and the sockets wait in `early` until aedes exists.
      let port: number;
      try {
        port = await listenOn(tls, config.port, config.host, config.listenBacklog);
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
        dropRefusedPublishes(instance, dropped);
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
        plainServer = createPlaintextListener(accept);
        plaintextPort = await listenOn(plainServer, config.plaintextPort, config.plaintextHost, config.listenBacklog);
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

