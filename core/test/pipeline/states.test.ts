import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { sequelizePipelineStore, type PipelineStore, type StateRow, type TransitionRow } from '../../src/pipeline/store.js';
import { createStateTracker } from '../../src/pipeline/states.js';
import { dialects, openDb, seeder } from './helpers.js';

function memoryStore(initial: StateRow[] = []) {
  const written: { states: StateRow[]; transitions: TransitionRow[] }[] = [];
  let failing = false;
  const store: PipelineStore = {
    existingIds: async () => new Set(),
    loadWindows: async () => new Map(),
    deleteResults: async () => 0,
    loadStates: async () => initial,
    async persistStates(states, transitions) {
      if (failing) throw new Error('database unavailable');
      written.push({ states: [...states], transitions: [...transitions] });
    },
  };
  return { store, written, fail: (f: boolean) => (failing = f) };
}

const obs = (pluginRowId: number, severity: 'ok' | 'major' | 'minor' | 'no_data', t: number, late = false) => ({ hostId: 1, pluginRowId, severity, t, resultId: `r${t}`, late });

describe('state tracker', () => {
  it("makes a host's severity the worst of its plugins' and of its reachability, with transitions", async () => {
    const m = memoryStore([{ hostId: 1, pluginRowId: 7, severity: 'ok', since: 100, lastResultId: 'r100' }]);
    const states = createStateTracker({ store: m.store, logger: silentLogger() });
    await states.start();
    assert.equal(states.hostSeverity(1), 'ok');
    assert.deepEqual(states.apply(obs(8, 'minor', 200)).map((x) => [x.pluginRowId, x.from, x.to]), [
      [8, 'no_data', 'minor'],
      [null, 'ok', 'minor'],
    ]);
    assert.deepEqual(states.apply(obs(7, 'ok', 300)), [], 'no change, no transition');
    assert.deepEqual(states.setReachable(1, false, 400).map((x) => [x.from, x.to]), [['minor', 'major']]);
    assert.deepEqual(states.setReachable(1, false, 401), [], 'already unreachable');
    assert.deepEqual(states.setReachable(1, true, 500).map((x) => [x.from, x.to]), [['major', 'minor']]);
    assert.deepEqual(states.apply(obs(8, 'ok', 150)), [], 'older than the state: ignored');
    assert.deepEqual(states.apply(obs(8, 'ok', 600, true)).map((x) => [x.from, x.to, x.late]), [
      ['minor', 'ok', true],
      ['minor', 'ok', true],
    ]);
    await states.persist();
    assert.equal(m.written.length, 1);
    assert.deepEqual(m.written[0]!.states.map((s) => [s.pluginRowId, s.severity, s.since]), [[8, 'ok', 600]]);
    assert.equal(m.written[0]!.transitions.length, 6);
  });

  it('keeps unwritten states and transitions when the database fails, and writes them with the next call', async () => {
    const m = memoryStore();
    const states = createStateTracker({ store: m.store, logger: silentLogger() });
    await states.start([1]);
    assert.equal(states.hostSeverity(1), 'major', 'unreachable at start');
    states.apply(obs(7, 'ok', 100));
    m.fail(true);
    await assert.rejects(states.persist(), /database unavailable/);
    states.apply(obs(7, 'minor', 200));
    m.fail(false);
    await states.persist();
    assert.deepEqual(m.written[0]!.states.map((s) => s.severity), ['minor']);
    assert.deepEqual(m.written[0]!.transitions.map((t) => `${t.pluginRowId}:${t.from}→${t.to}`), ['7:no_data→ok', '7:ok→minor']);
  });
});

for (const dialect of dialects()) {
  describe(`state store (${dialect})`, () => {
    it('drops the rows of a host deleted meanwhile and writes the others', async () => {
      const t = await openDb(dialect);
      try {
        const s = seeder(t.db);
        const host = await s.host('st');
        const { plugin } = await s.plugin('io.prophasis.st');
        const store = sequelizePipelineStore(t.db);
        await store.persistStates(
          [
            { hostId: host.id, pluginRowId: plugin.id, severity: 'ok', since: 1, lastResultId: 'a' },
            { hostId: 999_999, pluginRowId: plugin.id, severity: 'ok', since: 1, lastResultId: 'b' },
          ],
          [{ hostId: host.id, pluginRowId: plugin.id, from: 'no_data', to: 'ok', at: 1, late: false }],
        );
        assert.deepEqual((await store.loadStates()).map((r) => r.hostId), [host.id]);
        assert.equal(await t.db.models.StateTransition.count(), 1);
      } finally {
        await t.cleanup();
      }
    });
  });
}
