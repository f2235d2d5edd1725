import { createMessage, resultId, silentLogger, type ResMessage, type Result } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryTypes } from 'sequelize';
import { createSecretBox, type SecretBox } from '../../src/kernel/index.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { createIngest, type Ingest } from '../../src/pipeline/ingest.js';
import { createNoDataSweep } from '../../src/pipeline/no-data.js';
import { createStateTracker } from '../../src/pipeline/states.js';
import { sequelizePipelineStore } from '../../src/pipeline/store.js';
import { databaseBundleSource } from '../../src/scheduler/bundle-source.js';
import { createDispatcher, type Dispatcher } from '../../src/scheduler/dispatcher.js';
import { loadConfigRows } from '../../src/scheduler/load.js';
import { buildPlans } from '../../src/scheduler/plan.js';
import { memoryRevisionStore } from '../../src/scheduler/revisions.js';
import { config, countingSink, dialects, fakeClassifier, openDb, recordingTransport, seeder, type TestDb } from '../pipeline/helpers.js';

const T0 = 1_700_000_000_000;
const MIN = 60_000;

describe('secret box', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'prophasis-secret-box-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('seals with AES-256-GCM under a 0600 key file created on first use; opens only its own, unaltered texts', () => {
    const box = createSecretBox(dir);
    const sealed = box.seal('public-community');
    assert.match(sealed, /^v1:[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes('public-community'));
    assert.notEqual(box.seal('public-community'), sealed, 'a fresh IV each time');
    assert.equal(statSync(join(dir, 'secret-box.key')).mode & 0o777, 0o600);
    assert.equal(Buffer.from(readFileSync(join(dir, 'secret-box.key'), 'utf8'), 'base64url').length, 32);
    assert.equal(createSecretBox(dir).open(sealed), 'public-community', 'the key is read back by another core process');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1]! ^= 1;
    assert.throws(() => box.open(`v1:${raw.toString('base64url')}`));
    const other = mkdtempSync(join(tmpdir(), 'prophasis-secret-box-'));
    try {
      assert.throws(() => createSecretBox(other).open(sealed), 'another key cannot open it');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    assert.throws(() => box.open('plain text'), /not a sealed secret/);
  });
});

