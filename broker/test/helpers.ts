import { createLogger, ENROL_USERNAME, silentLogger, type Logger } from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  brokerDefaults,
  createBroker,
  createSecretHasher,
  ensurePki,
  generateSecret,
  SERVICE_USERNAME,
  type Broker,
  type BrokerSettings,
  type ClientAuthenticator,
  type Pki,
  type SecurityEvent,
} from '../src/index.js';

let pkiPromise: Promise<Pki> | undefined;
/** One PKI for the whole run: key generation is cheap, but this keeps the tests simple. */
export function testPki(): Promise<Pki> {
  pkiPromise ??= mkdtemp(join(tmpdir(), 'prophasis-broker-pki-')).then((dir) => ensurePki(dir, { hostnames: ['localhost'], ips: ['127.0.0.1'], logger: silentLogger() }));
  return pkiPromise;
}

/** An authenticator over in-memory maps, shaped like the core's. */
export function memoryAuthenticator(): ClientAuthenticator & {
  addAgent(agentId: string): string;
  revoke(agentId: string): void;
  addEnrolToken(): string;
  serviceSecret: string;
} {
  const hasher = createSecretHasher(randomBytes(32));
  const agents = new Map<string, { hash: string; revoked: boolean }>();
  const tokens = new Set<string>();
  const serviceSecret = generateSecret();
  const serviceHash = hasher.hash(serviceSecret);
  return {
    serviceSecret,
    addAgent(agentId) {
      const secret = generateSecret();
      agents.set(agentId, { hash: hasher.hash(secret), revoked: false });
      return secret;
    },
    revoke(agentId) {
      const a = agents.get(agentId);
      if (a) a.revoked = true;
    },
    addEnrolToken() {
      const token = generateSecret();
      tokens.add(token);
      return token;
    },
    async authenticate({ clientId, username, password }) {
      const secret = password?.toString('utf8') ?? '';
      if (username === ENROL_USERNAME) {
        return tokens.has(secret) ? { ok: true, identity: { role: 'enrolment', clientId } } : { ok: false, reason: 'not_authorized', message: 'unknown enrolment token' };
      }
      if (username === SERVICE_USERNAME) {
        return hasher.verify(secret, serviceHash) ? { ok: true, identity: { role: 'service' } } : { ok: false, reason: 'bad_credentials', message: 'wrong service secret' };
      }
      const agent = agents.get(username ?? '');
      if (!agent || !hasher.verify(secret, agent.hash)) return { ok: false, reason: 'bad_credentials', message: 'unknown agent or wrong secret' };
      if (agent.revoked) return { ok: false, reason: 'not_authorized', message: 'agent revoked' };
      return { ok: true, identity: { role: 'agent', agentId: username! } };
    },
  };
}

/** Log lines the broker wrote, parsed. */
type LogLine = Record<string, unknown> & { msg: string; level: number };

export interface TestBroker {
  broker: Broker;
  port: number;
  plaintextPort?: number;
  pki: Pki;
  persistenceDir: string;
  auth: ReturnType<typeof memoryAuthenticator>;
  events: SecurityEvent[];
  logs: LogLine[];
  logger: Logger;
  /** Stops the broker and forgets the persistence directory. */
  stop(): Promise<void>;
  /** Stops this broker and starts a new one on the same persistence directory and credentials. */
  restart(): Promise<TestBroker>;
}

/** Starts a broker on an ephemeral port with a fresh session directory. */
export async function startTestBroker(
  settings: Partial<BrokerSettings> = {},
  reuse?: { persistenceDir: string; auth: ReturnType<typeof memoryAuthenticator> },
  tlsOverrides: Partial<Pki> = {},
): Promise<TestBroker> {
  const pki = { ...(await testPki()), ...tlsOverrides };
  const persistenceDir = reuse?.persistenceDir ?? (await mkdtemp(join(tmpdir(), 'prophasis-broker-sessions-')));
  const auth = reuse?.auth ?? memoryAuthenticator();
  const events: SecurityEvent[] = [];
  const logs: LogLine[] = [];
  const logger = createLogger({
    name: 'broker-test',
    level: 'debug',
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  });
  const broker = createBroker(
    { ...brokerDefaults(persistenceDir), port: 0, host: '127.0.0.1', ...settings, tls: pki },
    { logger, authenticator: auth, onSecurityEvent: (e) => events.push(e) },
  );
  const { port, plaintextPort } = await broker.start();
  const self: TestBroker = {
    broker,
    port,
    ...(plaintextPort === undefined ? {} : { plaintextPort }),
    pki,
    persistenceDir,
    auth,
    events,
    logs,
    logger,
    async stop() {
      await broker.stop();
      await rm(persistenceDir, { recursive: true, force: true });
    },
    async restart() {
      await broker.stop();
      return startTestBroker({ ...settings, port }, { persistenceDir, auth });
    },
  };
  return self;
}

/** MQTT.js over TLS to the test broker, pinned to its CA; no automatic reconnects. */
export function connectClient(tb: { port: number; pki: Pick<Pki, 'caCertPem'> }, options: IClientOptions): Promise<MqttClient> {
  return mqtt.connectAsync(
    `mqtts://127.0.0.1:${tb.port}`,
    {
      ca: tb.pki.caCertPem,
      rejectUnauthorized: true,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      keepalive: 30,
      ...options,
    },
    false,
  );
}

/** Connects as a freshly registered agent. */
export async function connectAgent(tb: TestBroker, agentId: string, options: IClientOptions = {}): Promise<MqttClient> {
  const secret = tb.auth.addAgent(agentId);
  return connectClient(tb, { clientId: agentId, username: agentId, password: secret, clean: false, ...options });
}

/** The CONNACK return code of a refused connection attempt. */
export async function refusedCode(tb: { port: number; pki: Pick<Pki, 'caCertPem'> }, options: IClientOptions): Promise<number> {
  try {
    const client = await connectClient(tb, options);
    await client.endAsync();
  } catch (err) {
    return (err as { code: number }).code;
  }
  throw new Error('the connection was accepted');
}

/** Resolves when `predicate` holds, polling `events`-style arrays filled by callbacks; bounded. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the next `close` of a client; bounded. */
export function closed(client: MqttClient, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('client was not disconnected')), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Ends clients without waiting for anything from a broker that may be gone. */
export async function endAll(...clients: (MqttClient | undefined)[]): Promise<void> {
  await Promise.all(clients.map((c) => c?.endAsync(true).catch(() => undefined)));
}

/** Granted QoS per filter; MQTT.js turns a 0x80 in the SUBACK into an error carrying the packet. */
export async function subscribeGranted(client: MqttClient, filters: string[]): Promise<number[]> {
  try {
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    return granted.map((g) => g.qos);
  } catch (err) {
    const packet = (err as { packet?: { granted?: (number | { qos: number })[] } }).packet;
    if (!packet?.granted) throw err;
    return packet.granted.map((g) => (typeof g === 'number' ? g : g.qos));
  }
}
