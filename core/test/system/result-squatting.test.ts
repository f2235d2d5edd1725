import { createMessage, encodeMessage, nextSlot, resTopic, resultId, silentLogger, type Result } from '@prophasis/protocol';
import type { MqttClient } from 'mqtt';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Op } from 'sequelize';
import { readCoreConfig } from '../../src/kernel/config.js';
import { hostAdd } from '../../src/enrolment/host-add.js';
import { startCore, type Core } from '../../src/main.js';
import { connectClient } from '../transport/helpers.js';
import { startAgent, waitFor, type AgentProcess } from './agent-process.js';

const PLUGIN = 'io.prophasis.uptime';
const EVERY_MS = 2_000;

/**
 * Issue #14, defect 5 (docs/decisions/0008-result-ids-verified.md): an enrolled agent that knows
 * another agent's id publishes that host's next result ids on its own `res` topic. Nothing is
 * stubbed: the real core (embedded broker over TLS), a real `prophasis-agent` process for the
 * victim, and for the squatter a second host enrolled by a real `prophasis-agent enroll`, whose
 * credentials an MQTT client uses over TLS to publish what its agent never would.
 */
describe('result ids belong to the agent that publishes them (system)', function () {
  this.timeout(120_000);
  let dir: string;
  let core: Core | undefined;
  let victim: AgentProcess | undefined;
  let squatter: MqttClient | undefined;
  const hosts = { victim: 0, squatter: 0 };
  let checkId = 0;
  let victimAgentId = '';
  let squatterCredentials: { agentId: string; secret: string; caPem: string };

  const victimOutput = () => `victim agent output: ${victim?.output().slice(-3000) ?? '(none)'}`;

  async function enrolled(name: string, agentDir: string): Promise<number> {
    const added = await hostAdd(
      { registry: core!.registry, caFingerprint: core!.transport.caFingerprint, httpPort: core!.httpPort, mqttPort: core!.transport.mqttPort },
      { name, server: '127.0.0.1' },
    );
    const enrol = startAgent(['enroll', '--server', `127.0.0.1:${core!.transport.mqttPort}`, '--ca-fingerprint', core!.transport.caFingerprint], {
      PROPHASIS_DATA_DIR: agentDir,
      PROPHASIS_ENROL_TOKEN: added.token,
    });
    assert.equal(await enrol.exited(30_000), 0, `enroll of ${name} failed: ${enrol.output()}`);
    return (await core!.db.models.Host.findOne({ where: { name } }))!.id;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prophasis-squat-'));
    const config = readCoreConfig(
      { PROPHASIS_DATA_DIR: join(dir, 'core') },
      { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' },
    );
    core = await startCore(config, silentLogger());
    hosts.victim = await enrolled('victim', join(dir, 'victim'));
    hosts.squatter = await enrolled('squatter', join(dir, 'squatter'));
    victimAgentId = (await core.db.models.Host.findByPk(hosts.victim))!.agentId!;
    squatterCredentials = JSON.parse(readFileSync(join(dir, 'squatter', 'credentials.json'), 'utf8')) as typeof squatterCredentials;

    // One check on both hosts, so the squatter's results pass the plan check: a first-party
    // plugin (site-approved), every 2 s.
    const m = core.db.models;
    const plugin = (await m.Plugin.findOne({ where: { pluginId: PLUGIN } }))!;
    const check = await m.Check.create({ name: 'uptime' });
    checkId = check.id;
    for (const hostId of [hosts.victim, hosts.squatter]) await m.CheckHost.create({ checkId, hostId });
    await m.CheckPlugin.create({ checkId, pluginId: plugin.id, params: {}, classifierOverride: null });
    const schedule = await m.Schedule.create({ name: 'every 2 s', enabled: true });
    await m.ScheduleInterval.create({ scheduleId: schedule.id, startAt: 0, everyMs: EVERY_MS });
    await m.ScheduleCheck.create({ scheduleId: schedule.id, checkId });
    await core.pipeline.dispatcher.recompute();

    victim = startAgent(['run'], { PROPHASIS_DATA_DIR: join(dir, 'victim'), PROPHASIS_LOG_LEVEL: 'info' });
    await waitFor('a first result of the victim', () => m.Result.findOne({ where: { hostId: hosts.victim, resultType: 'plugin' } }), 60_000, victimOutput);
  });

  after(async () => {
    await squatter?.endAsync().catch(() => undefined);
    victim?.kill();
    await victim?.exited(10_000).catch(() => undefined);
    await core?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses another agent's next ids with a logged reason, and stores the victim's real results", async () => {
    const m = core!.db.models;
    const plugin = (await m.Plugin.findOne({ where: { pluginId: PLUGIN } }))!;
    // The victim's next three slots, a few seconds ahead: ids anyone can compute from its agent id.
    const first = nextSlot([{ start: 0, everyMs: EVERY_MS }], Date.now() + 4_000);
    const slots = [first, first + EVERY_MS, first + 2 * EVERY_MS];
    const entryKey = `${checkId}:${PLUGIN}`;
    const forged: Result[] = slots.map((slot) => ({
      id: resultId(victimAgentId, { entryKey, slot }),
      checkId: String(checkId),
      pluginId: PLUGIN,
      version: '1.0.0',
      slot,
      measuredAt: Date.now(),
      durationMs: 1,
      value: 0,
      message: 'squatted',
      resultType: 'plugin',
    }));

    const { agentId, secret, caPem } = squatterCredentials;
    squatter = await connectClient(`mqtts://127.0.0.1:${core!.transport.mqttPort}`, { clientId: agentId, username: agentId, password: secret, clean: false, ca: caPem });
    await squatter.publishAsync(resTopic(agentId), encodeMessage(createMessage('result', { results: forged })), { qos: 1 });

    const forgedIds = forged.map((r) => r.id);
    assert.deepEqual(
      (await m.Result.findAll({ where: { resultId: forgedIds } })).map((r) => [r.hostId, r.message]),
      [],
      'nothing the squatter sent is stored',
    );
    await core!.systemLog.flush();
    const refusals = await m.SystemLog.findAll({ where: { component: 'ingest', message: { [Op.like]: 'result refused:%' } } });
    const ours = refusals.filter((e) => e.context?.agentId === agentId);
    assert.deepEqual(
      ours.map((e) => e.context?.resultId).sort(),
      [...forgedIds].sort(),
      `each forged id refused and logged under the squatter's agent id; log: ${JSON.stringify(refusals.map((e) => [e.message, e.context]))}`,
    );
    assert.match(ours[0]!.message, /does not belong to this agent/);

    // The victim's own results for those slots arrive later and are stored, not dropped as duplicates.
    await waitFor(
      'a result of the victim after the squatted slots',
      () => m.Result.findOne({ where: { hostId: hosts.victim, pluginId: plugin.id, slotAt: { [Op.gt]: slots[2]! } } }),
      30_000,
      victimOutput,
    );
    const stored = await m.Result.findAll({ where: { resultId: forgedIds }, order: [['slotAt', 'ASC']] });
    assert.deepEqual(
      stored.map((r) => [r.hostId, Number(r.slotAt), r.resultType, r.message === 'squatted']),
      slots.map((slot) => [hosts.victim, slot, 'plugin', false]),
      "the victim's results for the squatted slots are its own",
    );
  });
});
