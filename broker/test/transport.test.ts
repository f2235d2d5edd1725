import { cmdTopic, resTopic, silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { join } from 'node:path';
import { brokerDefaults, createBroker, ensurePki, openTicketKeys } from '../src/index.js';
import { MqttFrameScanner } from '../src/packet-guard.js';
import { closed, connectAgent, connectClient, endAll, memoryAuthenticator, startTestBroker, subscribeGranted, testPki, type TestBroker } from './helpers.js';

describe('broker transport (TLS)', () => {
  let tb: TestBroker;
  afterEach(async () => {
    await tb.stop();
  });

  async function assertServing(): Promise<void> {
    const seen: string[] = [];
    const off = await tb.broker.subscribe(resTopic('healthy'), async (_t, p) => void seen.push(p.toString()));
    const good = await connectAgent(tb, 'healthy');
    await good.publishAsync(resTopic('healthy'), 'ok', { qos: 1 });
    assert.deepEqual(seen, ['ok']);
    await good.endAsync();
    await off();
  }

  it('a plaintext MQTT client cannot talk to the TLS port', async () => {
    tb = await startTestBroker();
    const secret = tb.auth.addAgent('plain');
    await assert.rejects(
      mqtt.connectAsync(`mqtt://127.0.0.1:${tb.port}`, { clientId: 'plain', username: 'plain', password: secret, reconnectPeriod: 0, connectTimeout: 2000 }, false),
    );
    await assertServing();
  });

  it('a raw TCP client sending an MQTT CONNECT to the TLS port is disconnected', async () => {
    tb = await startTestBroker();
    const socket = netConnect(tb.port, '127.0.0.1');
    const ended = new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
      socket.on('close', () => resolve(data));
    });
    socket.on('error', () => undefined);
    // CONNECT, MQTT 3.1.1, client id "x"
    socket.write(Buffer.from([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 30, 0, 1, 0x78]));
    const answer = await ended;
    assert.ok(!answer.startsWith('\x20'), 'no CONNACK over plaintext');
    await assertServing();
  });

  it('refuses a server whose certificate does not chain to the pinned CA', async () => {
    tb = await startTestBroker();
    const dir = await mkdtemp(join(tmpdir(), 'prophasis-foreign-'));
    try {
      const foreign = await ensurePki(dir, { hostnames: ['localhost'], ips: ['127.0.0.1'], logger: silentLogger() });
      const secret = tb.auth.addAgent('pinned');
      await assert.rejects(connectClient({ port: tb.port, pki: foreign }, { clientId: 'pinned', username: 'pinned', password: secret }), /certificate/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await assertServing();
  });

  it('closes the connection on a packet larger than maxPacketBytes and keeps serving', async () => {
    tb = await startTestBroker({ maxPacketBytes: 64 * 1024 });
    const big = await connectAgent(tb, 'big');
    const gone = closed(big);
    big.publish(resTopic('big'), Buffer.alloc(128 * 1024, 1), { qos: 1 });
    await gone;
    assert.ok(tb.events.some((e) => e.kind === 'packet_too_large' && e.clientId === 'big' && /exceeds 65536/.test(e.reason)));
    await endAll(big);
    // A packet just under the limit is fine.
    const seen: number[] = [];
    await tb.broker.subscribe(resTopic('small'), async (_t, p) => void seen.push(p.length));
    const small = await connectAgent(tb, 'small');
    await small.publishAsync(resTopic('small'), Buffer.alloc(60 * 1024, 1), { qos: 1 });
    assert.deepEqual(seen, [60 * 1024]);
    await small.endAsync();
    await assertServing();
  });

  it('a start that cannot open the session store fails and releases its port', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prophasis-broker-badstore-'));
    try {
      // The session directory lies under a regular file, so it cannot be created.
      await writeFile(join(dir, 'file'), 'x');
      const port = 19851;
      const settings = { ...brokerDefaults(join(dir, 'file', 'sessions')), port, host: '127.0.0.1', tls: await testPki() };
      const bad = createBroker(settings, { logger: silentLogger(), authenticator: memoryAuthenticator() });
      await assert.rejects(bad.start(), /ENOTDIR|EEXIST|not a directory/i);
      const refused = await new Promise<boolean>((resolve) => {
        const s = netConnect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(false)));
        s.once('error', () => resolve(true));
      });
      assert.equal(refused, true, 'nothing listens on the port after the failed start');
      // The same port serves once the store can be opened.
      tb = await startTestBroker({ port });
      await assertServing();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('negotiates TLS 1.3 by default, TLS 1.2 with AEAD suites when capped, and refuses CBC suites', async () => {
    const handshake = (options: ConnectionOptions): Promise<{ protocol: string | null; cipher: string } | Error> =>
      new Promise((resolve) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: tb.port, ca: tb.pki.caCertPem, servername: 'localhost', ...options });
        socket.once('secureConnect', () => {
          resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().standardName });
          socket.destroy();
        });
        socket.once('error', (err) => resolve(err));
      });
    tb = await startTestBroker();
    const modern = await handshake({});
    assert.ok(!(modern instanceof Error));
    assert.equal(modern.protocol, 'TLSv1.3');
    assert.match(modern.cipher, /^TLS_(AES_\d+_GCM_SHA\d+|CHACHA20_POLY1305_SHA256)$/);
    await tb.stop();
    tb = await startTestBroker({ tlsMaxVersion: 'TLSv1.2' });
    const capped = await handshake({});
    assert.ok(!(capped instanceof Error));
    assert.equal(capped.protocol, 'TLSv1.2');
    assert.match(capped.cipher, /^TLS_ECDHE_ECDSA_WITH_(AES_\d+_GCM|CHACHA20_POLY1305)/);
    const cbc = await handshake({ ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA', maxVersion: 'TLSv1.2' });
    assert.ok(cbc instanceof Error, 'a client offering only CBC suites gets no connection');
    await assertServing();
  });

  it('uses classical X25519 by default and refuses unknown key exchange groups with a clear error', async () => {
    tb = await startTestBroker();
    const info = await new Promise<{ name?: string }>((resolve, reject) => {
      // The client offers Node's defaults (the post-quantum hybrid first); the broker picks X25519.
      const socket = tlsConnect({ host: '127.0.0.1', port: tb.port, ca: tb.pki.caCertPem, servername: 'localhost' }, () => {
        resolve(socket.getEphemeralKeyInfo() as { name?: string });
        socket.destroy();
      });
      socket.once('error', reject);
    });
    assert.equal(info.name, 'X25519');
    const port = tb.port;
    await tb.stop();
    await assert.rejects(startTestBroker({ port, tlsGroups: 'X25519:NoSuchGroup' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'BROKER_TLS_SETTINGS_INVALID');
      assert.match(err.message, /NoSuchGroup/);
      return true;
    });
    // The refused start left nothing behind: the same port serves with good settings.
    tb = await startTestBroker({ port });
    await assertServing();
  });

  it('resumes TLS sessions across a broker restart (ticket keys kept with the PKI), and not with another broker\'s keys', async () => {
    const connectTls = (session?: Buffer): Promise<{ reused: boolean; session?: Buffer }> =>
      new Promise((resolve, reject) => {
        let latest: Buffer | undefined;
        const socket = tlsConnect({ host: '127.0.0.1', port: tb.port, ca: tb.pki.caCertPem, servername: 'localhost', ...(session ? { session } : {}) });
        socket.on('session', (s: Buffer) => (latest = s));
        socket.once('secureConnect', () => {
          const reused = socket.isSessionReused();
          // TLS 1.3 tickets arrive just after the handshake.
          setTimeout(() => {
            socket.destroy();
            resolve({ reused, ...(latest ? { session: latest } : {}) });
          }, 100);
        });
        socket.once('error', reject);
      });
    tb = await startTestBroker();
    const first = await connectTls();
    assert.equal(first.reused, false);
    assert.ok(first.session, 'the broker issued a session ticket');
    tb = await tb.restart();
    const resumed = await connectTls(first.session);
    assert.equal(resumed.reused, true, 'the restarted broker accepted the ticket it issued before');
    await assertServing();
    // A broker with other ticket keys does a full, verified handshake instead.
    const port = tb.port;
    await tb.stop();
    const other = await mkdtemp(join(tmpdir(), 'prophasis-broker-pki-other-'));
    try {
      const foreignKeys = openTicketKeys(other, { logger: silentLogger() });
      tb = await startTestBroker({ port }, undefined, { ticketKeys: foreignKeys });
      const full = await connectTls(first.session);
      assert.equal(full.reused, false);
      await assertServing();
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('offers a plaintext listener only when configured, with a warning', async () => {
    tb = await startTestBroker();
    assert.equal(tb.plaintextPort, undefined);
    assert.ok(!tb.logs.some((l) => /plaintext/.test(l.msg)));
    await tb.stop();
    tb = await startTestBroker({ plaintextPort: 0 });
    assert.ok(typeof tb.plaintextPort === 'number' && tb.plaintextPort > 0);
    assert.ok(tb.logs.some((l) => l.level === 40 && /plaintext MQTT listener enabled/.test(l.msg)));
    const secret = tb.auth.addAgent('lan');
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${tb.plaintextPort}`, { clientId: 'lan', username: 'lan', password: secret, reconnectPeriod: 0, connectTimeout: 2000 }, false);
    assert.deepEqual(await subscribeGranted(c, [cmdTopic('lan'), '#']), [1, 128]);
    await c.endAsync();
  });
});

describe('MQTT frame scanner', () => {
  it('passes packets up to the limit, split anywhere', () => {
    const s = new MqttFrameScanner(10);
    // two packets: 1 + 1 + 3 bytes, then 1 + 1 + 8 bytes (= 10)
    const bytes = Buffer.from([0x30, 3, 1, 2, 3, 0x30, 8, 1, 2, 3, 4, 5, 6, 7, 8]);
    for (let i = 0; i < bytes.length; i++) assert.equal(s.scan(bytes.subarray(i, i + 1)), undefined);
  });

  it('reports a packet over the limit from its header alone', () => {
    const s = new MqttFrameScanner(1000);
    // remaining length 16384 = 0x80 0x80 0x01
    assert.equal(s.scan(Buffer.from([0x30, 0x80, 0x80, 0x01])), 1 + 3 + 16384);
  });

  it('reports a remaining length longer than four bytes as malformed', () => {
    const s = new MqttFrameScanner(1_000_000_000);
    assert.equal(s.scan(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), Number.POSITIVE_INFINITY);
  });
});
