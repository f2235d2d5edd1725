import mqtt, { type MqttClient } from 'mqtt';
import { SERVICE_USERNAME, type TestBroker } from './test-broker.js';

export interface Observed {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

/** An MQTT.js client with the fixture's service account: watches topics, publishes commands. */
export interface Observer {
  readonly messages: Observed[];
  /** Resolves with the first message (already received or future) matching `predicate`. */
  waitFor(predicate: (m: Observed) => boolean, timeoutMs?: number, what?: string): Promise<Observed>;
  publish(topic: string, payload: Buffer | string, opts?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** Connects over TLS (pinned to the fixture's CA) and subscribes to `filters`. */
export async function observe(broker: TestBroker, filters: string[]): Promise<Observer> {
  const client: MqttClient = await mqtt.connectAsync({
    protocol: 'mqtts',
    host: '127.0.0.1',
    port: broker.port,
    ca: broker.pki.caCertPem,
    rejectUnauthorized: true,
    protocolVersion: 4,
    clientId: `observer-${Math.random().toString(16).slice(2)}`,
    username: SERVICE_USERNAME,
    password: broker.servicePassword,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
  const messages: Observed[] = [];
  const waiters = new Set<(m: Observed) => void>();
  client.on('message', (topic, payload, packet) => {
    const m = { topic, payload, retain: packet.retain };
    messages.push(m);
    for (const w of [...waiters]) w(m);
  });
  await client.subscribeAsync(filters, { qos: 1 });
  return {
    messages,
    waitFor(predicate, timeoutMs = 10_000, what = 'message') {
      const existing = messages.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; saw ${messages.map((m) => `${m.topic} ${m.payload}`).join(' | ') || 'nothing'}`));
        }, timeoutMs);
        const waiter = (m: Observed) => {
          if (!predicate(m)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(m);
        };
        waiters.add(waiter);
      });
    },
    async publish(topic, payload, opts = {}) {
      await client.publishAsync(topic, payload, { qos: opts.qos ?? 1, retain: opts.retain ?? false });
    },
    async close() {
      await client.endAsync(true);
    },
  };
}

/** Parses a state payload's status, or undefined. */
export function stateStatus(m: Observed): string | undefined {
  try {
    return (JSON.parse(m.payload.toString('utf8')) as { body?: { status?: string } }).body?.status;
  } catch {
    return undefined;
  }
}
