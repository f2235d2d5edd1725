import { createMessage, resultId, silentLogger, type ResMessage, type Result } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { createDispatcher, type Dispatcher } from '../../src/scheduler/dispatcher.js';
import { createIngest, type Ingest } from '../../src/pipeline/ingest.js';
import { sequelizePipelineStore } from '../../src/pipeline/store.js';
import { databaseBundleSource } from '../../src/scheduler/bundle-source.js';
import { loadConfigRows } from '../../src/scheduler/load.js';
import { memoryRevisionStore } from '../../src/scheduler/revisions.js';
import { createStateTracker, type StateTracker } from '../../src/pipeline/states.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { config, countingSink, dialects, fakeClassifier, openDb, recordingTransport, seeder, type TestDb } from './helpers.js';

const T0 = 1_700_000_000_000;
const MIN = 60_000;

for (const dialect of dialects()) {
  describe(`ingest (${dialect})`, function () {
    let t: TestDb;
    let clock = T0 + 100 * MIN;
    let dispatcher: Dispatcher;
    let ingest: Ingest;
    let states: StateTracker;
    let sink: ReturnType<typeof countingSink>;
    let classifier: ReturnType<typeof fakeClassifier>;
    let systemLog: ReturnType<typeof memorySystemLog>;
    const ids = { h1: 0, h2: 0, check: 0, plugin: 0, group: 0 };
    let seq = 0;

    /**
     * A result as agent `agentId` sends it: its id derived from the agent id and the plan entry
     * and slot (or the Run now request), as the core checks; the default slot differs per call.
     */
    const result = (over: Partial<Result> = {}, agentId = 'a-i1'): Result => {
      const slot = over.slot !== undefined ? over.slot : clock - 30_000 + ++seq;
      const r: Omit<Result, 'id'> = {
        checkId: String(ids.check),
        pluginId: 'io.prophasis.cpu',
        version: '1.0.0',
        slot,
        measuredAt: (slot ?? clock) + 1_000,
        durationMs: 5,
        value: 10,
        message: null,
        resultType: 'plugin',
        ...over,
      };
      const origin = r.requestId !== undefined ? { requestId: r.requestId } : { entryKey: `${r.checkId}:${r.pluginId}`, slot: r.slot ?? NaN };
      return { id: over.id ?? resultId(agentId, origin), ...r };
    };
    const msg = (...results: Result[]) => createMessage('result', { results }) as ResMessage;
    const rowsOf = (hostId: number) => t.db.models.Result.findAll({ where: { hostId }, order: [['measuredAt', 'ASC']] });

    function makeIngest() {
      states = createStateTracker({ store: sequelizePipelineStore(t.db), logger: silentLogger() });
      return createIngest(config({ batchMaxRows: 1000, batchMaxMs: 20 }), {
        sink,
        store: sequelizePipelineStore(t.db),
        states,
        classifier,
        plans: dispatcher,
        systemLog,
        logger: silentLogger(),
        now: () => clock,
      });
    }

    before(async () => {
      t = await openDb(dialect);
      const s = seeder(t.db);
      const h1 = await s.host('i1');
      const h2 = await s.host('i2');
      const group = await s.group('web', [h2.id]);
      const { plugin } = await s.plugin('io.prophasis.cpu', { history: 3, classifier: 'threshold 80' });
      const check = await s.check('cpu', { hosts: [h1.id], groups: [group.id], plugins: [{ id: plugin.id }] });
      await s.schedule('minutely', [check.id], [{ start: T0, everyMs: MIN }]);
      Object.assign(ids, { h1: h1.id, h2: h2.id, check: check.id, plugin: plugin.id, group: group.id });
      systemLog = memorySystemLog();
      classifier = fakeClassifier();
      sink = countingSink(t.resultStore);
      dispatcher = createDispatcher(config({ recomputeMs: 3_600_000 }), {
        loadRows: () => loadConfigRows(t.db),
        transport: recordingTransport(),
        bundles: databaseBundleSource(t.db),
        revisions: memoryRevisionStore(),
        logger: silentLogger(),
        systemLog,
        now: () => clock,
      });
      await dispatcher.start();
      ingest = makeIngest();
      await states.start();
      await ingest.start();
    });
    after(async () => {
      await ingest?.stop();
      await dispatcher?.stop();
      await t?.cleanup();
    });

    it('stores a result delivered twice once, also after a restart of the ingest (memory empty)', async () => {
      const r = result();
      await Promise.all([ingest.handle('a-i1', msg(r)), ingest.handle('a-i1', msg(r))]);
      await ingest.handle('a-i1', msg(r));
      assert.equal((await t.db.models.Result.count({ where: { resultId: r.id } })), 1);
      assert.equal(ingest.stats().duplicates, 2);

      await ingest.stop();
      ingest = makeIngest();
      await states.start();
      await ingest.start();
      await ingest.handle('a-i1', msg(r));
      assert.equal(await t.db.models.Result.count({ where: { resultId: r.id } }), 1);
      assert.equal(ingest.stats().duplicates, 1, 'found by asking the table');
    });

    it('batches results of many messages and agents into few INSERTs, and every handler resolves after its commit', async () => {
      const before = sink.state.calls;
      const messages: Promise<void>[] = [];
      const ids1: string[] = [];
      for (let m = 0; m < 5; m++) {
        for (const agent of ['a-i1', 'a-i2']) {
          const batch = Array.from({ length: 250 }, (_, i) => result({ slot: clock - 3_600_000 + m * 1000 + i }, agent));
          ids1.push(...batch.map((r) => r.id));
          messages.push(ingest.handle(agent, msg(...batch)));
        }
      }
      await Promise.all(messages);
      const calls = sink.state.calls - before;
      assert.ok(calls >= 3 && calls <= 4, `2,500 results in ${calls} INSERT batches`);
      assert.equal(await t.db.models.Result.count({ where: { resultId: ids1 } }), 2500);
    });

    it('withholds acknowledgement while the database fails, and stores the resent message afterwards', async () => {
      const r = result();
      sink.state.failing = true;
      await assert.rejects(ingest.handle('a-i1', msg(r)), /database unavailable/);
      assert.equal(await t.db.models.Result.count({ where: { resultId: r.id } }), 0);
      sink.state.failing = false;
      await ingest.handle('a-i1', msg(r));
      assert.equal(await t.db.models.Result.count({ where: { resultId: r.id } }), 1);
    });

    it('refuses results for plugins or checks outside the host plan, logs why, and stores the good ones', async () => {
      const before = systemLog.entries.length;
      const good = result();
      const foreign = result({ pluginId: 'io.prophasis.other' });
      const otherCheck = result({ checkId: '99999' });
      const unrequested = result({ checkId: null, requestId: 'never-asked' });
      await ingest.handle('a-i1', msg(foreign, good, otherCheck, unrequested));
      await ingest.handle('a-unknown', msg(result()));
      const logged = systemLog.entries.slice(before).map((e) => e.message);
      assert.deepEqual(logged, [
        'result refused: plugin io.prophasis.other of check ' + ids.check + " is not in the host's plan",
        "result refused: plugin io.prophasis.cpu of check 99999 is not in the host's plan",
        'result refused: run of io.prophasis.cpu that the core did not request',
        'result refused: results from an agent no enrolled host carries',
      ]);
      assert.equal(await t.db.models.Result.count({ where: { resultId: [foreign.id, otherCheck.id, unrequested.id] } }), 0);
      assert.equal(await t.db.models.Result.count({ where: { resultId: good.id } }), 1);
      const next = result();
      await ingest.handle('a-i1', msg(next));
      assert.equal(await t.db.models.Result.count({ where: { resultId: next.id } }), 1);
    });

    it("refuses a result carrying another agent's id, so that agent's own result is stored and not dropped as a duplicate", async () => {
      const before = systemLog.entries.length;
      const slot = clock - 20_000;
      const squatted = result({ slot, message: 'squatted' }, 'a-i1'); // a-i1's id, published by a-i2
      await ingest.handle('a-i2', msg(squatted));
      assert.deepEqual(
        systemLog.entries.slice(before).map((e) => [e.message, e.context.agentId]),
        [[`result refused: result id ${squatted.id} does not belong to this agent (plugin io.prophasis.cpu of check ${ids.check}, slot ${slot})`, 'a-i2']],
      );
      const real = result({ slot }, 'a-i1');
      assert.equal(real.id, squatted.id);
      await ingest.handle('a-i1', msg(real));
      const rows = await t.db.models.Result.findAll({ where: { resultId: real.id } });
      assert.deepEqual(rows.map((r) => [r.hostId, r.message]), [[ids.h1, null]]);
    });

    it('accepts the result of a "Run now" it requested', async () => {
      const requestId = await dispatcher.runNow(ids.h1, null, 'io.prophasis.cpu');
      const r = result({ checkId: null, slot: null, requestId });
      await ingest.handle('a-i1', msg(r));
      assert.equal((await t.db.models.Result.findOne({ where: { resultId: r.id } }))?.checkId, null);
    });

    it('classifies in slot order with the last n values, writes severity, states and transitions, and marks late ones', async () => {
      clock += 10 * MIN;
      const base = clock - 4 * MIN;
      // shuffled within one message: slots 3, 1, 2
      const r1 = result({ slot: base, value: 85 });
      const r2 = result({ slot: base + MIN, value: 90 });
      const r3 = result({ slot: base + 2 * MIN, value: 20 });
      classifier.requests.length = 0;
      await ingest.handle('a-i1', msg(r3, r1, r2));
      const windows = classifier.requests.map((r) => r.values.slice(-3));
      assert.deepEqual(windows.slice(-3).map((w) => w[w.length - 1]), [85, 90, 20], 'classified in slot order');
      assert.deepEqual(windows[windows.length - 1], [85, 90, 20], 'window of the last n = 3 values, oldest first');
      const stored = await t.db.models.Result.findAll({ where: { resultId: [r1.id, r2.id, r3.id] }, order: [['slotAt', 'ASC']] });
      assert.deepEqual(stored.map((r) => r.severity), ['major', 'major', 'ok']);

      const transitions = await t.db.models.StateTransition.findAll({ where: { hostId: ids.h1, pluginId: ids.plugin }, order: [['id', 'ASC']] });
      assert.deepEqual(transitions.slice(-2).map((x) => [x.fromState, x.toState, Number(x.at), x.late]), [
        ['ok', 'major', r1.measuredAt, false],
        ['major', 'ok', r3.measuredAt, false],
      ]);
      const hostLevel = await t.db.models.StateTransition.findAll({ where: { hostId: ids.h1, pluginId: null } });
      assert.ok(hostLevel.some((x) => x.toState === 'major'), 'the host follows its worst plugin');
      const state = await t.db.models.CurrentState.findOne({ where: { hostId: ids.h1, pluginId: ids.plugin } });
      assert.equal(state?.severity, 'ok');
      assert.equal(state?.lastResultId, r3.id);

      // a result from an outbox, 20 minutes after its slot: late, and so is the transition it causes
      clock += 20 * MIN;
      const backlog = result({ slot: clock - 20 * MIN + 30_000, value: 99 });
      await ingest.handle('a-i1', msg(backlog));
      const row = await t.db.models.Result.findOne({ where: { resultId: backlog.id } });
      assert.equal(row?.late, true);
      const last = await t.db.models.StateTransition.findOne({ where: { hostId: ids.h1, pluginId: ids.plugin }, order: [['id', 'DESC']] });
      assert.deepEqual([last?.fromState, last?.toState, last?.late], ['ok', 'major', true]);
      // a result older than the newest one applied is stored but does not move the state
      const older = result({ slot: base - 5 * MIN, value: 1 });
      await ingest.handle('a-i1', msg(older));
      assert.equal((await t.db.models.CurrentState.findOne({ where: { hostId: ids.h1, pluginId: ids.plugin } }))?.severity, 'major');
    });

    it('uses the override that takes precedence: check > host > group > plugin default', async () => {
      const O = t.db.models.ClassifierOverride;
      await O.create({ pluginId: ids.plugin, scopeKind: 'group', groupId: ids.group, code: 'return "minor"' });
      await dispatcher.recompute();
      const g = result({}, 'a-i2');
      await ingest.handle('a-i2', msg(g));
      const h = result();
      await ingest.handle('a-i1', msg(h));
      await O.create({ pluginId: ids.plugin, scopeKind: 'host', hostId: ids.h2, code: 'return "degraded"' });
      await dispatcher.recompute();
      const host = result({}, 'a-i2');
      await ingest.handle('a-i2', msg(host));
      await O.create({ pluginId: ids.plugin, scopeKind: 'check', checkId: ids.check, code: 'return "ok"' });
      await dispatcher.recompute();
      const check = result({ value: 99 }, 'a-i2');
      await ingest.handle('a-i2', msg(check));
      const severity = async (id: string) => (await t.db.models.Result.findOne({ where: { resultId: id } }))?.severity;
      assert.equal(await severity(g.id), 'minor', 'group override');
      assert.equal(await severity(h.id), 'ok', 'plugin default for a host outside the group (value 10 ≤ 80)');
      assert.equal(await severity(host.id), 'degraded', 'host beats group');
      assert.equal(await severity(check.id), 'ok', 'check beats host, although the default would say major');
      await O.destroy({ where: { pluginId: ids.plugin } });
      await dispatcher.recompute();
    });

    it('turns a classifier error into unknown with a system-log entry naming plugin, host and reason', async () => {
      await t.db.models.ClassifierOverride.create({ pluginId: ids.plugin, scopeKind: 'host', hostId: ids.h2, code: 'this is not lua' });
      await dispatcher.recompute();
      const r = result({}, 'a-i2');
      await ingest.handle('a-i2', msg(r));
      assert.equal((await t.db.models.Result.findOne({ where: { resultId: r.id } }))?.severity, 'unknown');
      const entry = systemLog.entries.find((e) => e.component === 'classification');
      assert.equal(entry?.context.plugin, 'io.prophasis.cpu@1.0.0');
      assert.equal(entry?.context.hostId, ids.h2);
      assert.equal(entry?.context.reason, `cannot compile host:${ids.h2}`);
      await t.db.models.ClassifierOverride.destroy({ where: { pluginId: ids.plugin } });
      await dispatcher.recompute();
      const next = result({}, 'a-i2');
      await ingest.handle('a-i2', msg(next));
      assert.equal((await t.db.models.Result.findOne({ where: { resultId: next.id } }))?.severity, 'ok', 'still classifying');
    });

    it('logs refused bundles, dropped outbox results and missed slots', async () => {
      const before = systemLog.entries.length;
      await ingest.handle('a-i1', createMessage('bundle.status', { pluginId: 'io.prophasis.cpu', version: '1.0.0', sha256: 'a'.repeat(64), status: 'refused', reason: 'signature mismatch' }) as ResMessage);
      await ingest.handle('a-i1', createMessage('agent.report', { missedSlots: 3, outboxDropped: 42, outboxDepth: 1000, lastError: null }) as ResMessage);
      const entries = systemLog.entries.slice(before);
      assert.deepEqual(entries.map((e) => [e.level, e.message]), [
        ['warn', 'agent refused bundle io.prophasis.cpu@1.0.0: signature mismatch'],
        ['warn', 'agent dropped 42 results from its outbox (cap reached)'],
        ['info', 'agent skipped 3 slots that could only start past maxLateness'],
      ]);
      assert.equal(entries[1]!.context.outboxDropped, 42);
      assert.ok((await rowsOf(ids.h1)).length > 0);
    });
  });
}
