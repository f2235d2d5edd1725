import { brokerDefaults, createBroker, ensurePki, type Broker, type BrokerSettings, type ClientAuthenticator, type ClientIdentity, type SecurityEvent } from '@prophasis/broker';
import {
  type Envelope,
  ALL_ENROL_REQUEST_TOPIC,
  ALL_RES_TOPIC,
  ALL_STATE_TOPIC,
  agentTopic,
  channelOf,
  cmdTopic,
  decodeMessage,
  encodeMessage,
  enrolResponseTopic,
  parseAgentTopic,
  parseEnrolTopic,
  type CmdMessage,
  type Logger,
  type ProphasisError,
  type ResMessage,
  type StateMessage,
} from '@prophasis/protocol';
import { createHash, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type { TransportConfig } from './config.js';
import { TransportErrors } from './errors.js';
import { createExternalBus, readCa, type Bus } from './external.js';
import type { SystemLog } from '../kernel/index.js';

type ResultHandler = (agentId: string, message: ResMessage) => Promise<void>;
type StateHandler = (agentId: string, message: StateMessage) => Promise<void>;

/** The core's side of MQTT: commands out, validated results and states in. */
/** Answers enrolment requests (the enrolment feature implements it); declared here, by its consumer. */
export interface EnrolmentResponder {
  /**
   * Redeems one validated `enrol.request` from the enrolling client `clientId` and returns the
   * `enrol.response` for the transport to publish on that client's response topic; `undefined`
   * when the request could not be processed (logged). Never throws.
   */
  handle(clientId: string, request: Envelope<'enrol.request'>): Promise<Envelope<'enrol.response'> | undefined>;
}

export interface Transport {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Publishes a `cmd` message to one agent, QoS 1 (queued by the broker while the agent is away). */
  publishCommand(agentId: string, message: CmdMessage): Promise<void>;
  /**
   * Registers the consumer of `res` messages. Handlers run in registration order; the agent's
   * PUBACK is sent only after they resolve, and a rejection withholds it (the agent resends).
   */
  onResult(handler: ResultHandler): void;
  /** Registers a consumer of `state` messages (presence). */
  onState(handler: StateHandler): void;
  /**
   * Ends an agent's current connection (embedded broker only; an external broker's sessions
   * are that broker's business, docs/external-broker.md). False when it was not connected.
   */
  disconnectAgent(agentId: string): Promise<boolean>;
  /** SHA-256 hex of the CA agents pin (embedded mode, or the external CA file); '' when unknown. Set by start(). */
  readonly caFingerprint: string;
  /** The port agents connect to; set by start(). */
  readonly mqttPort: number;
  /** Counts since start, for /metrics (docs/operations.md). */
  stats(): TransportStats;
  /**
   * Several cores (docs/high-availability.md): serves the broker session of a lease, `p:17` (the
   * partition's agents' `res` and `state`, as client `<mqttClientId>-p17`) or `duty:enrolment`
   * (`enrol/+/req`, as `<mqttClientId>-enrol`); resolves once subscribed. Other leases: nothing.
   */
  serveLease(name: string): Promise<void>;
  /** Several cores: drops a lease's session at once; what it did not acknowledge stays queued for the next owner. */
  leaveLease(name: string): Promise<void>;
  /** Several cores: agents were enrolled or revoked; the served partitions' subscriptions follow. */
  agentsChanged(): Promise<void>;
  /** Called after an accepted enrolment was answered (several cores: the owner of its partition must subscribe). */
  onEnrolled(listener: (agentId: string) => void): void;
}

/** What the transport needs to know of the cluster (several cores, docs/high-availability.md). */
interface TransportCluster {
  /** This core's id: its own clean session is `<mqttClientId>-<coreId>`. */
  coreId: string;
  partitionOf(agentId: string): number;
  /** The enrolled, unrevoked agents of one partition. */
  agentsOf(partition: number): Promise<string[]>;
}

interface TransportStats {
  /** MQTT clients connected to the embedded broker now; null with an external broker (its own metrics say). */
  connections: number | null;
  /** The embedded broker's refusals (CONNECT, SUBSCRIBE, PUBLISH and wills refused, offence limits) by kind. */
  refusals: Record<string, number>;
  /** Messages dropped as invalid (bad topic, payload or publisher), by error code. */
  invalidMessages: Record<string, number>;
}

export interface TransportDeps {
  logger: Logger;
  systemLog: SystemLog;
  /** Decides every CONNECT of the embedded broker (the agent registry). */
  authenticator: ClientAuthenticator;
  /** Answers `enrol.request` messages. */
  enrolment: EnrolmentResponder;
  /** Several cores on one external broker: subscriptions per served lease instead of every agent. */
  cluster?: TransportCluster;
}

function describePublisher(p: ClientIdentity): string {
  return p.role === 'agent' ? `agent ${p.agentId}` : p.role === 'enrolment' ? `enrolling client ${p.clientId}` : 'the service client';
}

/** At most this many system-log entries per publisher and minute for invalid messages (the pino log keeps all). */
const INVALID_LOG_PER_MINUTE = 10;

/**
 * Creates the transport. Embedded mode (no `mqttUrl`): the PKI in `<dataDir>/pki` and the
 * embedded TLS broker, whose ACLs guarantee that a message on `agents/{id}/res|state` was
 * published by agent `{id}` and on `enrol/{clientId}/req` by that enrolling client — the
 * topic names the publisher. External mode: an MQTT.js client of `mqttUrl`; the topic is then
 * trusted as far as the external broker's ACLs make it trustworthy (docs/external-broker.md).
 * Every payload is validated with `decodeMessage`; an invalid one is logged with its reason
 * and dropped, never thrown.
 */
export function createTransport(config: TransportConfig, deps: TransportDeps): Transport {
  const log = deps.logger.child({ component: 'transport' });
  const resultHandlers: ResultHandler[] = [];
  const stateHandlers: StateHandler[] = [];
  const enrolledListeners: ((agentId: string) => void)[] = [];
  const invalidCounts = new Map<string, { minute: number; count: number }>();
  let bus: Bus | undefined;
  let caFingerprint = '';
  let mqttPort = 0;
  let clientCount: (() => number) | undefined;
  const refusals: Record<string, number> = {};
  const invalidMessages: Record<string, number> = {};
  /** Several cores: the sessions of the leases this core serves, and the agents each is subscribed to. */
  const sessions = new Map<string, { bus: Bus; agents: Set<string> }>();
  let caPemForSessions: string | undefined;

  function refuse(publisher: string, topic: string, error: ProphasisError | string, size: number): void {
    const reason = typeof error === 'string' ? error : error.message;
    const code = typeof error === 'string' ? 'CORE_TRANSPORT_BAD_TOPIC' : error.code;
    log.warn({ publisher, topic, code, reason, bytes: size }, 'invalid message dropped');
    invalidMessages[code] = (invalidMessages[code] ?? 0) + 1;
    const minute = Math.floor(Date.now() / 60_000);
    const seen = invalidCounts.get(publisher);
    const entry = seen && seen.minute === minute ? seen : { minute, count: 0 };
    entry.count++;
    invalidCounts.set(publisher, entry);
    if (invalidCounts.size > 10_000) invalidCounts.clear();
    if (entry.count <= INVALID_LOG_PER_MINUTE) {
      deps.systemLog.write('warn', 'transport', 'invalid message dropped', { publisher, topic, code, reason, bytes: size });
    }
  }

  /**
   * Routes one inbound publish. Rejects only when a consumer failed (so the PUBACK is withheld).
   * `publisher` is passed by a broker that reports who published; the embedded broker's ACL
   * already guarantees the match, this is a second line of defence.
   */
  async function dispatch(topic: string, payload: Buffer, publisher?: ClientIdentity): Promise<void> {
    const agentTopic = parseAgentTopic(topic);
    if (agentTopic) {
      const { agentId, channel } = agentTopic;
      if (channel === 'cmd') return; // our own commands, echoed by an external broker
      if (publisher && !(publisher.role === 'agent' && publisher.agentId === agentId)) {
        return refuse(agentId, topic, `published by ${describePublisher(publisher)}, not by agent ${agentId}`, payload.length);
      }
      const decoded = decodeMessage(payload, channel);
      if (!decoded.ok) return refuse(agentId, topic, decoded.error, payload.length);
      if (channel === 'res') {
        for (const handler of resultHandlers) await handler(agentId, decoded.message as ResMessage);
      } else {
        for (const handler of stateHandlers) await handler(agentId, decoded.message as StateMessage);
      }
      return;
    }
    const enrolTopic = parseEnrolTopic(topic);
    if (enrolTopic?.direction === 'req') {
      if (publisher && !(publisher.role === 'enrolment' && publisher.clientId === enrolTopic.clientId)) {
        return refuse(enrolTopic.clientId, topic, `published by ${describePublisher(publisher)}, not by ${enrolTopic.clientId}`, payload.length);
      }
      const decoded = decodeMessage(payload, 'enrol');
      if (!decoded.ok) return refuse(enrolTopic.clientId, topic, decoded.error, payload.length);
      if (decoded.message.type !== 'enrol.request') return refuse(enrolTopic.clientId, topic, `${decoded.message.type} is not a request`, payload.length);
      const response = await deps.enrolment.handle(enrolTopic.clientId, decoded.message);
      // QoS 1, never retained: the secret must reach this one client and stay nowhere else.
      // Not awaited: an external broker's MQTT.js client reads no further packet (this answer's
      // PUBACK included) until this handler returns, so awaiting it here would hang the connection.
      if (response && bus) {
        bus.publish(enrolResponseTopic(enrolTopic.clientId), encodeMessage(response), { qos: 1, retain: false }).catch((err: unknown) => log.error({ err, clientId: enrolTopic.clientId }, 'publishing an enrolment answer failed'));
      }
      const enrolled = response?.body.status === 'accepted' ? response.body.agentId : undefined;
      if (enrolled) for (const listener of enrolledListeners) listener(enrolled);
      return;
    }
    if (enrolTopic?.direction === 'resp') return; // our own answers, echoed by an external broker
    refuse('unknown', topic, 'not a Prophasis agent or enrolment topic', payload.length);
  }

  async function embeddedBus(): Promise<Bus> {
    const pki = await ensurePki(join(config.dataDir, 'pki'), { hostnames: config.pkiHostnames, ips: config.pkiIps, logger: deps.logger });
    const settings: BrokerSettings = {
      ...brokerDefaults(join(config.dataDir, 'mqtt-sessions')),
      port: config.mqttPort,
      host: config.mqttHost,
      ...(config.broker as Partial<BrokerSettings>),
    };
    const broker: Broker = createBroker(
      { ...settings, tls: { serverCertPem: pki.serverCertPem, serverKeyPem: pki.serverKeyPem, caCertPem: pki.caCertPem, ticketKeys: pki.ticketKeys } },
      {
        logger: deps.logger,
        authenticator: deps.authenticator,
        onSecurityEvent: (e: SecurityEvent) => {
          refusals[e.kind] = (refusals[e.kind] ?? 0) + 1;
          deps.systemLog.write('warn', 'broker', `${e.kind}: ${e.reason}`, { ...e });
        },
      },
    );
    clientCount = () => broker.clientCount();
    const unsubscribers: (() => Promise<void>)[] = [];
    return {
      async start() {
        const { port } = await broker.start();
        return { port, caFingerprint: pki.caFingerprint };
      },
      async stop() {
        for (const unsubscribe of unsubscribers.splice(0)) await unsubscribe();
        await broker.stop();
      },
      publish: (topic, payload, opts) => broker.publish(topic, payload, opts),
      async subscribe(filters, handler) {
        for (const filter of filters) unsubscribers.push(await broker.subscribe(filter, handler));
      },
      disconnect: (clientId) => broker.disconnect(clientId),
    };
  }

  function cluster(): TransportCluster {
    if (!deps.cluster || !config.mqttUrl) throw TransportErrors.NOT_CLUSTERED();
    return deps.cluster;
  }
  const ownClientId = (coreId: string) => `${config.mqttClientId}-${coreId}`.slice(0, 64);
  const partitionOfLease = (name: string) => (/^p:\d+$/.test(name) ? Number(name.slice(2)) : undefined);
  const agentFilters = (agents: Iterable<string>) => [...agents].flatMap((a) => [agentTopic(a, 'res'), agentTopic(a, 'state')]);

  async function serveLease(name: string): Promise<void> {
    const c = cluster();
    if (sessions.has(name) || !bus) return;
    const partition = partitionOfLease(name);
    if (partition === undefined && name !== 'duty:enrolment') return;
    const clientId = partition === undefined ? `${config.mqttClientId}-enrol` : `${config.mqttClientId}-p${partition}`;
    // The partition's persistent session: the broker kept its subscriptions and the QoS 1 messages
    // the previous owner did not acknowledge, and hands them over here. Taking the client id also
    // ends any connection still holding it (a second fence besides the lease).
    const session = createExternalBus(config, { logger: deps.logger, ...(caPemForSessions ? { caPem: caPemForSessions } : {}) }, { clientId, clean: false, reconnectPeriod: 1_000, dispatch });
    await session.start();
    const agents = partition === undefined ? [] : await c.agentsOf(partition);
    try {
      // A partition without agents yet: no SUBSCRIBE (an empty one is a protocol error); agentsChanged adds them.
      const filters = partition === undefined ? [ALL_ENROL_REQUEST_TOPIC] : agentFilters(agents);
      if (filters.length > 0) await session.subscribe(filters, dispatch);
    } catch (err) {
      await session.abandon?.();
      throw err;
    }
    sessions.set(name, { bus: session, agents: new Set(agents) });
    log.info({ lease: name, clientId, agents: agents.length }, 'serving a lease’s broker session');
  }

  async function leaveLease(name: string): Promise<void> {
    const session = sessions.get(name);
    if (!session) return;
    sessions.delete(name);
    await session.bus.abandon?.();
    log.info({ lease: name }, 'left a lease’s broker session');
  }

  return {
    async start() {
      if (bus) return;
      if (config.mqttUrl) {
        const caPem = await readCa(config.mqttCaFile);
        caPemForSessions = caPem;
        // Several cores: this core's own session only publishes; the leases' sessions receive.
        const own = deps.cluster ? { clientId: ownClientId(deps.cluster.coreId), clean: true } : {};
        const external = createExternalBus(config, { logger: deps.logger, ...(caPem ? { caPem } : {}) }, own);
        const started = await external.start();
        mqttPort = started.port;
        caFingerprint = caPem ? createHash('sha256').update(new X509Certificate(caPem).raw).digest('hex') : '';
        bus = external;
      } else {
        const embedded = await embeddedBus();
        const started = await embedded.start();
        mqttPort = started.port;
        caFingerprint = started.caFingerprint;
        bus = embedded;
      }
      if (!deps.cluster) await bus.subscribe([ALL_RES_TOPIC, ALL_STATE_TOPIC, ALL_ENROL_REQUEST_TOPIC], dispatch);
      log.info({ mode: config.mqttUrl ? 'external' : 'embedded', port: mqttPort, caFingerprint }, 'transport started');
    },

    async stop() {
      for (const name of [...sessions.keys()]) await leaveLease(name);
      const b = bus;
      bus = undefined;
      if (b) await b.stop();
    },

    serveLease,
    leaveLease,

    async agentsChanged() {
      for (const [name, session] of sessions) {
        const partition = partitionOfLease(name);
        if (partition === undefined) continue;
        const now = new Set(await cluster().agentsOf(partition));
        const added = [...now].filter((a) => !session.agents.has(a));
        const removed = [...session.agents].filter((a) => !now.has(a));
        if (sessions.get(name) !== session) continue; // left meanwhile
        if (added.length > 0) await session.bus.subscribe(agentFilters(added), dispatch);
        if (removed.length > 0) await session.bus.unsubscribe?.(agentFilters(removed));
        for (const a of added) session.agents.add(a);
        for (const a of removed) session.agents.delete(a);
        if (added.length + removed.length > 0) log.info({ lease: name, added: added.length, removed: removed.length }, 'partition subscriptions updated');
      }
    },

    async publishCommand(agentId, message) {
      if (!bus) throw TransportErrors.NOT_STARTED();
      if (channelOf(message.type) !== 'cmd') throw TransportErrors.NOT_A_COMMAND(message.type);
      await bus.publish(cmdTopic(agentId), encodeMessage(message), { qos: 1, retain: false });
    },

    onResult(handler) {
      resultHandlers.push(handler);
    },

    onState(handler) {
      stateHandlers.push(handler);
    },

    onEnrolled(listener) {
      enrolledListeners.push(listener);
    },

    async disconnectAgent(agentId) {
      if (!bus?.disconnect) {
        if (bus) log.warn({ agentId }, 'cannot end the connection of an agent on an external broker; its next CONNECT is refused');
        return false;
      }
      return bus.disconnect(agentId);
    },

    get caFingerprint() {
      return caFingerprint;
    },

    get mqttPort() {
      return mqttPort;
    },

    stats: () => ({ connections: bus && clientCount ? clientCount() : null, refusals: { ...refusals }, invalidMessages: { ...invalidMessages } }),
  };
}
