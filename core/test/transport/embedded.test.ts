import { createMessage, encodeMessage, type CmdMessage } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostAdd } from '../../src/enrolment/host-add.js';
import { connectClient, enrol, presentedCaFingerprint, startEmbeddedCore, within, type EmbeddedCore } from './helpers.js';

const result = (id: string) =>
  createMessage('result', {
    results: [
      { id, checkId: 'c1', pluginId: 'io.prophasis.cpu-load', version: '1.0.0', slot: 1_700_000_000_000, measuredAt: 1_700_000_000_100, durationMs: 12, value: 0.5, message: null, resultType: 'plugin' },
    ],
  });

describe('core transport, embedded broker over TLS', function () {
  let core: EmbeddedCore;
  let ca: string;
  let url: string;

  before(async () => {
    core = await startEmbeddedCore();
    ca = await readFile(join(core.dir, 'pki', 'ca.crt'), 'utf8');
    url = `mqtts://127.0.0.1:${core.transport.mqttPort}`;
  });
  after(async () => core?.close());

  const addHost = (name: string, ttlMs?: number) =>
    hostAdd(
      { registry: core.registry, caFingerprint: core.transport.caFingerprint, httpPort: 8080, mqttPort: core.transport.mqttPort },
      { name, server: '127.0.0.1', ...(ttlMs ? { ttlMs } : {}) },
    );

  const agentClient = (agentId: string, secret: string) =>
    connectClient(url, { clientId: agentId, username: agentId, password: secret, clean: false, ca, rejectUnauthorized: true });

  it('prints the fingerprint of the CA the server presents, and enrols once per token', async () => {
    const printed = await addHost('enrol-e2e');
    const fingerprint = /--ca-fingerprint ([0-9a-f]{64})$/.exec(printed.enrolCommand)?.[1];
    assert.equal(fingerprint, await presentedCaFingerprint(core.transport.mqttPort));
    assert.match(printed.enrolCommand, new RegExp(`--server 127\\.0\\.0\\.1:${core.transport.mqttPort} --token ${printed.token} `));

    const accepted = await enrol(core.transport.mqttPort, printed.token, fingerprint!);
    assert.equal(accepted.status, 'accepted');
    assert.equal(accepted.hostName, 'enrol-e2e');
    assert.match(accepted.agentId!, /^a-[a-z2-7]{24}$/);
    assert.ok(core.systemLog.entries.some((e) => e.message === 'agent enrolled' && e.context.agentId === accepted.agentId));

    const reused = await enrol(core.transport.mqttPort, printed.token, fingerprint!);
    assert.deepEqual(reused, { status: 'refused', reason: 'the enrolment token was already used' });
  });

  it('refuses an expired token in enrol.response and a forged one at CONNACK', async () => {
    const { token } = await addHost('expiring', 60_000);
    core.advance(61_000);
    try {
      const expired = await enrol(core.transport.mqttPort, token, core.transport.caFingerprint);
      assert.deepEqual(expired, { status: 'refused', reason: 'the enrolment token has expired' });
    } finally {
      core.advance(-61_000);
    }
    await assert.rejects(enrol(core.transport.mqttPort, randomBytes(32).toString('base64url'), core.transport.caFingerprint), (err: Error & { code?: number }) => {
      assert.equal(err.code, 5); // [MQTT-3.2.2.3] CONNACK 5: not authorized
      return true;
    });
    assert.ok(core.systemLog.entries.some((e) => e.message === 'connection refused: unknown enrolment token'));
    // still serving: a fresh token enrols
    const fresh = await addHost('after-forgery');
    assert.equal((await enrol(core.transport.mqttPort, fresh.token, core.transport.caFingerprint)).status, 'accepted');
  });

  it('lets the enrolled agent in with its secret and refuses a wrong secret and a revoked agent', async () => {
    const { token } = await addHost('creds');
    const { agentId, secret } = await enrol(core.transport.mqttPort, token, core.transport.caFingerprint);
    const agent = await agentClient(agentId!, secret!);
    await agent.endAsync();

    await assert.rejects(agentClient(agentId!, secret!.slice(0, -2) + 'AA'), (err: Error & { code?: number }) => err.code === 4); // bad user name or password
    assert.ok(core.systemLog.entries.some((e) => e.message === 'connection refused: wrong secret' && e.context.agentId === agentId));
    const again = await agentClient(agentId!, secret!);
    const cut = new Promise<void>((resolve) => again.once('close', () => resolve()));

    // Revoking ends the open connection too, not only the next CONNECT.
    assert.equal(await core.registry.revoke(agentId!), true);
    await within('the revoked agent to be disconnected', cut);
    await assert.rejects(agentClient(agentId!, secret!), (err: Error & { code?: number }) => err.code === 5);
    assert.ok(core.systemLog.entries.some((e) => e.message === 'connection refused: agent revoked'));
  });

  it('delivers states and results, drops invalid payloads with a logged reason, and delivers commands', async () => {
    const { token } = await addHost('traffic');
    const { agentId, secret } = await enrol(core.transport.mqttPort, token, core.transport.caFingerprint);
    const agent = await agentClient(agentId!, secret!);
    try {
      const commands = new Promise<Buffer>((resolve) => agent.once('message', (_t, payload) => resolve(payload)));
      await agent.subscribeAsync(`prophasis/v1/agents/${agentId}/cmd`, { qos: 1 });

      await agent.publishAsync(`prophasis/v1/agents/${agentId}/state`, encodeMessage(createMessage('state', { status: 'online', agentVersion: '0.1.0', hostname: 'web-1' })), { qos: 1, retain: true });
      const state = await core.states.next('state');
      assert.equal(state.agentId, agentId);
      assert.equal(state.message.body.status, 'online');

      const res = `prophasis/v1/agents/${agentId}/res`;
      const before = core.systemLog.entries.length;
      await agent.publishAsync(res, Buffer.from('{"v":1,'), { qos: 1 });
      const wrongTypes = JSON.parse(encodeMessage(result('r-bad')).toString()) as { body: { results: { value: unknown }[] } };
      wrongTypes.body.results[0]!.value = 'high';
      await agent.publishAsync(res, Buffer.from(JSON.stringify(wrongTypes)), { qos: 1 });
      await agent.publishAsync(res, Buffer.alloc(2 * 1024 * 1024, 0x20), { qos: 1 });
      await agent.publishAsync(res, encodeMessage(createMessage('state', { status: 'online' })), { qos: 1 });
      await agent.publishAsync(res, encodeMessage(result('r-good')), { qos: 1 });

      const delivered = await core.results.next('the valid result');
      assert.equal(delivered.agentId, agentId);
      assert.equal(delivered.message.type, 'result');
      assert.equal(delivered.message.type === 'result' && delivered.message.body.results[0]!.id, 'r-good');
      const refused = core.systemLog.entries.slice(before).filter((e) => e.message === 'invalid message dropped');
      assert.deepEqual(
        refused.map((e) => e.context.code),
        ['PROTO_MALFORMED_JSON', 'PROTO_INVALID_MESSAGE', 'PROTO_MESSAGE_TOO_LARGE', 'PROTO_WRONG_CHANNEL'],
      );
      assert.ok(refused.every((e) => e.context.publisher === agentId && typeof e.context.reason === 'string'));

      const command = createMessage('config.set', { logLevel: 'debug' }) as CmdMessage;
      await core.transport.publishCommand(agentId!, command);
      const received = JSON.parse((await within('the command', commands)).toString('utf8')) as { id: string; type: string };
      assert.deepEqual([received.type, received.id], ['config.set', command.id]);
      await assert.rejects(core.transport.publishCommand(agentId!, result('x') as unknown as CmdMessage), { code: 'CORE_TRANSPORT_NOT_A_COMMAND' });
    } finally {
      await agent.endAsync();
    }
  });
});

