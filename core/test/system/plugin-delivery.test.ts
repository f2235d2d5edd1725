import { generatePublisherKeys, silentLogger, type ProphasisError } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Op } from 'sequelize';
import { readCoreConfig } from '../../src/kernel/config.js';
import { hostAdd } from '../../src/enrolment/host-add.js';
import { startCore, type Core } from '../../src/main.js';
import { createFileTrustStore, loadOrCreateSiteKey, trustDirectory } from '../../src/plugins/index.js';
import { handcraftedBundle, signedBundle } from '../plugins/helpers.js';
import { startAgent, waitFor, type AgentProcess } from './agent-process.js';

const ACTOR = { name: 'system-test' };
const PLUGIN = 'com.example.system-answer';
const LOOP = 'com.example.system-loop';
/** The agent's cap on one plugin run, lowered so the endless loop is cut off quickly. */
const SANDBOX_TIMEOUT_MS = 1_500;

/**
 * Plugin delivery with nothing stubbed: the real core (startCore, embedded broker over TLS) and
 * a real `prophasis-agent` process enrolled with a token from `hostAdd`. A plugin signed by a
 * trusted publisher is uploaded, approved, assigned and scheduled every second; the agent
 * installs it and its results land in `results`; an upgrade replaces the value; a tampered
 * bundle is refused; an endless loop is cut off while the other plugin keeps going.
 */
