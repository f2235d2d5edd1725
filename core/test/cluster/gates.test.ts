import { createMessage, resultId, silentLogger, type ResMessage, type Result } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { Op } from 'sequelize';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { createPipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { NO_DATA_PREFIX } from '../../src/pipeline/store.js';
import { config, countingSink, fakeClassifier, openDb, recordingTransport, seeder, type TestDb } from '../pipeline/helpers.js';

const T0 = 1_700_000_000_000;
const MIN = 60_000;

// Several cores (docs/high-availability.md): the pipeline judges slots only of the agents whose
// partition this core holds, and numbers and publishes plans only with the dispatch duty.
describe('several cores: the pipeline works only on what this core holds', function () {
  let t: TestDb;
  let clock = T0 + 10 * MIN;
  let p: Pipeline;
  let ownsAgent = false;
  let ownsDispatch = false;
  const transport = recordingTransport();
  const ids = { host: 0, check: 0 };

  const result = (slot: number): Result => ({
    id: resultId('a-n1', { entryKey: `${ids.check}:io.prophasis.cpu`, slot }),
    checkId: String(ids.check),
    pluginId: 'io.prophasis.cpu',
    version: '1.0.0',
    slot,
    measuredAt: slot + 1_000,
    durationMs: 5,
    value: 10,
    message: null,
    resultType: 'plugin',
  });
  const noDataSlots = async () =>
    (await t.db.models.Result.findAll({ where: { hostId: ids.host, resultId: { [Op.like]: `${NO_DATA_PREFIX}%` } }, order: [['slotAt', 'ASC']] })).map((r) => (Number(r.slotAt) - T0) / MIN);

  before(async () => {
    t = await openDb('sqlite');
    const s = seeder(t.db);
    const host = await s.host('n1');
    await host.update({ connectedSince: T0 });
    const { plugin } = await s.plugin('io.prophasis.cpu', { classifier: 'threshold 80' });
    const check = await s.check('cpu', { hosts: [host.id], plugins: [{ id: plugin.id }] });
    await s.schedule('minutely', [check.id], [{ start: T0, everyMs: MIN }]);
    Object.assign(ids, { host: host.id, check: check.id });
    p = createPipeline(config({ recomputeMs: 3_600_000, noDataSweepMs: 3_600_000, batchMaxMs: 5 }), {
      db: t.db,
      sink: countingSink(t.resultStore),
      transport,
      classifier: fakeClassifier(),
      systemLog: memorySystemLog(),
      logger: silentLogger(),
      now: () => clock,
      cluster: { ownsAgent: (agentId) => ownsAgent && agentId === 'a-n1', ownsDispatch: () => ownsDispatch },
    });
    await p.start();
  });
  after(async () => {
    await p?.stop();
    await t?.cleanup();
  });

  it('publishes no plan and numbers no revision without the dispatch duty; does both once it holds it', async () => {
    assert.equal(transport.sent.length, 0, 'nothing published at start by a core without the duty');
    assert.deepEqual(await p.dispatcher.recompute(), { changed: [], published: [] });
    assert.ok(p.dispatcher.snapshot()?.plans.has(ids.host), 'the snapshot (admission, no_data) is there all the same');
    ownsDispatch = true;
    const report = await p.dispatcher.recompute();
    assert.deepEqual(report.changed, [ids.host]);
    assert.deepEqual(report.published, ['a-n1']);
    assert.ok(transport.types('a-n1').length > 0);
  });

  it('judges no slot of an agent it does not hold, and from taking it only the slots after that moment', async () => {
    clock += 5 * MIN; // 15 min
    assert.deepEqual(await p.noData.sweep(), { examined: 0, marked: 0 }, 'not held: not judged');
    ownsAgent = true;
    // A result reaches the new owner before its first sweep: this used to start judging at the
    // horizon, marking slots the previous core had received as no_data.
    await p.ingest.handle('a-n1', createMessage('result', { results: [result(T0 + 15 * MIN)] }) as ResMessage);
    clock += MIN; // 16 min: the slots up to now were the previous core's
    assert.deepEqual(await p.noData.sweep(), { examined: 0, marked: 0 });
    clock += 6 * MIN; // 22 min, maxLateness 5 min: slot 17 is judged
    assert.deepEqual(await p.noData.sweep(), { examined: 1, marked: 1 });
    assert.deepEqual(await noDataSlots(), [17]);
    ownsAgent = false;
    clock += 5 * MIN;
    assert.deepEqual(await p.noData.sweep(), { examined: 0, marked: 0 }, 'given up: not judged any more');
  });
});
