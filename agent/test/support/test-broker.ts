import {
  ALL_ENROL_REQUEST_TOPIC,
  createMessage,
  decodeMessage,
  encodeMessage,
  enrolResponseTopic,
  ENROL_USERNAME,
  parseAgentTopic,
  parseEnrolTopic,
} from '@prophasis/protocol';
import { Aedes, type AuthenticateError, type AuthErrorCode } from 'aedes';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createTestPki, type TestPki } from './pki.js';

/**
 * A test-only stand-in for the core's broker and enrolment responder (contracts 1 and 3),
 * small enough to read in one sitting: aedes behind a real TLS listener on 127.0.0.1 that
 * presents server certificate + CA, per-agent secrets, the enrolment exchange and the
 * agent ACLs. The agent package may not import `@prophasis/broker`, hence this fixture.
 */
export interface TestBroker {
  readonly port: number;
  readonly pki: TestPki;
  /** Every CONNECT the broker saw (username and password as sent), in order. */
  readonly connects: { clientId: string; username: string | undefined; password: string | undefined }[];
  /** TLS handshakes completed (a fingerprint probe counts; it sends no CONNECT). */
  readonly handshakes: number;
  /** Of those, the ones that resumed an earlier session (abbreviated handshakes). */
  readonly resumedHandshakes: number;
  /** agentId → secret of every agent enrolled through this fixture (or added). */
  readonly agents: Map<string, string>;
  /** Makes `token` valid for one enrolment. */
  addToken(token: string): void;
  /** Makes `token` a fleet token: valid for any number of enrolments, each under a host name not taken yet. */
  addFleetToken(token: string): void;
  /** Credentials of the in-test observer/operator client (`$service`, may do anything). */
  readonly servicePassword: string;
  /** Cuts an agent off: closes its connection and refuses it until {@link TestBroker.allow}. */
  cutOff(agentId: string): Promise<void>;
  allow(agentId: string): void;
  /** Closes listener and clients (Last Wills of open sessions are not published). */
  stop(): Promise<void>;
  /** Listens again on the same port with the same PKI and accounts. */
  restart(): Promise<void>;
}

export const SERVICE_USERNAME = '$service';

function authError(message: string, code: AuthErrorCode): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code });
}

