import { createMessage, decodeMessage, encodeMessage, resultId, silentLogger, type Result } from '@prophasis/protocol';
import type { MqttClient } from 'mqtt';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCoreConfig } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';
import { seeder } from '../pipeline/helpers.js';
import { connectOnce, freePort, rabbitAvailable, startRabbit, subackCodes, type RunningRabbit } from './brokers.js';

const T0 = 1_700_000_000_000;
const FACTS = { hostname: 'rmq-1', platform: 'linux', arch: 'x64', agentVersion: '0.1.0', nodeVersion: '24.11.0' };
const TRANSPORT_ENV = ['PROPHASIS_MQTT_USERNAME', 'PROPHASIS_MQTT_PASSWORD', 'PROPHASIS_MQTT_CLIENT_ID'] as const;
const closed = (client: MqttClient) => new Promise<void>((resolve) => (client.disconnected ? resolve() : client.once('close', () => resolve())));
function within<T>(what: string, p: Promise<T>, ms = 10_000): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);
}

describe('RabbitMQ through the broker authentication hook of a real core (issue #19)', function () {
  this.timeout(150_000);
  let dir: string;
  let rabbit: RunningRabbit;
  let core: Core;
  let url: string;
  let hookBase: string;
  const secret = randomBytes(24).toString('base64url');
  const coreUser = { username: 'prophasis-core', password: randomBytes(18).toString('base64url') };
  const saved: Record<string, string | undefined> = {};
  let agentId: string;
  let agentSecret: string;
  let agent: MqttClient;

  before(async function () {
    if (!rabbitAvailable()) {
      console.warn('    (skipped: rabbitmq-server is not installed)');
      this.skip();
    }
    dir = await mkdtemp(join(tmpdir(), 'prophasis-rmq-'));
    const hookPort = await freePort();
    hookBase = `http://127.0.0.1:${hookPort}/${secret}/rabbitmq`;
    rabbit = await startRabbit(dir, hookBase);
    url = `mqtt://127.0.0.1:${rabbit.mqttPort}`;
    for (const k of TRANSPORT_ENV) saved[k] = process.env[k];
    Object.assign(process.env, { PROPHASIS_MQTT_USERNAME: coreUser.username, PROPHASIS_MQTT_PASSWORD: coreUser.password, PROPHASIS_MQTT_CLIENT_ID: 'prophasis-core-rmq' });
    const config = readCoreConfig(
      {
        PROPHASIS_DATA_DIR: join(dir, 'core'),
        PROPHASIS_MQTT_URL: url,
        PROPHASIS_BROKER_AUTH_LISTEN: `127.0.0.1:${hookPort}`,
        PROPHASIS_BROKER_AUTH_TOKEN_SHA256: createHash('sha256').update(secret).digest('hex'),
      },
      { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' },
    );
    core = await startCore(config, silentLogger());
  });

  after(async () => {
    agent?.end(true);
    await core?.stop();
    await rabbit?.stop();
    for (const k of TRANSPORT_ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers only who knows the secret; a wrong password or client id is denied', async () => {
    const q = `username=${coreUser.username}&password=${coreUser.password}&vhost=%2F&client_id=x`;
    const wrong = await fetch(`${hookBase.replace(secret, 'not-the-secret')}/user?${q}`);
    assert.equal(wrong.status, 404);
    assert.equal(await (await fetch(`${hookBase}/user?${q}`)).text(), 'allow');
    assert.equal(await (await fetch(`${hookBase}/user?username=${coreUser.username}&password=nope&vhost=%2F&client_id=x`)).text(), 'deny');
    assert.equal(await (await fetch(`${hookBase}/user?username=a-aaaaaaaaaaaaaaaaaaaaaaaaaa&password=nope&vhost=%2F&client_id=a-aaaaaaaaaaaaaaaaaaaaaaaaaa`)).text(), 'deny');
    await assert.rejects(connectOnce(url, { clientId: 'a-aaaaaaaaaaaaaaaaaaaaaaaaaa', username: 'a-aaaaaaaaaaaaaaaaaaaaaaaaaa', password: 'nope' }), (err: { code?: number }) => err.code === 4 || err.code === 5);
  });

  it('an agent enrols through RabbitMQ as $enrol; its enrolment client cannot subscribe to another one\'s answer', async () => {
    const host = await core.registry.addHost('rmq-1');
    const { token } = await core.registry.createEnrolmentToken(host.hostId);
    const snoopId = `enrol-${randomBytes(8).toString('hex')}`;
    const snoop = await connectOnce(url, { clientId: snoopId, username: '$enrol', password: token, clean: true });
    // RabbitMQ 3.10 answers a denied SUBSCRIBE by closing the connection (no SUBACK 0x80).
    const snoopGone = closed(snoop);
    await assert.rejects(subackCodes(snoop, ['prophasis/v1/enrol/enrol-someoneelse/resp']));
    await within('RabbitMQ closing the snooping connection', snoopGone);
    snoop.end(true);

    const clientId = `enrol-${randomBytes(8).toString('hex')}`;
    const client = await connectOnce(url, { clientId, username: '$enrol', password: token, clean: true });
    const answer = new Promise<{ status: string; agentId?: string; secret?: string; reason?: string }>((resolve) =>
      client.on('message', (_t, payload) => {
        const decoded = decodeMessage(payload, 'enrol');
        if (decoded.ok && decoded.message.type === 'enrol.response') resolve(decoded.message.body);
      }),
    );
    assert.deepEqual(await subackCodes(client, [`prophasis/v1/enrol/${clientId}/resp`]), [1]);
    await client.publishAsync(`prophasis/v1/enrol/${clientId}/req`, encodeMessage(createMessage('enrol.request', { token, ...FACTS })), { qos: 1 });
    const body = await within('enrol.response', answer);
    client.end(true);
    assert.equal(body.status, 'accepted', body.reason);
    agentId = body.agentId!;
    agentSecret = body.secret!;
  });

  it('the agent delivers a result that the core stores; another agent\'s cmd and res are refused by RabbitMQ', async () => {
    const host = (await core.db.models.Host.findOne({ where: { agentId } }))!;
    let plugin: { id: number; pluginId: string; version: string } | undefined;
    for (const v of await core.db.models.PluginVersion.findAll({ attributes: ['pluginId', 'version'] })) {
      const row = await core.db.models.Plugin.findByPk(v.pluginId);
      if (row && (await core.plugins.isUsable(row.pluginId, v.version))) {
        plugin = { id: row.id, pluginId: row.pluginId, version: v.version };
        break;
      }
    }
    assert.ok(plugin, 'a usable first-party plugin');
    const s = seeder(core.db);
    const check = await s.check('rmq', { hosts: [host.id], plugins: [{ id: plugin.id }] });
    await s.schedule('minutely', [check.id], [{ start: T0, everyMs: 60_000 }]);
    await core.pipeline.dispatcher.recompute();
    const result = (owner: string): Result => ({
      id: resultId(owner, { entryKey: `${check.id}:${plugin.pluginId}`, slot: T0 + 60_000 }),
      checkId: String(check.id),
      pluginId: plugin.pluginId,
      version: plugin.version,
      slot: T0 + 60_000,
      measuredAt: Date.now(),
      durationMs: 1,
      value: 3,
      message: null,
      resultType: 'plugin',
    });

    agent = await connectOnce(url, { clientId: agentId, username: agentId, password: agentSecret, clean: false });
    assert.deepEqual(await subackCodes(agent, [`prophasis/v1/agents/${agentId}/cmd`]), [1]);
    const own = result(agentId);
    await agent.publishAsync(`prophasis/v1/agents/${agentId}/res`, encodeMessage(createMessage('result', { results: [own] })), { qos: 1 });
    const until = Date.now() + 15_000;
    let row = null;
    while (!row && Date.now() < until) {
      row = await core.db.models.Result.findOne({ where: { resultId: own.id } });
      if (!row) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(row, 'the result reached the core through RabbitMQ and was stored');

    // Another agent's cmd: RabbitMQ closes the connection.
    const agentGone = closed(agent);
    await assert.rejects(subackCodes(agent, ['prophasis/v1/agents/a-aaaaaaaaaaaaaaaaaaaaaaaaaa/cmd']));
    await within('RabbitMQ closing the connection after the denied SUBSCRIBE', agentGone);
    // Another agent's res: RabbitMQ closes the connection of a client that publishes where it may not.
    const thief = await connectOnce(url, { clientId: agentId, username: agentId, password: agentSecret, clean: true });
    agent.end(true);
    const victim = 'a-bbbbbbbbbbbbbbbbbbbbbbbbbb';
    const gone = closed(thief);
    thief.publish(`prophasis/v1/agents/${victim}/res`, encodeMessage(createMessage('result', { results: [result(victim)] })), { qos: 1 });
    await within('RabbitMQ closing the connection', gone);
    thief.end(true);
    assert.equal(await core.db.models.Result.count({ where: { resultId: result(victim).id } }), 0);
  });

  it('a revoked agent cannot publish or connect again', async () => {
    agent = await connectOnce(url, { clientId: agentId, username: agentId, password: agentSecret, clean: true });
    assert.equal(await core.registry.revoke(agentId), true);
    const gone = closed(agent);
    agent.publish(`prophasis/v1/agents/${agentId}/state`, encodeMessage(createMessage('state', { status: 'online' })), { qos: 1 });
    await within('RabbitMQ closing the revoked agent', gone);
    agent.end(true);
    await assert.rejects(connectOnce(url, { clientId: agentId, username: agentId, password: agentSecret }), (err: { code?: number }) => err.code === 4 || err.code === 5);
  });
});
