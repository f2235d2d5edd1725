import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import { createResultStore, HOUR_MS, MINUTE_MS, type Database, type ResultRow, type ResultStore } from '../../src/db/index.js';
import { dialects } from './helpers.js';

const DAY = 86_400_000;

for (const dialect of dialects()) {
  describe(`db result store (${dialect.name})`, function () {
    let db: Database;
    let cleanup: () => Promise<void>;
    let store: ResultStore;
    let hostId: number;
    let pluginId: number;
    let seq = 0;

    const row = (measuredAt: number, value: number | null, over: Partial<ResultRow> = {}): ResultRow => ({
      resultId: `r-${++seq}`,
      hostId,
      pluginId,
      checkId: null,
      slotAt: measuredAt,
      measuredAt,
      receivedAt: measuredAt + 10,
      value,
      message: null,
      resultType: 'plugin',
      severity: 'ok',
      late: false,
      ...over,
    });

    beforeEach(async () => {
      ({ db, cleanup } = await dialect.open());
      await db.migrate();
      hostId = (await db.models.Host.create({ name: 'h' })).id;
      pluginId = (await db.models.Plugin.create({ pluginId: 'io.prophasis.test', name: 'Test' })).id;
      store = createResultStore(db, { logger: silentLogger() });
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    if (dialect.name === 'sqlite') {
      it('SQLite: a batch waits for a write transaction of the other connection that lasts seconds, instead of failing with SQLITE_BUSY', async function () {
        this.timeout(30_000);
        // Under load a transaction of the core's main connection (states, alerting) can hold the
        // one write lock for seconds while its JavaScript waits for the event loop; the soak
        // bench saw SQLITE_BUSY after 5 s, which failed a batch of a few hundred agents' results.
        let stored: number | Error | undefined;
        await db.sequelize.transaction(async (transaction) => {
          await db.models.SystemLog.create({ at: Date.now(), level: 'info', component: 'test', message: 'holding the write lock' }, { transaction });
          void store.insertBatch([row(Date.UTC(2026, 0, 1, 12), 1)]).then(
            (n) => (stored = n),
            (err: Error) => (stored = err),
          );
          await new Promise((r) => setTimeout(r, 7_000));
          assert.equal(stored, undefined, 'the batch waits while the lock is held');
        });
        const deadline = Date.now() + 10_000;
        while (stored === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.equal(stored, 1, `the batch is stored once the lock is free (${String(stored)})`);
      });
    }

    it('stores a batch once: duplicates inside the batch and across batches are ignored', async () => {
      const t = Date.UTC(2026, 0, 1, 12);
      const batch = [row(t, 1), row(t + 1000, 2), row(t + 2000, null, { message: 'no value', resultType: 'connection_error' })];
      const withDuplicate = [...batch, { ...batch[0]!, value: 99 }];
      assert.equal(await store.insertBatch(withDuplicate), 3);
      assert.equal(await store.insertBatch(batch), 0);
      assert.equal(await store.insertBatch([...batch, row(t + 3000, 4)]), 1);
      const stored = await db.models.Result.findAll({ order: [['measuredAt', 'ASC']] });
      assert.deepEqual(stored.map((r) => r.value), [1, 2, null, 4]);
      assert.equal(typeof stored[0]!.id, 'number');
      assert.equal(stored[0]!.measuredAt, t);
      assert.equal(stored[2]!.resultType, 'connection_error');
      assert.equal(stored[0]!.late, false);
      // Rollups count each stored value once: the duplicate value 99 never reached them.
      const minute = await db.models.RollupMinute.findAll();
      assert.deepEqual(
        minute.map((m) => m.toJSON()),
        [{ hostId, pluginId, bucketStart: t, valueMin: 1, valueMax: 4, valueSum: 7, valueCount: 3 }],
      );
      assert.equal(await store.insertBatch([]), 0);
    });

    it('maintains minute and hour rollups (min/max/avg/count) across batches', async () => {
      const hour = Date.UTC(2026, 0, 1, 10);
      await store.insertBatch([row(hour + 5_000, 10), row(hour + 30_000, 20), row(hour + MINUTE_MS + 1, 3)]);
      await store.insertBatch([row(hour + 59_999, -5), row(hour + HOUR_MS + 7, 100)]);
      const minute = (await db.models.RollupMinute.findAll({ order: [['bucketStart', 'ASC']] })).map((m) => m.toJSON());
      assert.deepEqual(
        minute.map(({ bucketStart, valueMin, valueMax, valueSum, valueCount }) => [bucketStart - hour, valueMin, valueMax, valueSum, valueCount]),
        [
          [0, -5, 20, 25, 3],
          [MINUTE_MS, 3, 3, 3, 1],
          [HOUR_MS, 100, 100, 100, 1],
        ],
      );
      const hourly = (await db.models.RollupHour.findAll({ order: [['bucketStart', 'ASC']] })).map((m) => m.toJSON());
      assert.deepEqual(
        hourly.map(({ bucketStart, valueMin, valueMax, valueSum, valueCount }) => [bucketStart - hour, valueMin, valueMax, valueSum, valueCount]),
        [
          [0, -5, 20, 28, 4],
          [HOUR_MS, 100, 100, 100, 1],
        ],
      );
      const series = await store.querySeries(hostId, pluginId, hour, hour + 2 * HOUR_MS, 2);
      assert.equal(series.resolution, 'hour');
      assert.deepEqual(series.points, [
        { t: hour, avg: 7, min: -5, max: 20, count: 4 },
        { t: hour + HOUR_MS, avg: 100, min: 100, max: 100, count: 1 },
      ]);
    });

    it('picks raw, minute or hour resolution by the number of points', async () => {
      const now = Date.now();
      const start = Math.floor((now - 3 * DAY) / HOUR_MS) * HOUR_MS;
      // One value every 30 s for three days: 8,640 raw values, 4,320 minutes, 72 hours.
      const rows: ResultRow[] = [];
      for (let t = start; t < start + 3 * DAY; t += 30_000) rows.push(row(t, (t / 30_000) % 100));
      for (let i = 0; i < rows.length; i += 2_000) await store.insertBatch(rows.slice(i, i + 2_000));

      const raw = await store.querySeries(hostId, pluginId, start, start + 4 * HOUR_MS, 1_000);
      assert.equal(raw.resolution, 'raw');
      assert.equal(raw.points.length, 480);
      assert.deepEqual(raw.points[0], { t: start, avg: rows[0]!.value, min: rows[0]!.value, max: rows[0]!.value, count: 1 });

      const minute = await store.querySeries(hostId, pluginId, start, start + 12 * HOUR_MS, 1_000);
      assert.equal(minute.resolution, 'minute');
      assert.equal(minute.bucketMs, MINUTE_MS);
      assert.equal(minute.points.length, 720);
      assert.ok(minute.points.every((p) => p.count === 2));

      const merged = await store.querySeries(hostId, pluginId, start, start + 2 * DAY, 1_000);
      assert.equal(merged.resolution, 'minute');
      assert.equal(merged.bucketMs, 3 * MINUTE_MS);
      assert.ok(merged.points.length <= 1_000 && merged.points.length >= 950, String(merged.points.length));
      assert.equal(merged.points.reduce((n, p) => n + p.count, 0), 2 * DAY / 30_000);

      // 4,320 minutes > 4 × 1,000: hour rollups.
      const hourly = await store.querySeries(hostId, pluginId, start, start + 3 * DAY, 1_000);
      assert.equal(hourly.resolution, 'hour');
      assert.equal(hourly.bucketMs, HOUR_MS);
      assert.equal(hourly.points.length, 72);
      assert.equal(hourly.points.reduce((n, p) => n + p.count, 0), rows.length);
      const all = rows.map((r) => r.value as number);
      assert.equal(Math.min(...hourly.points.map((p) => p.min)), Math.min(...all));
      assert.equal(Math.max(...hourly.points.map((p) => p.max)), Math.max(...all));

      // An empty range is an empty raw series, not an error.
      assert.deepEqual(await store.querySeries(hostId, pluginId, now + DAY, now + 2 * DAY), { resolution: 'raw', bucketMs: 0, points: [] });
    });

    it('deletes rows older than a cutoff in bounded chunks, and stops between chunks once aborted', async () => {
      const now = Date.UTC(2026, 5, 1);
      await db.models.SystemLog.bulkCreate([
        ...Array.from({ length: 25 }, (_, i) => ({ at: now - DAY - i, level: 'info' as const, component: 'test', message: `old ${i}` })),
        { at: now, level: 'info', component: 'test', message: 'at the cutoff' },
        { at: now + 1, level: 'info', component: 'test', message: 'new' },
      ]);
      const target = { table: 'system_log', columns: ['at'], key: 'id' } as const;
      // Aborted before it starts: nothing goes.
      const aborted = new AbortController();
      aborted.abort();
      assert.equal(await store.deleteOlder(target, now, { chunkRows: 10, signal: aborted.signal }), 0);
      assert.equal(await db.models.SystemLog.count(), 27);
      // 25 old rows in chunks of 10: 10 + 10 + 5; rows at or after the cutoff stay.
      assert.equal(await store.deleteOlder(target, now, { chunkRows: 10 }), 25);
      assert.deepEqual((await db.models.SystemLog.findAll({ order: [['at', 'ASC']] })).map((l) => l.message), ['at the cutoff', 'new']);
      assert.equal(await store.deleteOlder(target, now), 0, 'nothing left: a second run is a no-op');

      // A table without an id column (rollups) is trimmed by physical row, every column below the cutoff.
      await store.insertBatch([row(now - 2 * DAY, 1), row(now + HOUR_MS, 2)]);
      const rollups = dialect.name === 'postgres' ? 'rollups_minute_default' : 'rollups_minute';
      assert.equal(await store.deleteOlder({ table: rollups, columns: ['bucket_start'], key: 'row' }, now, { chunkRows: 1 }), 1);
      assert.deepEqual((await db.models.RollupMinute.findAll()).map((m) => m.bucketStart), [now + HOUR_MS]);
    });

    it('concurrent batches with overlapping ids store every result once and count it once', async () => {
      const t = Date.UTC(2026, 0, 1, 8);
      const rows = Array.from({ length: 400 }, (_, i) => row(t + i * 1000, i));
      // Four overlapping batches in flight at once: 0-199, 100-299, 200-399, 0-399.
      const counts = await Promise.all([
        store.insertBatch(rows.slice(0, 200)),
        store.insertBatch(rows.slice(100, 300)),
        store.insertBatch(rows.slice(200, 400)),
        store.insertBatch(rows),
      ]);
      assert.equal(counts.reduce((a, b) => a + b, 0), 400);
      assert.equal(await db.models.Result.count(), 400);
      const hourly = await db.models.RollupHour.findAll();
      assert.equal(hourly.reduce((n, h) => n + h.valueCount, 0), 400);
      assert.equal(hourly.reduce((n, h) => n + h.valueSum, 0), (399 * 400) / 2);
    });

    it('rollup rows updated by many batches, many series and retransmissions stay exact', async () => {
      // The bench's shape in small: several hosts, one value per 10-s slot, each batch a few
      // slots of every host, so every batch updates rows written by earlier ones (on PostgreSQL
      // mostly as HOT updates into the rollup pages' free space, migration 0002).
      const hosts = [hostId, ...(await Promise.all([1, 2, 3].map(async (i) => (await db.models.Host.create({ name: `h${i}` })).id)))];
      const start = Date.UTC(2026, 0, 1, 6);
      const expected = new Map<string, { min: number; max: number; sum: number; count: number }>();
      const note = (table: string, h: number, bucket: number, v: number) => {
        const key = `${table}:${h}:${bucket}`;
        const e = expected.get(key);
        if (!e) expected.set(key, { min: v, max: v, sum: v, count: 1 });
        else Object.assign(e, { min: Math.min(e.min, v), max: Math.max(e.max, v), sum: e.sum + v, count: e.count + 1 });
      };
      let stored = 0;
      for (let b = 0; b < 60; b++) {
        const batch: ResultRow[] = [];
        for (let slot = b * 3; slot < b * 3 + 3; slot++) {
          for (const h of hosts) {
            const t = start + slot * 10_000;
            const v = (slot * 7 + h) % 23;
            batch.push(row(t, v, { hostId: h, resultId: `x-${h}-${t}` }));
            note('m', h, Math.floor(t / MINUTE_MS) * MINUTE_MS, v);
            note('h', h, Math.floor(t / HOUR_MS) * HOUR_MS, v);
          }
        }
        stored += await store.insertBatch(batch);
        // The previous batch again (an agent that missed the acknowledgement): nothing new.
        if (b % 10 === 9) assert.equal(await store.insertBatch(batch), 0);
      }
      assert.equal(stored, 60 * 3 * hosts.length);
      assert.equal(await db.models.Result.count(), stored);
      const actual = new Map<string, { min: number; max: number; sum: number; count: number }>();
      for (const [prefix, model] of [['m', db.models.RollupMinute], ['h', db.models.RollupHour]] as const) {
        for (const r of await model.findAll()) {
          actual.set(`${prefix}:${r.hostId}:${r.bucketStart}`, { min: r.valueMin, max: r.valueMax, sum: r.valueSum, count: r.valueCount });
        }
      }
      assert.deepEqual(actual, expected);
    });

    it('stores all of a batch or nothing: one invalid row rolls the batch back', async () => {
      const t = Date.UTC(2026, 0, 1);
      const bad = row(t, 2, { measuredAt: null as unknown as number });
      await assert.rejects(store.insertBatch([row(t, 1), bad]), /NOT NULL|null value/i);
      assert.equal(await db.models.Result.count(), 0);
      assert.equal(await db.models.RollupMinute.count(), 0);
      // Still healthy: the same good row goes in afterwards.
      assert.equal(await store.insertBatch([row(t, 1)]), 1);
    });
  });
}