/** Starts a fixture broker on an ephemeral port (or `port`). */
export async function startTestBroker(options: { port?: number; pki?: TestPki } = {}): Promise<TestBroker> {
  const pki = options.pki ?? (await createTestPki());
  const connects: TestBroker['connects'] = [];
  const agents = new Map<string, string>();
  const tokens = new Map<string, 'unused' | 'used' | 'fleet'>();
  const registeredNames = new Set<string>();
  const servicePassword = randomBytes(16).toString('hex');
  let handshakes = 0;
  let resumedHandshakes = 0;
  // Kept across restart(), like the core keeps its ticket keys with its PKI.
  const ticketKeys = randomBytes(48);
  let port = options.port ?? 0;
  let aedes: Aedes | undefined;
  let server: Server | undefined;
  const sockets = new Set<TLSSocket>();
  const blocked = new Set<string>();

  async function listen(): Promise<void> {
    const broker = new Aedes({
      authenticate(client, username, password, done) {
        const pw = password?.toString('utf8');
        connects.push({ clientId: client.id, username, password: pw });
        if (username === SERVICE_USERNAME) return done(null, pw === servicePassword);
        if (username === ENROL_USERNAME) {
          if (!client.id.startsWith('enrol-')) return done(authError('enrol client id', 2), false);
          // Unknown tokens are refused at CONNECT, known ones (used or not) get a response.
          return pw && tokens.has(pw) ? done(null, true) : done(authError('unknown token', 5), false);
        }
        if (client.id !== username) return done(authError('client id != username', 2), false);
        if (blocked.has(client.id)) return done(authError('cut off by the test', 3), false);
        const secret = username ? agents.get(username) : undefined;
        if (!secret) return done(authError('unknown agent', 5), false);
        return pw === secret ? done(null, true) : done(authError('bad secret', 4), false);
      },
      authorizeSubscribe(client, sub, done) {
        const user = clientUser.get(client.id);
        if (user === SERVICE_USERNAME) return done(null, sub);
        if (user === ENROL_USERNAME) return done(null, sub.topic === enrolResponseTopic(client.id) ? sub : null);
        const parsed = parseAgentTopic(sub.topic);
        return done(null, parsed && parsed.agentId === client.id && parsed.channel === 'cmd' ? sub : null);
      },
      authorizePublish(client, packet, done) {
        if (!client) return done(null);
        const user = clientUser.get(client.id);
        if (user === SERVICE_USERNAME) return done(null);
        if (user === ENROL_USERNAME) {
          const parsed = parseEnrolTopic(packet.topic);
          return done(parsed && parsed.clientId === client.id && parsed.direction === 'req' ? null : new Error('forbidden'));
        }
        const parsed = parseAgentTopic(packet.topic);
        return done(parsed && parsed.agentId === client.id && parsed.channel !== 'cmd' ? null : new Error('forbidden'));
      },
    });
    const clientUser = new Map<string, string | undefined>();
    broker.on('client', (client) => {
      const last = [...connects].reverse().find((c) => c.clientId === client.id);
      clientUser.set(client.id, last?.username);
    });
    broker.subscribe(
      ALL_ENROL_REQUEST_TOPIC,
      (packet, cb) => {
        respondToEnrolment(broker, packet.topic, packet.payload as Buffer);
        cb();
      },
      () => undefined,
    );
    await broker.listen();
    aedes = broker;
    // The server sends its chain (server certificate + CA), as the real broker does.
    server = createServer({ cert: pki.serverCertPem + pki.caCertPem, key: pki.serverKeyPem, minVersion: 'TLSv1.2', ticketKeys }, (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      broker.handle(socket);
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      handshakes += 1;
      if (socket.isSessionReused()) resumedHandshakes += 1;
    });
    server.on('tlsClientError', () => undefined);
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  }

  function respondToEnrolment(broker: Aedes, topic: string, payload: Buffer): void {
    const parsed = parseEnrolTopic(topic);
    if (!parsed) return;
    const decoded = decodeMessage(payload, 'enrol');
    let body: { status: 'accepted' | 'refused'; agentId?: string; secret?: string; hostName?: string; reason?: string };
    if (!decoded.ok || decoded.message.type !== 'enrol.request') {
      body = { status: 'refused', reason: 'invalid request' };
    } else {
      const token = decoded.message.body.token;
      const state = tokens.get(token);
      const name = decoded.message.body.hostname;
      if (state === 'fleet' && registeredNames.has(name)) {
        body = { status: 'refused', reason: `a host named ${JSON.stringify(name)} exists already` };
      } else if (state === 'unused' || state === 'fleet') {
        if (state === 'unused') tokens.set(token, 'used');
        else registeredNames.add(name);
        const agentId = `agent-${randomBytes(6).toString('hex')}`;
        const secret = randomBytes(32).toString('base64url');
        agents.set(agentId, secret);
        body = { status: 'accepted', agentId, secret, hostName: decoded.message.body.hostname };
      } else {
        body = { status: 'refused', reason: state === 'used' ? 'token already used' : 'unknown token' };
      }
    }
    const response = createMessage('enrol.response', body);
    broker.publish(
      { cmd: 'publish', topic: enrolResponseTopic(parsed.clientId), payload: encodeMessage(response), qos: 1, retain: false, dup: false },
      () => undefined,
    );
  }

  async function close(): Promise<void> {
    const broker = aedes;
    const srv = server;
    aedes = undefined;
    server = undefined;
    if (srv) {
      const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    }
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
  }

  await listen();
  return {
    get port() {
      return port;
    },
    pki,
    connects,
    get handshakes() {
      return handshakes;
    },
    get resumedHandshakes() {
      return resumedHandshakes;
    },
    agents,
    servicePassword,
    addToken(token) {
      tokens.set(token, 'unused');
    },
    addFleetToken(token) {
      tokens.set(token, 'fleet');
    },
    async cutOff(agentId) {
      blocked.add(agentId);
      const client = (aedes as unknown as { clients: Record<string, { close(cb: () => void): void } | undefined> } | undefined)?.clients[agentId];
      if (client) await new Promise<void>((resolve) => client.close(() => resolve()));
    },
    allow(agentId) {
      blocked.delete(agentId);
    },
    stop: close,
    async restart() {
      await close();
      await listen();
    },
  };
}