for (const dialect of dialects()) {
  describe(`devices: plans and attribution (${dialect})`, function () {
    let t: TestDb;
    let dir: string;
    let box: SecretBox;
    let clock = T0 + 100 * MIN;
    let dispatcher: Dispatcher;
    let ingest: Ingest;
    let systemLog: ReturnType<typeof memorySystemLog>;
    let transport: ReturnType<typeof recordingTransport>;
    const ids = { collector: 0, other: 0, printer: 0, ups: 0, grouped: 0, check: 0, plugin: 0, group: 0 };
    let seq = 0;

    /** A result as the collector's agent sends it for a device entry: the id derives from the entry key with the device. */
    const deviceResult = (device: number, agentId: string, over: Partial<Result> = {}): Result => {
      const slot = clock - 30_000 + ++seq;
      const r: Omit<Result, 'id'> = {
        checkId: String(ids.check),
        pluginId: 'io.prophasis.tcp-port',
        version: '1.0.0',
        slot,
        measuredAt: slot + 1_000,
        durationMs: 5,
        value: 3,
        message: null,
        resultType: 'plugin',
        targetHostId: device,
        ...over,
      };
      return { id: resultId(agentId, { entryKey: `${r.checkId}:${r.pluginId}@${device}`, slot }), ...r };
    };
    const msg = (...results: Result[]) => createMessage('result', { results }) as ResMessage;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'prophasis-devices-'));
      box = createSecretBox(dir);
      t = await openDb(dialect);
      const s = seeder(t.db);
      const m = t.db.models;
      const collector = await s.host('collector');
      const other = await s.host('other');
      const printer = await m.Host.create({ name: 'printer-1', kind: 'device', address: '127.0.0.1', deviceType: 'printer', collectorId: collector.id });
      const ups = await m.Host.create({ name: 'ups-1', kind: 'device', address: 'ups.example.net', deviceType: 'ups', collectorId: collector.id });
      // Its collector comes from its group.
      const grouped = await m.Host.create({ name: 'switch-1', kind: 'device', address: '10.0.0.2', deviceType: 'switch' });
      const group = await s.group('site-a', [grouped.id]);
      await t.db.sequelize.query('INSERT INTO host_group_collectors (group_id, collector_id) VALUES (?, ?)', { replacements: [group.id, other.id] });
      const { plugin } = await s.plugin('io.prophasis.tcp-port', { history: 3, classifier: 'threshold 80' });
      const check = await s.check('tcp', { hosts: [printer.id, ups.id], groups: [group.id], plugins: [{ id: plugin.id, params: { port: 9100 } }] });
      await m.CheckPlugin.update({ secrets: box.seal(JSON.stringify({ community: 's3cret-community' })) }, { where: { checkId: check.id } });
      await s.schedule('minutely', [check.id], [{ start: T0, everyMs: MIN }]);
      Object.assign(ids, { collector: collector.id, other: other.id, printer: printer.id, ups: ups.id, grouped: grouped.id, check: check.id, plugin: plugin.id, group: group.id });
      systemLog = memorySystemLog();
      transport = recordingTransport();
      dispatcher = createDispatcher(config({ recomputeMs: 3_600_000 }), {
        loadRows: () => loadConfigRows(t.db, box),
        transport,
        bundles: databaseBundleSource(t.db),
        revisions: memoryRevisionStore(),
        logger: silentLogger(),
        systemLog,
        now: () => clock,
      });
      await dispatcher.start();
      const states = createStateTracker({ store: sequelizePipelineStore(t.db), logger: silentLogger() });
      ingest = createIngest(config({ batchMaxRows: 1000, batchMaxMs: 20 }), {
        sink: countingSink(t.resultStore),
        store: sequelizePipelineStore(t.db),
        states,
        classifier: fakeClassifier(),
        plans: dispatcher,
        systemLog,
        logger: silentLogger(),
        now: () => clock,
      });
      await states.start();
      await ingest.start();
    });
    after(async () => {
      await ingest?.stop();
      await dispatcher?.stop();
      await t?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it("puts a device's checks on its collector's plan with the target, one entry per device, the secret opened", async () => {
      const rows = await loadConfigRows(t.db, box);
      const built = buildPlans({ ...rows.input, usable: () => true });
      const collectorPlan = built.plans.get(ids.collector)!;
      assert.deepEqual(
        collectorPlan.entries.map((e) => [e.entry.key, e.entry.target, e.targetHostId]),
        [
          [`${ids.check}:io.prophasis.tcp-port@${ids.printer}`, { hostId: ids.printer, address: '127.0.0.1', name: 'printer-1' }, ids.printer],
          [`${ids.check}:io.prophasis.tcp-port@${ids.ups}`, { hostId: ids.ups, address: 'ups.example.net', name: 'ups-1' }, ids.ups],
        ],
      );
      assert.deepEqual(collectorPlan.entries[0]!.entry.params, { port: 9100, community: 's3cret-community' }, 'the plan carries the opened secret');
      assert.deepEqual(
        built.plans.get(ids.other)!.entries.map((e) => [e.entry.key, e.entry.target?.hostId]),
        [[`${ids.check}:io.prophasis.tcp-port@${ids.grouped}`, ids.grouped]],
        "the group's collector",
      );
      for (const device of [ids.printer, ids.ups, ids.grouped]) assert.deepEqual(built.plans.get(device)!.entries, [], 'a device has no plan of its own');
      assert.deepEqual(Object.fromEntries(built.collectors), { [ids.printer]: ids.collector, [ids.ups]: ids.collector, [ids.grouped]: ids.other });
      // Without the key, the plan is still built, without the secret.
      const noKey = buildPlans({ ...(await loadConfigRows(t.db)).input, usable: () => true });
      assert.deepEqual(noKey.plans.get(ids.collector)!.entries[0]!.entry.params, { port: 9100 });
    });

    it('publishes that plan to the collector agent (the target travels in plan.set)', async () => {
      await dispatcher.recompute();
      const plan = [...transport.to('a-collector')].reverse().find((m) => m.type === 'plan.set');
      assert.ok(plan && plan.type === 'plan.set');
      assert.deepEqual(plan.body.entries.map((e) => e.target?.hostId), [ids.printer, ids.ups]);
      assert.equal(plan.body.entries[0]!.params['community'], 's3cret-community');
    });

    it("stores the collector's result for a device as the device's", async () => {
      const r = deviceResult(ids.printer, 'a-collector');
      await ingest.handle('a-collector', msg(r));
      const row = await t.db.models.Result.findOne({ where: { resultId: r.id } });
      assert.ok(row, 'stored');
      assert.equal(row.hostId, ids.printer);
      assert.equal(await t.db.models.Result.count({ where: { hostId: ids.collector } }), 0);
      const state = await t.db.models.CurrentState.findOne({ where: { hostId: ids.printer, pluginId: ids.plugin } });
      assert.ok(state, "the device has the plugin's state");
    });

    it('refuses a result for a device from an agent that is not its collector: logged with the reason, nothing stored, the ingest goes on', async () => {
      const refusedBefore = ingest.stats().refused;
      const r = deviceResult(ids.printer, 'a-other');
      await ingest.handle('a-other', msg(r));
      assert.equal(await t.db.models.Result.count({ where: { resultId: r.id } }), 0);
      assert.equal(ingest.stats().refused, refusedBefore + 1);
      const entry = systemLog.entries.find((e) => e.message.includes(`result for device ${ids.printer} from host ${ids.other}`));
      assert.ok(entry, 'the system log names the device and the sender');
      assert.match(entry.message, new RegExp(`its collector is host ${ids.collector}`));
      // Claiming a host that is no device at all.
      const bogus = deviceResult(ids.collector, 'a-other');
      await ingest.handle('a-other', msg(bogus));
      assert.equal(await t.db.models.Result.count({ where: { resultId: bogus.id } }), 0);
      // A plain result of the collector's for the device's entry key without targetHostId is not the device's either.
      const slot = clock - 10_000;
      const untargeted: Result = { ...deviceResult(ids.printer, 'a-collector'), slot, id: resultId('a-collector', { entryKey: `${ids.check}:io.prophasis.tcp-port`, slot }) };
      delete untargeted.targetHostId;
      await ingest.handle('a-collector', msg(untargeted));
      assert.equal(await t.db.models.Result.count({ where: { resultId: untargeted.id } }), 0);
      // Still healthy.
      const ok = deviceResult(ids.ups, 'a-collector');
      await ingest.handle('a-collector', msg(ok));
      assert.equal((await t.db.models.Result.findOne({ where: { resultId: ok.id } }))?.hostId, ids.ups);
    });

    it('refuses the result once the device moved to another collector', async () => {
      await t.db.models.Host.update({ collectorId: ids.other }, { where: { id: ids.ups } });
      await dispatcher.recompute();
      const stale = deviceResult(ids.ups, 'a-collector');
      await ingest.handle('a-collector', msg(stale));
      assert.equal(await t.db.models.Result.count({ where: { resultId: stale.id } }), 0);
      const fresh = deviceResult(ids.ups, 'a-other');
      await ingest.handle('a-other', msg(fresh));
      assert.equal((await t.db.models.Result.findOne({ where: { resultId: fresh.id } }))?.hostId, ids.ups);
      await t.db.models.Host.update({ collectorId: ids.collector }, { where: { id: ids.ups } });
      await dispatcher.recompute();
    });

    it("marks a device's missing slots no_data (as the device's) only while its collector is connected", async () => {
      const stored: { hostId: number }[] = [];
      const sweep = createNoDataSweep(config({ noDataMaxSlotsPerSweep: 10_000 }), {
        plans: dispatcher,
        sink: { storeNoData: async (slots) => void stored.push(...slots) },
        logger: silentLogger(),
        now: () => clock,
      });
      await t.db.models.Host.update({ connectedSince: T0 }, { where: { id: [ids.collector, ids.other] } });
      await dispatcher.recompute();
      await sweep.sweep();
      clock += 5 * MIN;
      await sweep.sweep();
      const printerSlots = stored.filter((s) => s.hostId === ids.printer).length;
      assert.ok(printerSlots >= 3, `the device's slots became no_data (${printerSlots})`);
      assert.equal(stored.filter((s) => s.hostId === ids.collector).length, 0, 'never stored as the collector');

      // The collector goes offline: its devices keep their last state (no no_data for them).
      await t.db.models.Host.update({ unreachableSince: clock, connectedSince: null }, { where: { id: ids.collector } });
      await dispatcher.recompute();
      stored.length = 0;
      clock += 5 * MIN;
      await sweep.sweep();
      assert.equal(stored.filter((s) => s.hostId === ids.printer || s.hostId === ids.ups).length, 0, 'nothing while the collector is unreachable');
      assert.ok(stored.some((s) => s.hostId === ids.grouped), "the other collector's device still is");
      await t.db.models.Host.update({ unreachableSince: null, connectedSince: clock }, { where: { id: ids.collector } });
      await dispatcher.recompute();
    });

    it('keeps the secret out of the raw check_plugins row', async () => {
      const rows = await t.db.sequelize.query<Record<string, unknown>>('SELECT * FROM check_plugins', { type: QueryTypes.SELECT });
      assert.ok(rows.length > 0);
      assert.ok(!JSON.stringify(rows).includes('s3cret-community'));
    });
  });
}
