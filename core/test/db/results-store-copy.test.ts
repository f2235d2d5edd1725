import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import { createResultStore, type Database, type ResultRow } from '../../src/db/index.js';
import { dialects } from './helpers.js';

// PostgreSQL stores a batch with COPY into a staging table, then one statement moves it into
// results and rollups, in one transaction (docs/pipeline.md, "Storing"; issue 16). A failure
// between the COPY and the commit — the statement failing, the connection killed — must lose
// nothing and repeat nothing: the agent's resend stores every result once, rollups counted once.

for (const dialect of dialects().filter((d) => d.name === 'postgres')) {
  describe('db result store: PostgreSQL COPY', function () {
    this.timeout(60_000);
    let db: Database;
    let cleanup: () => Promise<void>;
    let hostId: number;
    let pluginId: number;
    let seq = 0;
    const t0 = Date.UTC(2026, 0, 1, 12);

    const row = (i: number, over: Partial<ResultRow> = {}): ResultRow => ({
      resultId: `copy-${++seq}`,
      hostId,
      pluginId,
      checkId: null,
      slotAt: t0 + i * 1000,
      measuredAt: t0 + i * 1000,
      receivedAt: t0 + i * 1000 + 5,
      value: i,
      message: null,
      resultType: 'plugin',
      severity: 'ok',
      late: false,
      ...over,
    });
    const counts = async () => {
      const [r] = await db.sequelize.query<{ n: string; rn: string; rc: string }>(
        `SELECT (SELECT count(*) FROM results) AS n, (SELECT count(*) FROM rollups_minute) AS rn,
                (SELECT coalesce(sum(value_count), 0) FROM rollups_minute) AS rc`,
        { type: QueryTypes.SELECT },
      );
      return { results: Number(r!.n), rollupRows: Number(r!.rn), rolledUp: Number(r!.rc) };
    };

    beforeEach(async () => {
      ({ db, cleanup } = await dialect.open());
      await db.migrate();
      hostId = (await db.models.Host.create({ name: 'h' })).id;
      pluginId = (await db.models.Plugin.create({ pluginId: 'io.prophasis.test', name: 'Test' })).id;
    });
    afterEach(() => cleanup());

    it('a failure between COPY and commit stores nothing; the resend stores each result once', async () => {
      let fail = true;
      const store = createResultStore(db, {
        logger: silentLogger(),
        afterCopy: async () => {
          if (fail) throw new Error('crash after COPY');
        },
      });
      const batch = Array.from({ length: 150 }, (_, i) => row(i));
      await assert.rejects(store.insertBatch(batch), /crash after COPY/);
      assert.deepEqual(await counts(), { results: 0, rollupRows: 0, rolledUp: 0 });
      fail = false;
      assert.equal(await store.insertBatch(batch), 150);
      // The resend of a batch that did commit (its PUBACK lost) repeats nothing either.
      assert.equal(await store.insertBatch(batch), 0);
      const c = await counts();
      assert.equal(c.results, 150);
      assert.equal(c.rolledUp, 150, 'every result counted once in the rollups');
      await store.close();
    });

    it('the connection killed between COPY and commit: nothing stored, the pool heals, the resend stores once', async () => {
      let kill = true;
      const store = createResultStore(db, {
        logger: silentLogger(),
        afterCopy: async () => {
          if (!kill) return;
          kill = false;
          // Another connection ends the backend that holds the open transaction with the COPY.
          await db.sequelize.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`,
          );
        },
      });
      const batch = Array.from({ length: 40 }, (_, i) => row(i));
      await assert.rejects(store.insertBatch(batch));
      assert.deepEqual(await counts(), { results: 0, rollupRows: 0, rolledUp: 0 });
      assert.equal(await store.insertBatch(batch), 40);
      assert.equal((await counts()).rolledUp, 40);
      await store.close();
    });

    it('duplicates inside a batch and across batches are ignored; text round-trips through COPY exactly', async () => {
      const store = createResultStore(db, { logger: silentLogger() });
      const texts = ['tab\there', 'line\nbreak', 'cr\rhere', 'back\\slash', '\\N', '\\.', 'ünïcødé ✓', '', 'end\\'];
      const batch = texts.map((message, i) => row(i, { message, late: i % 2 === 0, value: i % 3 === 0 ? null : i + 0.25, checkId: null, slotAt: i % 4 === 0 ? null : t0 + i }));
      assert.equal(await store.insertBatch([...batch, { ...batch[0]!, value: 99 }]), texts.length);
      assert.equal(await store.insertBatch(batch.slice(0, 3)), 0);
      const stored = await db.sequelize.query<{ result_id: string; message: string; late: boolean; value: number | null; slot_at: string | null }>(
        'SELECT result_id, message, late, value, slot_at FROM results ORDER BY measured_at',
        { type: QueryTypes.SELECT },
      );
      assert.deepEqual(
        stored.map((r) => [r.result_id, r.message, r.late, r.value, r.slot_at === null ? null : Number(r.slot_at)]),
        batch.map((r) => [r.resultId, r.message, r.late, r.value, r.slotAt]),
      );
      const c = await counts();
      assert.equal(c.rolledUp, batch.filter((r) => r.value !== null).length);
      await store.close();
    });
  });
}
