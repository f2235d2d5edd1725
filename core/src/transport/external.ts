import type { Logger } from '@prophasis/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { readFile } from 'node:fs/promises';
import type { TransportConfig } from './config.js';
import { TransportErrors } from './errors.js';

/** How the transport talks to a broker, embedded or external. */
export interface Bus {
  start(): Promise<{ port: number; caFingerprint: string }>;
  stop(): Promise<void>;
  publish(topic: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }): Promise<void>;
  /** One dispatcher for every subscribed topic; a rejection withholds the PUBACK. */
  subscribe(filters: string[], dispatch: (topic: string, payload: Buffer) => Promise<void>): Promise<void>;
  /** Ends a client's connection; only the embedded broker can. */
  disconnect?(clientId: string): Promise<boolean>;
  /** External: drops the connection at once, acknowledging nothing more (a partition moves to another core). */
  abandon?(): Promise<void>;
  /** External: removes subscriptions of the session. */
  unsubscribe?(filters: string[]): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Another session than the core's own (several cores, docs/high-availability.md): a partition's
 * persistent session `prophasis-core-p17`, or a core's clean one for publishing.
 */
export interface ExternalSession {
  clientId?: string;
  clean?: boolean;
  keepalive?: number;
  reconnectPeriod?: number;
  /** The dispatcher from the first message on (else set by `subscribe`). */
  dispatch?: (topic: string, payload: Buffer) => Promise<void>;
}

/** Parses `mqtt://` / `mqtts://` and returns the port (1883 / 8883 when absent). */
export function externalPort(url: string): number {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw TransportErrors.BAD_URL(url);
  }
  if (parsed.protocol !== 'mqtt:' && parsed.protocol !== 'mqtts:') throw TransportErrors.BAD_URL(`${parsed.protocol} is neither mqtt: nor mqtts:`);
  return parsed.port ? Number(parsed.port) : parsed.protocol === 'mqtts:' ? 8883 : 1883;
}

/**
 * The core as a client of an external broker (`PROPHASIS_MQTT_URL`): MQTT.js with a fixed
 * client id and `clean: false`, so QoS 1 results published while the core was away are kept
 * by the broker and delivered when it returns. Authentication of agents and topic ACLs are
 * that broker's job (docs/external-broker.md).
 */
export function createExternalBus(config: TransportConfig, deps: { logger: Logger; caPem?: string }, session: ExternalSession = {}): Bus {
  const log = deps.logger.child({ component: 'mqtt-client', ...(session.clientId ? { clientId: session.clientId } : {}) });
  const port = externalPort(config.mqttUrl);
  let client: MqttClient | undefined;
  // Set before CONNECT when given: a persistent session delivers its queued messages right after CONNACK.
  let dispatcher: ((topic: string, payload: Buffer) => Promise<void>) | undefined = session.dispatch;

  return {
    async start() {
      const options: IClientOptions = {
        clientId: session.clientId ?? config.mqttClientId,
        clean: session.clean ?? false, // [MQTT-3.1.2-4] keep the session (subscriptions, queued QoS 1) across reconnects
        keepalive: session.keepalive ?? 30,
        reconnectPeriod: session.reconnectPeriod ?? 5_000, // one client: a fixed period cannot cause a storm
        connectTimeout: CONNECT_TIMEOUT_MS,
        protocolVersion: 4,
        ...(config.mqttUsername ? { username: config.mqttUsername } : {}),
        ...(config.mqttPassword ? { password: config.mqttPassword } : {}),
        ...(deps.caPem ? { ca: deps.caPem } : {}),
      };
      const c = mqtt.connect(config.mqttUrl, options);
      // MQTT.js calls handleMessage before it acknowledges a QoS 1 PUBLISH and sends the PUBACK
      // only after the callback: the same "acknowledged = handled" rule as the embedded broker.
      c.handleMessage = (packet, callback) => {
        const run = dispatcher ? dispatcher(packet.topic, Buffer.from(packet.payload)) : Promise.resolve();
        run.then(
          () => callback(),
          (err: unknown) => {
            log.error({ err, topic: packet.topic }, 'handler failed; the message is not acknowledged');
            callback(err instanceof Error ? err : new Error(String(err)));
          },
        );
      };
      client = c;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => fail(new Error(`no CONNACK within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
        const fail = (err: Error) => {
          clearTimeout(timer);
          c.off('connect', ok);
          c.end(true);
          reject(TransportErrors.CONNECT_FAILED(`${redact(config.mqttUrl)}: ${err.message}`));
        };
        const ok = () => {
          clearTimeout(timer);
          c.off('error', fail);
          resolve();
        };
        c.once('connect', ok);
        c.once('error', fail);
      });
      c.on('error', (err) => log.warn({ err }, 'external broker error'));
      c.on('offline', () => log.warn('external broker unreachable; reconnecting'));
      c.on('connect', () => log.info('connected to the external broker again'));
      log.info({ url: redact(config.mqttUrl), clientId: config.mqttClientId }, 'connected to the external broker');
      return { port, caFingerprint: '' };
    },

    async stop() {
      const c = client;
      client = undefined;
      if (c) await c.endAsync();
    },

    async abandon() {
      // Without sending anything more: unacknowledged messages stay queued in the session for its next holder.
      const c = client;
      client = undefined;
      dispatcher = async () => {
        throw new Error('session given up');
      };
      if (c) await c.endAsync(true);
    },

    async unsubscribe(filters) {
      if (!client) throw TransportErrors.NOT_STARTED();
      if (filters.length > 0) await client.unsubscribeAsync(filters);
    },

    async publish(topic, payload, opts) {
      if (!client) throw TransportErrors.NOT_STARTED();
      await client.publishAsync(topic, payload, opts);
    },

    async subscribe(filters, dispatch) {
      if (!client) throw TransportErrors.NOT_STARTED();
      dispatcher = dispatch;
      const granted = await client.subscribeAsync(Object.fromEntries(filters.map((topic) => [topic, { qos: 1 as const }])));
      const refused = granted.filter((g) => g.qos === 128);
      if (refused.length > 0) throw TransportErrors.CONNECT_FAILED(`the external broker refused the subscription(s) ${refused.map((g) => g.topic).join(', ')}`);
    },
  };
}

/** The URL without its password, for logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

/** Reads the external broker's CA file, if one is configured. */
export async function readCa(file: string): Promise<string | undefined> {
  return file ? readFile(file, 'utf8') : undefined;
}
