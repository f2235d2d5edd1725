import type { CoreEvent } from '../../src/kernel/index.js';
import { createMessage, resultId, silentLogger, type ResMessage, type Result } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { Op } from 'sequelize';
import { createPipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { NO_DATA_PREFIX } from '../../src/pipeline/store.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { config, countingSink, dialects, fakeClassifier, openDb, recordingTransport, seeder, type TestDb } from './helpers.js';

const T0 = 1_700_000_000_000;
const MIN = 60_000;

for (const dialect of dialects()) {
  describe(`no_data sweep (${dialect})`, function () {
    let t: TestDb;
    let clock = T0 + 10 * MIN;
    let p: Pipeline;
    const ids = { host: 0, check: 0, plugin: 0 };
    const events: CoreEvent[] = [];

    const result = (slot: number, value = 10): Result => ({
      id: resultId('a-n1', { entryKey: `${ids.check}:io.prophasis.cpu`, slot }),
      checkId: String(ids.check),
      pluginId: 'io.prophasis.cpu',
      version: '1.0.0',
      slot,
      measuredAt: slot + 1_000,
      durationMs: 5,
      value,
      message: null,
      resultType: 'plugin',
    });
    const deliver = (...results: Result[]) => p.ingest.handle('a-n1', createMessage('result', { results }) as ResMessage);
    const noDataSlots = async () =>
      (await t.db.models.Result.findAll({ where: { hostId: ids.host, resultId: { [Op.like]: `${NO_DATA_PREFIX}%` } }, order: [['slotAt', 'ASC']] })).map((r) => (Number(r.slotAt) - T0) / MIN);
    const setPresence = async (values: { connectedSince: number | null; unreachableSince: number | null }) => {
      await t.db.models.Host.update(values, { where: { id: ids.host } });
      await p.dispatcher.recompute();
    };

    before(async () => {
      t = await openDb(dialect);
      const s = seeder(t.db);
      const host = await s.host('n1');
      await host.update({ connectedSince: T0 });
      const { plugin } = await s.plugin('io.prophasis.cpu', { classifier: 'threshold 80' });
      const check = await s.check('cpu', { hosts: [host.id], plugins: [{ id: plugin.id }] });
      await s.schedule('minutely', [check.id], [{ start: T0, everyMs: MIN }]);
      Object.assign(ids, { host: host.id, check: check.id, plugin: plugin.id });
      p = createPipeline(config({ recomputeMs: 3_600_000, noDataSweepMs: 3_600_000, batchMaxMs: 5, noDataMaxSlotsPerSweep: 3 }), {
        db: t.db,
        sink: countingSink(t.resultStore),
        transport: recordingTransport(),
        classifier: fakeClassifier(),
        systemLog: memorySystemLog(),
        logger: silentLogger(),
        events: { publish: (e) => void events.push(e) },
        now: () => clock,
      });
      await p.start();
    });
    after(async () => {
      await p?.stop();
      await t?.cleanup();
    });

    it('judges nothing before an entry was first seen, then marks slots older than maxLateness without a result', async () => {
      assert.deepEqual(await p.noData.sweep(), { examined: 0, marked: 0 }, 'the time before the core saw the entry is not judged');
      clock += 2 * MIN; // horizon = 7 min
      assert.deepEqual(await p.noData.sweep(), { examined: 2, marked: 2 });
      assert.deepEqual(await noDataSlots(), [6, 7]);
      await deliver(result(T0 + 8 * MIN)); // in time
      clock += 2 * MIN; // horizon = 9 min
      assert.deepEqual(await p.noData.sweep(), { examined: 2, marked: 1 });
      assert.deepEqual(await noDataSlots(), [6, 7, 9]);
      const state = await t.db.models.CurrentState.findOne({ where: { hostId: ids.host, pluginId: ids.plugin } });
      assert.equal(state?.severity, 'no_data');
      const transitions = await t.db.models.StateTransition.findAll({ where: { hostId: ids.host, pluginId: ids.plugin }, order: [['id', 'ASC']] });
      assert.deepEqual(transitions.map((x) => `${x.fromState}→${x.toState}`), ['no_data→ok', 'ok→no_data']);
    });

    it('replaces a no_data row when the real result arrives late', async () => {
      await deliver(result(T0 + 7 * MIN, 50));
      assert.deepEqual(await noDataSlots(), [6, 9]);
      const real = await t.db.models.Result.findOne({ where: { hostId: ids.host, slotAt: T0 + 7 * MIN } });
      assert.deepEqual([real?.severity, real?.late], ['ok', true]);
    });

    it('caps the slots examined per sweep and continues where it stopped', async () => {
      clock += 5 * MIN; // horizon = 14 min: slots 10..14, five of them, cap 3
      assert.deepEqual(await p.noData.sweep(), { examined: 3, marked: 3 });
      assert.deepEqual(await p.noData.sweep(), { examined: 2, marked: 2 });
      assert.deepEqual(await noDataSlots(), [6, 9, 10, 11, 12, 13, 14]);
    });

    it('marks nothing while the agent is offline or unreachable, nor for slots before it reconnected', async () => {
      await setPresence({ connectedSince: null, unreachableSince: null });
      clock += 10 * MIN;
      assert.deepEqual(await p.noData.sweep(), { examined: 0, marked: 0 });
      await setPresence({ connectedSince: null, unreachableSince: clock });
      clock += 10 * MIN;
      assert.deepEqual(await p.noData.sweep(), { examined: 0, marked: 0 });
      // back at minute 39.5; the outbox delivers minutes 15..39 itself
      await setPresence({ connectedSince: clock + 30_000, unreachableSince: null });
      clock += 8 * MIN; // horizon = 42 min: judged are slots 40..42
      assert.deepEqual(await p.noData.sweep(), { examined: 3, marked: 3 });
      assert.deepEqual((await noDataSlots()).slice(-4), [14, 40, 41, 42]);
    });

    it('makes an unreachable host major with a host transition, and recomputes it when it is back', async () => {
      events.length = 0;
      await p.presence({ type: 'host.unreachable', hostId: String(ids.host), at: clock });
      await p.presence({ type: 'host.reachable', hostId: String(ids.host), at: clock + 1 });
      const hostLevel = await t.db.models.StateTransition.findAll({ where: { hostId: ids.host, pluginId: null }, order: [['id', 'ASC']] });
      assert.deepEqual(hostLevel.slice(-2).map((x) => `${x.fromState}→${x.toState}`), ['no_data→major', 'major→no_data']);
      assert.deepEqual(events.map((e) => [e.type, e.type === 'state.changed' ? e.transition.to : undefined]), [['state.changed', 'major'], ['state.changed', 'no_data']]);
    });
  });
}
