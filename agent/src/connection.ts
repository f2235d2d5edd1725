import {
  cmdTopic,
  createMessage,
  decodeMessage,
  encodeMessage,
  resTopic,
  stateTopic,
  type BodyOf,
  type CmdMessage,
  type Logger,
  type ResMessage,
  type StateMessage,
} from '@prophasis/protocol';
import mqtt, { Store, type ErrorWithReasonCode, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { createBackoff } from './backoff.js';
import type { AgentConfig } from './config.js';
import type { Credentials } from './credentials.js';
import { AgentErrors } from './errors.js';
import { hostFacts, type HostFacts } from './facts.js';
import { parseServer, pinnedTlsOptions, resumeTlsSessions } from './tls.js';

/** Handles one validated command. Resolving (or throwing) lets MQTT.js send the PUBACK. */
type CommandHandler = (message: CmdMessage) => Promise<void> | void;

/** Channels an agent may publish on (its own `res` and `state`, docs/protocol.md, "Topics"). */
type PublishChannel = 'res' | 'state';

type ConnectionStatus = 'connected' | 'disconnected';

export interface Connection {
  /** Starts connecting; resolves at once (the first connection may take a while to succeed). */
  start(): Promise<void>;
  /** Publishes `state` offline (when connected), disconnects cleanly, stops reconnecting. */
  stop(): Promise<void>;
  /**
   * Publishes a message (QoS 1) on the agent's own channel; resolves on PUBACK. Published while
   * disconnected, it is sent after the next connect (MQTT.js keeps it in its outgoing store).
   */
  publish(channel: PublishChannel, message: ResMessage | StateMessage): Promise<void>;
  /** Publishes `state` online again (retained) when connected: the installed bundles or the plan changed. */
  announce(): void;
  /** Sets the handler of valid commands (one; the command registry dispatches by type). */
  onCommand(handler: CommandHandler): void;
  /** Observes connects and disconnects (the outbox of issue 6 drains on `connected`). */
  onStatus(listener: (status: ConnectionStatus) => void): void;
  readonly connected: boolean;
}

/** What `state` online carries beyond the machine facts; providers so they are read on every connect. */
interface PresenceProviders {
  /** SHA-256 of every installed bundle (empty until bundles arrive with the plugins issue). */
  bundles(): string[];
  /** Revision of the plan in force, if any (issue 6). */
  planRevision(): number | undefined;
  /** The installation's last self-upgrade (ROOT/upgrade-state.json), if any (docs/decisions/0009-agent-self-upgrade.md). */
  upgrade(): BodyOf<'state'>['upgrade'];
}

/** Timer functions, injectable so reconnect scheduling can be tested with a fake clock. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface ConnectionDeps {
  logger: Logger;
  credentials: Credentials;
  presence?: Partial<PresenceProviders>;
  facts?: HostFacts;
  /** [0, 1) source of the backoff jitter; Math.random by default. */
  random?: () => number;
  timers?: Timers;
  /** Creates the MQTT client; tests may wrap MQTT.js. */
  connect?: (options: IClientOptions) => MqttClient;
}

type ConnectionConfig = Pick<AgentConfig, 'keepaliveSeconds' | 'connectTimeoutMs' | 'reconnectInitialMs' | 'reconnectMaxMs' | 'reconnectResetAfterMs'> &
  Partial<Pick<AgentConfig, 'reconnectEarlyMaxMs' | 'reconnectEarlyWindowMs'>>;

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

/** How long `stop()` waits for the PUBACK of `state` offline, and then for the DISCONNECT to flush, ms. */
const STOP_PUBLISH_TIMEOUT_MS = 5_000;

/**
 * The agent's one MQTT connection (contract 3): TLS pinned to the enrolment CA, client id =
 * username = agent id, persistent session, Last Will `state` offline, `state` online on
 * every connect, commands validated before any handler sees them, and reconnects driven by
 * our own backoff timer (MQTT.js `reconnectPeriod: 0`).
 */
