import { createMessage, encodeMessage, silentLogger, type ResMessage, type StateMessage } from '@prophasis/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type DetailedPeerCertificate } from 'node:tls';
import { createMemoryRegistryStore } from '../../src/enrolment/memory-store.js';
import { openAgentRegistry } from '../../src/enrolment/cli/host-add.js';
import { createEnrolmentResponder } from '../../src/enrolment/responder.js';
import type { RegistryStore } from '../../src/enrolment/registry.js';
import { TRANSPORT_DEFAULTS, type TransportConfig } from '../../src/transport/config.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { createTransport, type Transport } from '../../src/transport/transport.js';

export const FACTS = { hostname: 'web-1', platform: 'linux', arch: 'x64', agentVersion: '0.1.0', nodeVersion: '24.11.0' };
const WAIT_MS = 5_000;

/** Resolves with the first value `produce` yields, or rejects after `ms`. */
export function within<T>(what: string, promise: Promise<T>, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** A queue of events that a test awaits one by one. */
export function inbox<T>(): { push(v: T): void; next(what: string): Promise<T>; items: T[] } {
  const items: T[] = [];
  const waiters: ((v: T) => void)[] = [];
  return {
    items,
    push(v) {
      const waiter = waiters.shift();
      if (waiter) waiter(v);
      else items.push(v);
    },
    next(what) {
      const ready = items.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return within(what, new Promise<T>((resolve) => waiters.push(resolve)));
    },
  };
}

export interface EmbeddedCore {
  dir: string;
  transport: Transport;
  store: ReturnType<typeof createMemoryRegistryStore>;
  registry: Awaited<ReturnType<typeof openAgentRegistry>>;
  systemLog: ReturnType<typeof memorySystemLog>;
  results: ReturnType<typeof inbox<{ agentId: string; message: ResMessage }>>;
  states: ReturnType<typeof inbox<{ agentId: string; message: StateMessage }>>;
  advance(ms: number): void;
  close(): Promise<void>;
}

/** A core transport in embedded mode on an ephemeral port of 127.0.0.1, with an in-memory registry. */
export async function startEmbeddedCore(options: { store?: RegistryStore & ReturnType<typeof createMemoryRegistryStore> } = {}): Promise<EmbeddedCore> {
  const dir = await mkdtemp(join(tmpdir(), 'prophasis-tr-'));
  const logger = silentLogger();
  const systemLog = memorySystemLog();
  const store = options.store ?? createMemoryRegistryStore();
  let skew = 0;
  const registry = await openAgentRegistry({ dataDir: dir }, { store, logger, systemLog, now: () => Date.now() + skew });
  const config: TransportConfig = {
    ...TRANSPORT_DEFAULTS,
    dataDir: dir,
    mqttUrl: '',
    mqttPort: 0,
    mqttHost: '127.0.0.1',
    pkiHostnames: ['localhost'],
    pkiIps: ['127.0.0.1'],
    broker: { persistenceDir: join(dir, 'sessions') },
  };
  const transport = createTransport(config, {
    logger,
    systemLog,
    authenticator: registry,
    enrolment: createEnrolmentResponder({ registry, logger, systemLog }),
  });
  registry.onRevoked((agentId) => transport.disconnectAgent(agentId));
  const results = inbox<{ agentId: string; message: ResMessage }>();
  const states = inbox<{ agentId: string; message: StateMessage }>();
  transport.onResult(async (agentId, message) => results.push({ agentId, message }));
  transport.onState(async (agentId, message) => states.push({ agentId, message }));
  await transport.start();
  return {
    dir,
    transport,
    store,
    registry,
    systemLog,
    results,
    states,
    advance: (ms) => (skew += ms),
    async close() {
      await transport.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Connects an MQTT.js client and resolves on CONNACK; rejects with the CONNACK error. */
export function connectClient(url: string, options: IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: WAIT_MS, protocolVersion: 4, ...options });
  return within(
    `CONNACK for ${options.clientId}`,
    new Promise<MqttClient>((resolve, reject) => {
      client.once('connect', () => resolve(client));
      client.once('error', (err) => {
        client.end(true);
        reject(err);
      });
    }),
  );
}

/** The SHA-256 of the CA certificate at the end of the chain the server presents. */
export function presentedCaFingerprint(port: number): Promise<string> {
  return within(
    'the TLS handshake',
    new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        let cert = socket.getPeerCertificate(true) as DetailedPeerCertificate;
        while (cert.issuerCertificate && cert.issuerCertificate !== cert && cert.issuerCertificate.fingerprint256 !== cert.fingerprint256) {
          cert = cert.issuerCertificate;
        }
        socket.end();
        resolve(createHash('sha256').update(cert.raw).digest('hex'));
      });
      socket.once('error', reject);
    }),
  );
}

/** Plays the agent's enrolment (contract 3) with a plain MQTT.js client; returns the response body. */
export async function enrol(port: number, token: string, caFingerprint: string) {
  const presented = await presentedCaFingerprint(port);
  if (presented !== caFingerprint) throw new Error(`CA fingerprint mismatch: ${presented}`);
  const clientId = `enrol-${randomBytes(8).toString('hex')}`;
  const client = await connectClient(`mqtts://127.0.0.1:${port}`, {
    clientId,
    username: '$enrol',
    password: token,
    clean: true,
    rejectUnauthorized: false, // the fingerprint was checked above, as the agent does
  });
  try {
    const answer = new Promise<Buffer>((resolve) => client.once('message', (_topic, payload) => resolve(payload)));
    await client.subscribeAsync(`prophasis/v1/enrol/${clientId}/resp`, { qos: 1 });
    await client.publishAsync(`prophasis/v1/enrol/${clientId}/req`, encodeMessage(createMessage('enrol.request', { token, ...FACTS })), { qos: 1 });
    const payload = await within('enrol.response', answer);
    const message = JSON.parse(payload.toString('utf8')) as { type: string; body: { status: string; agentId?: string; secret?: string; hostName?: string; reason?: string } };
    if (message.type !== 'enrol.response') throw new Error(`unexpected ${message.type}`);
    return message.body;
  } finally {
    await client.endAsync();
  }
}

export const randomId = (prefix: string) => `${prefix}${randomBytes(6).toString('hex')}`;
