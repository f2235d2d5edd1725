import assert from 'node:assert/strict';
import { isProphasisError, silentLogger } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import { createResultStore, dayStart, DbErrors, MIGRATIONS, type Database, type Migration } from '../../src/db/index.js';
import { runMigrations } from '../../src/db/migrator.js';
import { sequelizePipelineStore, windowOf } from '../../src/pipeline/store.js';
import { dialects } from './helpers.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const BEFORE_0005 = MIGRATIONS.filter((m) => m.name < '0005');
const PARTITION_0005 = MIGRATIONS.find((m) => m.name === '0005-partition-history')!;
const dayName = (table: string, t: number) => `${table}_p${new Date(dayStart(t)).toISOString().slice(0, 10).replaceAll('-', '')}`;

for (const dialect of dialects()) {
  describe(`db migration 0005: history partitioned by day (${dialect.name})`, function () {
    this.timeout(60_000);
    const now = Date.now();
    // Rows of a database from before 0005: today, yesterday, 10 days ago, older than raw retention (30 days), and far ahead.
    const times = [now, now - DAY, now - 10 * DAY, now - 40 * DAY, now + 20 * DAY];

    async function seed(db: Database): Promise<void> {
      // Plain SQL on the tables as they are before 0005: the models have columns of later migrations (hosts.tags, 0010).
      const one = async (insert: string, select: string) => {
        await db.sequelize.query(insert);
        return Number((await db.sequelize.query<{ id: number }>(select, { type: QueryTypes.SELECT }))[0]!.id);
      };
      const hostId = await one(`INSERT INTO hosts (name, description, enrolment_state, created_at, updated_at) VALUES ('h', '', 'pending', ${now}, ${now})`, "SELECT id FROM hosts WHERE name = 'h'");
      const pluginId = await one(
        `INSERT INTO plugins (plugin_id, name, description, created_at, updated_at) VALUES ('io.prophasis.test', 'Test', '', ${now}, ${now})`,
        "SELECT id FROM plugins WHERE plugin_id = 'io.prophasis.test'",
      );
      await db.models.Result.bulkCreate(
        times.map((t, i) => ({ resultId: `r-${i}`, hostId, pluginId, measuredAt: t, receivedAt: t, value: i, resultType: 'plugin' as const, severity: 'ok' as const })),
      );
      for (const table of ['rollups_minute', 'rollups_hour']) {
        for (const t of times) {
          await db.sequelize.query(
            `INSERT INTO ${table} (host_id, plugin_id, bucket_start, value_min, value_max, value_sum, value_count) VALUES (${hostId}, ${pluginId}, ${Math.floor(t / HOUR) * HOUR}, 1, 2, 3, 2)`,
          );
        }
      }
    }

    const select = <T extends object>(db: Database, sql: string) => db.sequelize.query<T>(sql, { type: QueryTypes.SELECT });
    const snapshot = async (db: Database) => ({
      results: await select<{ id: number; result_id: string; measured_at: number; value: number }>(db, 'SELECT id, result_id, measured_at, value FROM results ORDER BY id'),
      minute: await select(db, 'SELECT * FROM rollups_minute ORDER BY bucket_start'),
      hour: await select(db, 'SELECT * FROM rollups_hour ORDER BY bucket_start'),
    });

    it('converts existing rows: every row kept, each in its day partition or the default one; the store still refuses a resend', async () => {
      const { db, cleanup } = await dialect.open(BEFORE_0005);
      try {
        await db.migrate();
        await seed(db);
        const before = await snapshot(db);
        {
          // The same database, now with every migration.
          await runMigrations(db.sequelize, MIGRATIONS, silentLogger());
          assert.deepEqual(await snapshot(db), before, 'every row, with its id, as it was');
          if (dialect.name === 'sqlite') {
            // SQLite keeps whole tables and its unique result_id.
            const indexes = (await db.sequelize.getQueryInterface().showIndex('results')) as { name: string }[];
            assert.ok(indexes.some((i) => i.name === 'results_result_id_uq'));
            return;
          }
          const where = async (table: string, column: string, t: number) =>
            (await select<{ p: string }>(db, `SELECT tableoid::regclass::text AS p FROM ${table} WHERE ${column} = ${t}`))[0]?.p;
          assert.equal(await where('results', 'measured_at', now), dayName('results', now));
          assert.equal(await where('results', 'measured_at', now - DAY), dayName('results', now - DAY));
          assert.equal(await where('results', 'measured_at', now - 10 * DAY), dayName('results', now - 10 * DAY));
          assert.equal(await where('results', 'measured_at', now - 40 * DAY), 'results_default', 'older than raw retention: left for the housekeeper');
          assert.equal(await where('results', 'measured_at', now + 20 * DAY), 'results_default', 'beyond the days ahead');
          // Hour rollups are kept 730 days: 40 days ago gets its own partition there.
          const hourOf = (t: number) => Math.floor(t / HOUR) * HOUR;
          assert.equal(await where('rollups_hour', 'bucket_start', hourOf(now - 40 * DAY)), dayName('rollups_hour', now - 40 * DAY));
          for (let d = 0; d <= 3; d++) {
            const [exists] = await select<{ n: number }>(db, `SELECT count(*)::int AS n FROM pg_class WHERE relname = '${dayName('results', now + d * DAY)}'`);
            assert.equal(exists?.n, 1, `today + ${d} has a partition`);
          }
          const [kind] = await select<{ k: string }>(db, "SELECT relkind AS k FROM pg_class WHERE relname = 'results'");
          assert.equal(kind?.k, 'p');
          const indexes = await select<{ indexname: string; indexdef: string }>(db, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'results' ORDER BY indexname");
          assert.deepEqual(indexes.map((i) => i.indexname), ['results_host_id_plugin_id_measured_at_idx', 'results_pkey', 'results_result_id_measured_at_uq']);
          const [old] = await select(db, "SELECT 1 FROM pg_class WHERE relname LIKE '%_unpartitioned'");
          assert.equal(old, undefined, 'the old tables are gone');

          // New ids continue the old sequence; a resend of a converted row is a duplicate.
          const store = createResultStore(db, { logger: silentLogger() });
          try {
            const [first] = before.results;
            const row = { hostId: 1, pluginId: 1, checkId: null, slotAt: null, receivedAt: now, value: 7, message: null, resultType: 'plugin' as const, severity: 'ok' as const, late: false };
            assert.equal(await store.insertBatch([{ ...row, resultId: first!.result_id, measuredAt: Number(first!.measured_at) }]), 0);
            // The converted rows may share now's minute (it depends on the second the test runs at).
            const bucketCount = async () =>
              Number((await select<{ c: number }>(db, `SELECT value_count AS c FROM rollups_minute WHERE bucket_start = ${Math.floor(now / 60_000) * 60_000}`))[0]?.c ?? 0);
            const countBefore = await bucketCount();
            assert.equal(await store.insertBatch([{ ...row, resultId: 'r-new', measuredAt: now }]), 1);
            const [fresh] = await select<{ id: number }>(db, "SELECT id FROM results WHERE result_id = 'r-new'");
            assert.ok(Number(fresh!.id) > Math.max(...before.results.map((r) => Number(r.id))));
            // The rollup upsert still finds its row in the partition: one bucket, counted once more.
            assert.equal(await bucketCount(), countBefore + 1);
          } finally {
            await store.close();
          }
        }
      } finally {
        await cleanup();
      }
    });

    it('a failure after the copy changes nothing: the old tables and rows stay, the migration is not recorded', async () => {
      const failing: Migration = {
        name: PARTITION_0005.name,
        async up(c) {
          await PARTITION_0005.up(c);
          throw new Error('deliberate failure after the copy');
        },
      };
      const { db, cleanup } = await dialect.open(BEFORE_0005);
      try {
        await db.migrate();
        await seed(db);
        const before = await snapshot(db);
        await assert.rejects(runMigrations(db.sequelize, [...BEFORE_0005, failing], silentLogger()), (err: unknown) => {
          assert.ok(isProphasisError(err, DbErrors.MIGRATION_FAILED));
          assert.match((err as Error).message, /0005-partition-history: deliberate failure after the copy/);
          return true;
        });
        assert.deepEqual(await snapshot(db), before);
        const [recorded] = await select(db, "SELECT name FROM schema_migrations WHERE name = '0005-partition-history'");
        assert.equal(recorded, undefined);
        if (dialect.name === 'postgres') {
          const [kind] = await select<{ k: string }>(db, "SELECT relkind AS k FROM pg_class WHERE relname = 'results'");
          assert.equal(kind?.k, 'r', 'still a plain table');
          assert.deepEqual(await select(db, "SELECT relname FROM pg_class WHERE relname ~ '^(results|rollups_minute|rollups_hour)_(p[0-9]{8}|default|unpartitioned)$'"), []);
          const [unique] = await select(db, "SELECT 1 FROM pg_indexes WHERE indexname = 'results_result_id_uq'");
          assert.ok(unique, 'the unique result_id index is back');
        }
      } finally {
        await cleanup();
      }
    });
  });

  describe(`result lookups by id name their days (${dialect.name})`, function () {
    this.timeout(60_000);
    it('existingIds and deleteResults with a measured-time window find and delete the same rows, and on PostgreSQL search only its days', async () => {
      const { db, cleanup } = await dialect.open();
      try {
        await db.migrate();
        const now = Date.now();
        const store = createResultStore(db, { logger: silentLogger() });
        const row = (id: string, t: number) => ({ resultId: id, hostId: 1, pluginId: 1, checkId: null, slotAt: t, measuredAt: t, receivedAt: t, value: 1, message: null, resultType: 'plugin' as const, severity: 'ok' as const, late: false });
        assert.equal(await store.insertBatch([row('today', now), row('tomorrow', now + DAY), row('gone', now + 2 * DAY)]), 3);
        await store.close();
        const pipeline = sequelizePipelineStore(db);
        const ids = ['today', 'tomorrow', 'gone', 'never'];
        const window = windowOf([now, now + DAY])!;
        assert.deepEqual(window, { from: now, to: now + DAY });
        assert.equal(windowOf([]), undefined);
        assert.deepEqual([...(await pipeline.existingIds(ids))].sort(), ['gone', 'today', 'tomorrow']);
        assert.deepEqual([...(await pipeline.existingIds(ids, window))].sort(), ['today', 'tomorrow']);
        if (dialect.name === 'postgres') {
          const [plan] = await db.sequelize.query<{ 'QUERY PLAN': unknown }>(
            `EXPLAIN (FORMAT JSON) SELECT result_id FROM results WHERE result_id = ANY(ARRAY['today']) AND measured_at BETWEEN ${window.from} AND ${window.to}`,
            { type: QueryTypes.SELECT },
          );
          const scanned = [...JSON.stringify(plan).matchAll(/"Relation Name":"([^"]+)"/g)].map((m) => m[1]).sort();
          assert.deepEqual(scanned, [dayName('results', now), dayName('results', now + DAY)].sort(), 'only the partitions of the window');
        }
        assert.equal(await pipeline.deleteResults(['today', 'gone'], { from: now, to: now }), 1);
        assert.deepEqual([...(await pipeline.existingIds(ids))].sort(), ['gone', 'tomorrow']);
      } finally {
        await cleanup();
      }
    });
  });
}
