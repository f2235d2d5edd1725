import { createLogger, createMessage, decodeMessage, encodeMessage, enrolIdentity, resultId, silentLogger, type Result } from '@prophasis/protocol';
import type { MqttClient } from 'mqtt';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readCoreConfig } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';
import { seeder } from '../pipeline/helpers.js';
import { startAgent } from '../system/agent-process.js';
import { connectOnce, dynsecAvailable, subackCodes, startMosquitto, testCertificates, type RunningMosquitto } from './brokers.js';

const run = promisify(execFile);
const T0 = 1_700_000_000_000;
const FACTS = { hostname: 'dyn-1', platform: 'linux', arch: 'x64', agentVersion: '0.1.0', nodeVersion: '24.11.0' };
/** The transport reads these from the environment (core/src/transport/config.ts). */
const TRANSPORT_ENV = ['PROPHASIS_MQTT_CA_FILE', 'PROPHASIS_MQTT_USERNAME', 'PROPHASIS_MQTT_PASSWORD', 'PROPHASIS_MQTT_CLIENT_ID'] as const;

/** One enrolment through the token's own account on the broker, as the agent does it when `$enrol` is refused. */
async function enrolThrough(url: string, caPem: string, token: string, timeoutMs = 8_000): Promise<{ status: string; agentId?: string; secret?: string; reason?: string }> {
  const id = enrolIdentity(token);
  const client = await connectOnce(url, { clientId: id, username: id, password: token, clean: true, ca: caPem });
  try {
    const answer = new Promise<{ status: string; agentId?: string; secret?: string; reason?: string }>((resolve) =>
      client.on('message', (_t, payload) => {
        const decoded = decodeMessage(payload, 'enrol');
        if (decoded.ok && decoded.message.type === 'enrol.response') resolve(decoded.message.body);
      }),
    );
    const granted = await client.subscribeAsync(`prophasis/v1/enrol/${id}/resp`, { qos: 1 });
    assert.equal(granted[0]!.qos, 1, 'the token account may read its own resp');
    await client.publishAsync(`prophasis/v1/enrol/${id}/req`, encodeMessage(createMessage('enrol.request', { token, ...FACTS })), { qos: 1 });
    return await Promise.race([answer, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no enrol.response')), timeoutMs))]);
  } finally {
    await client.endAsync();
  }
}

const closed = (client: MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()));

describe('external Mosquitto 2 with dynamic security, provisioned by a real core (issue #19)', function () {
  this.timeout(40_000);
  let dir: string;
  let mosquitto: RunningMosquitto;
  let core: Core;
  let caPem: string;
  let caFile: string;
  let caFingerprint: string;
  const admin = { username: 'prophasis-core', password: randomBytes(18).toString('base64url') };
  const saved: Record<string, string | undefined> = {};
  let agentId: string;
  let secret: string;
  let agent: MqttClient;

  before(async function () {
    if (!dynsecAvailable()) {
      console.warn('    (skipped: /usr/sbin/mosquitto or its dynamic-security plugin is not installed)');
      this.skip();
    }
    dir = await mkdtemp(join(tmpdir(), 'prophasis-dynsec-'));
    const certs = await testCertificates(dir);
    caPem = certs.caPem;
    caFile = certs.caFile;
    caFingerprint = certs.caFingerprint;
    mosquitto = await startMosquitto(dir, certs, admin);
    for (const k of TRANSPORT_ENV) saved[k] = process.env[k];
    Object.assign(process.env, {
      PROPHASIS_MQTT_CA_FILE: certs.caFile,
      PROPHASIS_MQTT_USERNAME: admin.username,
      PROPHASIS_MQTT_PASSWORD: admin.password,
      PROPHASIS_MQTT_CLIENT_ID: 'prophasis-core-test',
    });
    const config = readCoreConfig(
      { PROPHASIS_DATA_DIR: join(dir, 'core'), PROPHASIS_MQTT_URL: mosquitto.url, PROPHASIS_MQTT_PROVISIONING: 'mosquitto-dynsec' },
      { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' },
    );
    core = await startCore(config, process.env.DEBUG_DYNSEC ? createLogger({ name: 'core', level: 'debug' }) : silentLogger());
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && process.env.DEBUG_DYNSEC) console.log(mosquitto.log().slice(-4000));
  });

  after(async () => {
    agent?.end(true);
    await core?.stop();
    await mosquitto?.stop();
    for (const k of TRANSPORT_ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses `$enrol` and a token that has no account on the broker', async () => {
    await assert.rejects(connectOnce(mosquitto.url, { clientId: 'enrol-0123', username: '$enrol', password: 'x', ca: caPem }), (err: { code?: number }) => err.code === 5);
    const forged = randomBytes(32).toString('base64url');
    const id = enrolIdentity(forged);
    await assert.rejects(connectOnce(mosquitto.url, { clientId: id, username: id, password: forged, ca: caPem }), (err: { code?: number }) => err.code === 5);
  });

  it('enrols through the token\'s own account, which cannot read another enrolment\'s answer', async () => {
    const host = await core.registry.addHost('dyn-1');
    const { token } = await core.registry.createEnrolmentToken(host.hostId);
    const id = enrolIdentity(token);
    const snoop = await connectOnce(mosquitto.url, { clientId: id, username: id, password: token, clean: true, ca: caPem });
    assert.deepEqual(await subackCodes(snoop, ['prophasis/v1/enrol/enrol-000000000000000000000000/resp', 'prophasis/v1/enrol/+/resp', 'prophasis/v1/agents/+/cmd']), [128, 128, 128]);
    await snoop.endAsync();
    const answer = await enrolThrough(mosquitto.url, caPem, token);
    assert.equal(answer.status, 'accepted', answer.reason);
    agentId = answer.agentId!;
    secret = answer.secret!;
    const row = await core.db.models.Host.findOne({ where: { agentId } });
    assert.equal(row?.enrolmentState, 'enrolled');
    // A used token's account goes once the answer is out (10 s of grace).
    await new Promise((r) => setTimeout(r, 11_000));
    await assert.rejects(connectOnce(mosquitto.url, { clientId: id, username: id, password: token, ca: caPem }), (err: { code?: number }) => err.code === 5);
  });

  it('lets the agent deliver a result that the core stores, only on its own topics', async () => {
    const host = (await core.db.models.Host.findOne({ where: { agentId } }))!;
    const s = seeder(core.db);
    // A first-party plugin the core built and trusts at its start (a seeded one would not be usable).
    let plugin: { id: number; pluginId: string; version: string } | undefined;
    for (const v of await core.db.models.PluginVersion.findAll({ attributes: ['pluginId', 'version'] })) {
      const row = await core.db.models.Plugin.findByPk(v.pluginId);
      if (row && (await core.plugins.isUsable(row.pluginId, v.version))) {
        plugin = { id: row.id, pluginId: row.pluginId, version: v.version };
        break;
      }
    }
    assert.ok(plugin, 'a usable first-party plugin');
    const check = await s.check('dyn', { hosts: [host.id], plugins: [{ id: plugin.id }] });
    await s.schedule('minutely', [check.id], [{ start: T0, everyMs: 60_000 }]);
    await core.pipeline.dispatcher.recompute();

    agent = await connectOnce(mosquitto.url, { clientId: agentId, username: agentId, password: secret, clean: false, ca: caPem });
    assert.deepEqual(await subackCodes(agent, [`prophasis/v1/agents/${agentId}/cmd`, 'prophasis/v1/agents/a-aaaaaaaaaaaaaaaaaaaaaaaaaa/cmd', 'prophasis/v1/agents/+/res']), [1, 128, 128], 'SUBACK: its own cmd only');

    // Another agent's res: Mosquitto acknowledges the QoS 1 PUBLISH and drops it (MQTT 3.1.1 has no refusal in PUBACK).
    const victim = 'a-bbbbbbbbbbbbbbbbbbbbbbbbbb';
    const slot = T0 + 60_000;
    const result = (owner: string): Result => ({
      id: resultId(owner, { entryKey: `${check.id}:${plugin.pluginId}`, slot }),
      checkId: String(check.id),
      pluginId: plugin.pluginId,
      version: plugin.version,
      slot,
      measuredAt: Date.now(),
      durationMs: 1,
      value: 12,
      message: null,
      resultType: 'plugin',
    });
    await agent.publishAsync(`prophasis/v1/agents/${victim}/res`, encodeMessage(createMessage('result', { results: [result(victim)] })), { qos: 1 });
    const own = result(agentId);
    await agent.publishAsync(`prophasis/v1/agents/${agentId}/res`, encodeMessage(createMessage('result', { results: [own] })), { qos: 1 });
    const until = Date.now() + 15_000;
    let row = null;
    while (!row && Date.now() < until) {
      row = await core.db.models.Result.findOne({ where: { resultId: own.id } });
      if (!row) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(row, 'the result reached the core through Mosquitto and was stored');
    assert.equal(await core.db.models.Result.count({ where: { resultId: result(victim).id } }), 0, 'the publish on another agent\'s res was dropped by Mosquitto');
    assert.match(mosquitto.log(), new RegExp(`Denied PUBLISH from ${agentId}`));
  });

  it('kicks a revoked agent and refuses its reconnection', async () => {
    const gone = closed(agent);
    assert.equal(await core.registry.revoke(agentId), true);
    await Promise.race([gone, new Promise((_, reject) => setTimeout(() => reject(new Error('the revoked agent is still connected')), 5_000))]);
    await assert.rejects(connectOnce(mosquitto.url, { clientId: agentId, username: agentId, password: secret, ca: caPem }), (err: { code?: number }) => err.code === 5);
  });

  it('the real agent CLI enrols through it: `$enrol` is refused, the token\'s own account answers', async () => {
    const host = await core.registry.addHost('dyn-3');
    const { token } = await core.registry.createEnrolmentToken(host.hostId);
    const agentDir = join(dir, 'agent');
    const cli = startAgent(['enroll', '--server', `127.0.0.1:${mosquitto.port}`, '--token', token, '--ca-fingerprint', caFingerprint], { PROPHASIS_DATA_DIR: agentDir, PROPHASIS_LOG_LEVEL: 'info' });
    assert.equal(await cli.exited(30_000), 0, cli.output());
    const credentials = JSON.parse(await readFile(join(agentDir, 'credentials.json'), 'utf8')) as { agentId: string };
    assert.equal((await core.db.models.Host.findOne({ where: { name: 'dyn-3' } }))?.agentId, credentials.agentId);
  });

  it('a broker that refuses provisioning: the enrolment is refused naming why, the host stays pending and the token unused', async () => {
    const host = await core.registry.addHost('dyn-2');
    const { token } = await core.registry.createEnrolmentToken(host.hostId);
    // The core's user loses the dynamic-security admin role: Mosquitto drops its commands.
    const ctl = ['-h', '127.0.0.1', '-p', String(mosquitto.port), '--cafile', caFile, '-u', admin.username, '-P', admin.password, 'dynsec'];
    await run('mosquitto_ctrl', [...ctl, 'removeClientRole', admin.username, 'admin']);
    const answer = await enrolThrough(mosquitto.url, caPem, token, 20_000);
    assert.equal(answer.status, 'refused');
    assert.match(answer.reason ?? '', /the MQTT broker refused the agent's account: .*no answer to deleteClient, deleteRole, createRole, createClient within 10000 ms; does prophasis-core hold the dynamic-security admin role\?/);
    const row = await core.db.models.Host.findOne({ where: { name: 'dyn-2' } });
    assert.equal(row?.enrolmentState, 'pending');
    assert.equal(row?.agentId ?? null, null);
  });
});