describe('core transport, acknowledgement follows the result handler', function () {
  let core: EmbeddedCore;
  before(async () => {
    core = await startEmbeddedCore();
  });
  after(async () => core?.close());

  it('withholds the PUBACK when the result handler fails, so the agent sends the result again', async () => {
    let failures = 1;
    const stored: string[] = [];
    core.transport.onResult(async (_agentId, message) => {
      if (failures-- > 0) throw new Error('database unavailable');
      stored.push(message.id);
    });
    const printed = await hostAdd(
      { registry: core.registry, caFingerprint: core.transport.caFingerprint, httpPort: 8080, mqttPort: core.transport.mqttPort },
      { name: 'retry', server: '127.0.0.1' },
    );
    const { agentId, secret } = await enrol(core.transport.mqttPort, printed.token, core.transport.caFingerprint);
    const ca = await readFile(join(core.dir, 'pki', 'ca.crt'), 'utf8');
    // reconnectPeriod > 0: like the agent, this client reconnects and resends its unacknowledged QoS 1 publish.
    const agent = await connectClient(`mqtts://127.0.0.1:${core.transport.mqttPort}`, {
      clientId: agentId!,
      username: agentId!,
      password: secret!,
      clean: false,
      ca,
      reconnectPeriod: 100,
    });
    try {
      const message = result('r-retry');
      await within('the PUBACK after the retry', agent.publishAsync(`prophasis/v1/agents/${agentId}/res`, encodeMessage(message), { qos: 1 }));
      assert.deepEqual(stored, [message.id]);
      assert.equal(failures, -1, 'the handler ran twice: once failing, once storing');
    } finally {
      await agent.endAsync();
    }
  });
});