export function createConnection(config: ConnectionConfig, deps: ConnectionDeps): Connection {
  const { credentials } = deps;
  const agentId = credentials.agentId;
  const logger = deps.logger.child({ component: 'connection', agentId });
  const timers = deps.timers ?? realTimers;
  const facts = deps.facts ?? hostFacts();
  const presence: PresenceProviders = {
    bundles: deps.presence?.bundles ?? (() => []),
    planRevision: deps.presence?.planRevision ?? (() => undefined),
    upgrade: deps.presence?.upgrade ?? (() => undefined),
  };
  const backoff = createBackoff(
    {
      initialMs: config.reconnectInitialMs,
      maxMs: config.reconnectMaxMs,
      ...(config.reconnectEarlyMaxMs === undefined ? {} : { earlyMaxMs: config.reconnectEarlyMaxMs, earlyWindowMs: config.reconnectEarlyWindowMs ?? 0 }),
    },
    deps.random ?? Math.random,
    () => timers.now(),
  );
  const topics = { cmd: cmdTopic(agentId), res: resTopic(agentId), state: stateTopic(agentId) };
  const address = parseServer(credentials.server);
  // Kept across reconnects so that unacknowledged QoS 1 packets survive a dropped connection
  // (MQTT.js's reconnect() would otherwise start with empty stores).
  const stores = { incomingStore: new Store(), outgoingStore: new Store() };

  let client: MqttClient | undefined;
  let commandHandler: CommandHandler | undefined;
  const statusListeners: ((s: ConnectionStatus) => void)[] = [];
  let stopping = false;
  let reconnectTimer: unknown;
  let connectedAt: number | undefined;

  const offline = (): StateMessage => createMessage('state', { status: 'offline' });
  const online = (): StateMessage => {
    const revision = presence.planRevision();
    const upgrade = presence.upgrade();
    return createMessage('state', {
      status: 'online',
      ...facts,
      bundles: presence.bundles(),
      ...(revision === undefined ? {} : { planRevision: revision }),
      ...(upgrade === undefined ? {} : { upgrade }),
    });
  };

  function emitStatus(status: ConnectionStatus): void {
    for (const listener of statusListeners) {
      try {
        listener(status);
      } catch (err) {
        logger.error({ err }, 'status listener failed');
      }
    }
  }

  async function dispatch(packet: IPublishPacket): Promise<void> {
    if (packet.topic !== topics.cmd) {
      logger.warn({ topic: packet.topic }, 'ignoring a message on a topic this agent did not subscribe to');
      return;
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const decoded = decodeMessage(payload, 'cmd');
    if (!decoded.ok) {
      // An invalid command is logged and acknowledged: redelivering it would fail again.
      logger.warn({ code: decoded.error.code, reason: decoded.error.message, bytes: payload.byteLength }, 'invalid command ignored');
      return;
    }
    const message = decoded.message as CmdMessage;
    if (!commandHandler) {
      logger.warn({ type: message.type, id: message.id }, 'command received before a handler was set; ignored');
      return;
    }
    try {
      await commandHandler(message);
    } catch (err) {
      logger.error({ err, type: message.type, id: message.id }, 'command handler failed');
    }
  }

  /** Resolves with the promise's value, or `undefined` after STOP_PUBLISH_TIMEOUT_MS. */
  async function bounded<T>(promise: Promise<T>): Promise<T | undefined> {
    let timeout: unknown;
    const timedOut = new Promise<undefined>((resolve) => {
      timeout = timers.setTimeout(() => resolve(undefined), STOP_PUBLISH_TIMEOUT_MS);
    });
    try {
      return await Promise.race([promise, timedOut]);
    } finally {
      timers.clearTimeout(timeout);
    }
  }

  function scheduleReconnect(): void {
    if (stopping || reconnectTimer !== undefined) return;
    const { delayMs, attempt } = backoff.next();
    logger.info({ attempt, delayMs }, 'reconnecting after backoff');
    reconnectTimer = timers.setTimeout(() => {
      reconnectTimer = undefined;
      if (stopping || !client) return;
      client.reconnect(stores);
    }, delayMs);
  }

  function onConnect(c: MqttClient, connack?: { sessionPresent?: boolean }): void {
    connectedAt = timers.now();
    const sessionPresent = connack?.sessionPresent === true;
    logger.info({ server: credentials.server, sessionPresent }, 'connected');
    // With clean: false the broker keeps our subscription in the session; "session present"
    // means it has it (the only subscription an agent may hold). Subscribing again would cost
    // both sides a round trip on every reconnect, e.g. 10,000 of them after a core restart.
    if (!sessionPresent) {
      c.subscribe(topics.cmd, { qos: 1 }, (err, granted) => {
        if (err) logger.error({ err }, 'subscribing to the cmd topic failed');
        else if (!granted || granted.some((g) => g.qos === 128)) logger.error({ topic: topics.cmd }, 'the broker refused the cmd subscription');
      });
    }
    // Retained, so the core learns our facts whenever it (re)subscribes.
    c.publishAsync(topics.state, encodeMessage(online()), { qos: 1, retain: true }).catch((err: unknown) =>
      logger.warn({ err }, 'publishing state online failed'),
    );
    emitStatus('connected');
  }

  function onClose(): void {
    const wasConnected = connectedAt !== undefined;
    if (wasConnected && timers.now() - (connectedAt as number) > config.reconnectResetAfterMs) backoff.reset();
    connectedAt = undefined;
    if (wasConnected) {
      if (!stopping) logger.warn('disconnected');
      emitStatus('disconnected');
    }
    scheduleReconnect();
  }

  function onError(err: Error | ErrorWithReasonCode): void {
    const code = (err as ErrorWithReasonCode).code;
    if (code === 4 || code === 5) {
      logger.error({ code }, 'the server refused our credentials (revoked or re-enrolled elsewhere?); still retrying with backoff');
    } else if (code === 2) {
      logger.error({ code }, 'the server rejected our client id');
    } else {
      logger.warn({ err: { message: err.message, code } }, 'connection error');
    }
  }

  return {
    get connected() {
      return client?.connected ?? false;
    },

    async start() {
      if (client) return;
      stopping = false;
      const options: IClientOptions = {
        protocol: 'mqtts',
        host: address.host,
        port: address.port,
        ...pinnedTlsOptions(credentials.caPem, address.host),
        protocolVersion: 4, // aedes 1.x speaks MQTT 3.1.1
        clientId: agentId,
        username: agentId,
        password: credentials.secret,
        clean: false,
        keepalive: config.keepaliveSeconds,
        connectTimeout: config.connectTimeoutMs,
        reconnectPeriod: 0, // our own timer reconnects, with backoff and jitter
        resubscribe: false, // we subscribe on every connect ourselves
        manualConnect: true,
        ...stores,
        will: { topic: topics.state, payload: encodeMessage(offline()), qos: 1, retain: true },
      };
      const c = (deps.connect ?? mqtt.connect)(options);
      client = c;
      resumeTlsSessions(c);
      // Documented MQTT.js hook: the PUBACK of a command goes out only after its handler
      // finished, and packets are handled one at a time, so commands run in order.
      c.handleMessage = (packet, done) => {
        dispatch(packet).then(
          () => done(),
          (err: unknown) => {
            logger.error({ err }, 'dispatch failed');
            done();
          },
        );
      };
      c.on('connect', (connack?: { sessionPresent?: boolean }) => onConnect(c, connack));
      c.on('close', onClose);
      c.on('error', onError);
      c.connect();
    },

    async stop() {
      stopping = true;
      if (reconnectTimer !== undefined) timers.clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      const c = client;
      client = undefined;
      if (!c) return;
      if (c.connected) {
        // A clean DISCONNECT discards the Will [MQTT-3.1.2-10], so say "offline" ourselves.
        const published = c.publishAsync(topics.state, encodeMessage(offline()), { qos: 1, retain: true });
        await bounded(published.then(() => undefined)).catch((err: unknown) => logger.warn({ err }, 'publishing state offline failed'));
        // A dead socket may never flush the DISCONNECT; then close it hard.
        if (!(await bounded(c.endAsync().then(() => true)))) await c.endAsync(true);
      } else {
        await c.endAsync(true);
      }
      logger.info('stopped');
    },

    async publish(channel, message) {
      if (channel !== 'res' && channel !== 'state') throw AgentErrors.PUBLISH_REFUSED(String(channel));
      const expected = channel === 'state' ? message.type === 'state' : message.type !== 'state';
      if (!expected) throw AgentErrors.PUBLISH_REFUSED(`${message.type} does not travel on ${channel}`);
      if (!client || stopping) throw AgentErrors.NOT_CONNECTED();
      await client.publishAsync(topics[channel], encodeMessage(message), { qos: 1, retain: channel === 'state' });
    },

    announce() {
      if (!client?.connected || stopping) return;
      client
        .publishAsync(topics.state, encodeMessage(online()), { qos: 1, retain: true })
        .catch((err: unknown) => logger.warn({ err }, 'publishing state online failed'));
    },

    onCommand(handler) {
      commandHandler = handler;
    },

    onStatus(listener) {
      statusListeners.push(listener);
    },
  };
}
