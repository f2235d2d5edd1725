import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import { CLASSIFICATION_DEFAULTS } from '../../src/classification/config.js';
import { createClassificationEngine, type ClassificationEngine } from '../../src/classification/index.js';
import { runClassifierHistory } from '../../src/classification/history.js';
import type { Database } from '../../src/db/index.js';
import { DIALECTS, openTestDatabase } from '../db/helpers.js';
import { seeder } from '../pipeline/helpers.js';

export const CPU = `
  local peak = arrayMax(values)
  if peak > 90 then return "major" end
  if peak > 75 then return "minor" end
  return "ok"`;

const T0 = 1_700_000_000_000;
const SLOT = 60_000;

/**
 * One result before the range (99) and eight in it. Slot 4 (85) was delivered late: measured after
 * slot 5, so only slot order gives the windows below. With n = 3 and the CPU classifier:
 * [99,10] major, [99,10,20] major, [10,20,30] ok, [20,30,85] minor, [30,85,10] minor,
 * [85,10,10] minor, [10,10,10] ok, [10,10,95] major → 4 transitions.
 */
export const SEEDED = [10, 20, 30, 85, 10, 10, 10, 95];
export const EXPECTED = ['major', 'major', 'ok', 'minor', 'minor', 'minor', 'ok', 'major'];
export const RANGE = { from: T0, to: T0 + (SEEDED.length + 2) * SLOT };

/** Seeds a host, a plugin (history 3) and its results; returns their ids. */
export async function seedHistory(db: Database, pluginId = 'io.prophasis.cpu-load'): Promise<{ hostId: number; pluginRowId: number; checkId: number }> {
  const seed = seeder(db);
  const host = await seed.host('web-1');
  const { plugin } = await seed.plugin(pluginId, { history: 3, classifier: CPU });
  const check = await seed.check('cpu', { hosts: [host.id], plugins: [{ id: plugin.id, params: { limit: 50 } }] });
  const rows = [{ slot: T0 - SLOT, measured: T0 - SLOT, value: 99 }];
  SEEDED.forEach((value, i) => {
    const slot = T0 + (i + 1) * SLOT;
    rows.push({ slot, measured: i === 3 ? slot + SLOT + 5_000 : slot + 1_000, value });
  });
  await db.models.Result.bulkCreate(
    rows.map((r, i) => ({
      resultId: `r-${pluginId}-${i}`,
      hostId: host.id,
      pluginId: plugin.id,
      checkId: check.id,
      slotAt: r.slot,
      measuredAt: r.measured,
      receivedAt: r.measured,
      value: r.value,
      message: `m${i}`,
      resultType: 'plugin' as const,
      severity: 'ok' as const,
    })),
  );
  return { hostId: host.id, pluginRowId: plugin.id, checkId: check.id };
}

describe('classifier history run', function () {
  this.timeout(60_000);
  let engine: ClassificationEngine;
  before(async () => {
    engine = createClassificationEngine({ ...CLASSIFICATION_DEFAULTS, workers: 1 }, { logger: silentLogger() });
    await engine.start();
  });
  after(() => engine.stop());

  for (const dialect of DIALECTS) {
    describe(dialect, () => {
      let db: Database;
      let close: () => Promise<void>;
      let ids: Awaited<ReturnType<typeof seedHistory>>;
      before(async () => {
        ({ db, cleanup: close } = await openTestDatabase(dialect, { prefix: 'prophasis_test_ch' }));
        ids = await seedHistory(db);
      });
      after(() => close());

      const run = (code: string, extra: Partial<Parameters<typeof runClassifierHistory>[2]> = {}) =>
        runClassifierHistory(db, engine, { code, hostId: ids.hostId, pluginRowId: ids.pluginRowId, historyCount: 3, ...RANGE, ...extra });

      it('classifies in slot order with a sliding window reaching back before the range', async () => {
        const out = await run(CPU);
        assert.deepEqual(out.points.map((p) => p.severity), EXPECTED);
        assert.deepEqual(out.points.map((p) => p.value), SEEDED);
        assert.equal(out.transitionCount, 4);
        assert.deepEqual(out.transitions.map((t) => `${t.from}>${t.to}`), ['major>ok', 'ok>minor', 'minor>ok', 'ok>major']);
        assert.equal(out.transitions[0]!.at, out.points[2]!.at);
        assert.deepEqual(out.counts, { major: 3, ok: 2, minor: 3 });
        assert.equal(out.errors, 0);
        assert.equal(out.capped, false);
        assert.equal(out.historyCount, 3);
      });

      it('makes a runtime error an unknown point with its reason, and counts it', async () => {
        const out = await run('if values[values.n] == 10 then error("ten is bad") end return "ok"');
        assert.equal(out.errors, 4);
        assert.equal(out.counts.unknown, 4);
        const bad = out.points.filter((p) => p.error);
        assert.ok(bad.every((p) => p.severity === 'unknown' && p.error!.kind === 'runtime' && /ten is bad/.test(p.error!.message)));
        assert.equal(out.points[1]!.severity, 'ok');
      });

      it("passes each result's check parameters unless the run gives its own", async () => {
        const code = 'if arrayLast(values) > params.limit then return "minor" end return "ok"';
        const own = await run(code);
        assert.deepEqual(own.points.map((p) => p.severity), SEEDED.map((v) => (v > 50 ? 'minor' : 'ok')));
        const given = await run(code, { params: { limit: 90 } });
        assert.deepEqual(given.points.map((p) => p.severity), SEEDED.map((v) => (v > 90 ? 'minor' : 'ok')));
      });

      it('caps the number of results and says so', async () => {
        const out = await run(CPU, { limit: 5 });
        assert.equal(out.capped, true);
        assert.equal(out.points.length, 5);
        const empty = await run(CPU, { from: T0 - 10 * SLOT, to: T0 - 5 * SLOT });
        assert.deepEqual({ points: empty.points.length, transitions: empty.transitionCount, capped: empty.capped }, { points: 0, transitions: 0, capped: false });
      });
    });
  }
});