describe('plugin delivery, core and agent process over TLS (system)', function () {
  this.timeout(90_000);
  const publisher = generatePublisherKeys();
  let dir: string;
  let core: Core | undefined;
  let agent: AgentProcess | undefined;
  let hostId: number;
  let checkId: number;

  const agentOutput = () => `agent output: ${agent?.output().slice(-3000) ?? '(none)'}`;
  const pluginRow = async (pluginId: string) => (await core!.db.models.Plugin.findOne({ where: { pluginId } }))!.id;
  const resultWith = (pluginRowId: number, where: Record<string, unknown>, after = 0) =>
    core!.db.models.Result.findOne({ where: { hostId, pluginId: pluginRowId, measuredAt: { [Op.gt]: after }, ...where }, order: [['measuredAt', 'ASC']] });
  const assign = async (pluginRowId: number) => {
    await core!.db.models.CheckPlugin.create({ checkId, pluginId: pluginRowId, params: {}, classifierOverride: null });
    await core!.pipeline.dispatcher.recompute();
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prophasis-system-'));
    const dataDir = join(dir, 'core');
    const logger = silentLogger();
    // The site trusts the test publisher before the core starts (as `POST /api/trust` would leave it).
    const siteKey = loadOrCreateSiteKey(dataDir, { logger });
    const trust = createFileTrustStore({ dir: trustDirectory(dataDir), siteKey: siteKey.privateKey }, { logger });
    await trust.add({ name: 'system tests', publicKeyPem: publisher.publicKey.export({ format: 'pem', type: 'spki' }).toString() }, 'system-test');

    const config = readCoreConfig(
      { PROPHASIS_DATA_DIR: dataDir },
      { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' },
    );
    core = await startCore(config, logger);
    const added = await hostAdd(
      { registry: core.registry, caFingerprint: core.transport.caFingerprint, httpPort: core.httpPort, mqttPort: core.transport.mqttPort },
      { name: 'system-host', server: '127.0.0.1' },
    );
    const host = await core.db.models.Host.findOne({ where: { name: 'system-host' } });
    assert.ok(host, 'hostAdd created the host');
    hostId = host.id;

    const env = { PROPHASIS_DATA_DIR: join(dir, 'agent'), PROPHASIS_LOG_LEVEL: 'info', PROPHASIS_SANDBOX_TIMEOUT_MS: String(SANDBOX_TIMEOUT_MS) };
    const enrol = startAgent(
      ['enroll', '--server', `127.0.0.1:${core.transport.mqttPort}`, '--ca-fingerprint', core.transport.caFingerprint],
      { ...env, PROPHASIS_ENROL_TOKEN: added.token },
    );
    assert.equal(await enrol.exited(30_000), 0, `enroll failed: ${enrol.output()}`);
    agent = startAgent(['run'], env);
    await waitFor('the agent online', async () => (await host.reload()).connectedSince != null, 30_000, agentOutput);

    const check = await core.db.models.Check.create({ name: 'system check' });
    checkId = check.id;
    await core.db.models.CheckHost.create({ checkId, hostId });
    const schedule = await core.db.models.Schedule.create({ name: 'every second', enabled: true });
    await core.db.models.ScheduleInterval.create({ scheduleId: schedule.id, startAt: 0, everyMs: 1_000 });
    await core.db.models.ScheduleCheck.create({ scheduleId: schedule.id, checkId });
  });

  after(async () => {
    agent?.kill();
    await agent?.exited(10_000).catch(() => undefined);
    await core?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers an approved plugin: the agent installs the bundle and its results are stored', async () => {
    const uploaded = await core!.plugins.upload(signedBundle(publisher, { id: PLUGIN, version: '1.0.0', capabilities: [], code: 'export function measure() { return { value: 11 }; }\n' }), ACTOR);
    assert.equal(uploaded.created, true);
    await core!.plugins.approve(PLUGIN, '1.0.0', [], ACTOR);
    assert.equal(await core!.plugins.isUsable(PLUGIN, '1.0.0'), true);
    await assign(uploaded.id);

    await waitFor(
      'the agent to report the bundle installed',
      async () => ((await core!.db.models.Host.findByPk(hostId))?.bundles ?? []).some((b) => JSON.stringify(b).includes(uploaded.sha256)),
      30_000,
      agentOutput,
    );
    const row = await waitFor('a stored result of 1.0.0', () => resultWith(uploaded.id, { resultType: 'plugin' }), 30_000, agentOutput);
    assert.equal(row.value, 11);
    assert.equal(row.checkId, checkId);
  });

  it('upgrades to 1.0.1, which inherits the approval, and stores its new value', async () => {
    const since = Date.now();
    const uploaded = await core!.plugins.upload(signedBundle(publisher, { id: PLUGIN, version: '1.0.1', capabilities: [], code: 'export function measure() { return { value: 22 }; }\n' }), ACTOR);
    assert.equal(await core!.plugins.isUsable(PLUGIN, '1.0.1'), true, 'same capabilities: approval inherited');
    await core!.pipeline.dispatcher.recompute();
    const row = await waitFor('a stored result of 1.0.1', () => resultWith(uploaded.id, { resultType: 'plugin', value: 22 }, since), 30_000, agentOutput);
    assert.equal(row.checkId, checkId);
  });

  it('refuses a tampered bundle with a BUNDLE_* code and still accepts the next good one', async () => {
    const before = await core!.db.models.PluginVersion.count();
    const tampered = handcraftedBundle(publisher, { replace: { 'plugin.js': Buffer.from('export function measure() { return { value: 666 }; }\n') } });
    await assert.rejects(core!.plugins.upload(tampered, ACTOR), (err: ProphasisError) => {
      assert.match(err.code, /^BUNDLE_/);
      return true;
    });
    assert.equal(await core!.db.models.PluginVersion.count(), before, 'nothing stored');
    const good = await core!.plugins.upload(signedBundle(publisher, { id: LOOP, version: '1.0.0', capabilities: [], code: 'export function measure() { for (;;) {} }\n' }), ACTOR);
    assert.equal(good.created, true);
    assert.equal(await core!.db.models.PluginVersion.count(), before + 1);
  });

  it('reports an endless loop as command_unsuccessful (timeout) while the other plugin keeps producing results', async () => {
    await core!.plugins.approve(LOOP, '1.0.0', [], ACTOR);
    const loopRow = await pluginRow(LOOP);
    await assign(loopRow);
    const failed = await waitFor('a timeout result of the loop plugin', () => resultWith(loopRow, { resultType: 'command_unsuccessful' }), 30_000, agentOutput);
    assert.equal(failed.value, null);
    assert.equal(failed.message, `timeout after ${SANDBOX_TIMEOUT_MS} ms`);
    const answer = await pluginRow(PLUGIN);
    const later = await waitFor('an answer after the timeout', () => resultWith(answer, { resultType: 'plugin' }, failed.measuredAt), 20_000, agentOutput);
    assert.equal(later.value, 22);
    assert.equal(agent!.child.exitCode, null, 'the agent is still running');
  });
});
