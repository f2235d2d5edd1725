/**
 * Storage benchmark (issue 4, docs/performance.md):
 *
 *   npm run bench -- storage [--db sqlite|postgres|both] [--seconds N] [--hosts 1000] [--batch 1000]
 *                            [--concurrency 4] [--queries 50] [--pg-url URL]
 *
 * For each database: inserts results in batches through the result store for a bounded time
 * (rows/s, batch latency), then seeds 30 days of HOUR rollups for every host directly in SQL
 * (raw seeding of 30 days × 1,000 hosts would take far longer than the bench may run; the
 * 30-day graph reads only hour rollups, see docs/storage.md) and times 30-day graph queries
 * for random hosts. It also reports the disk used per stored result (table, indexes and the
 * rollups it fed). PostgreSQL runs in its own throwaway database `prophasis_test_db_<random>`
 * (from PROPHASIS_TEST_POSTGRES_URL or --pg-url), dropped at the end; SQLite in a temp dir.
 * Prints one JSON object on its last line.
 */
import { silentLogger } from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequelize } from 'sequelize';
import { createDatabase, createDayPartition, createResultStore, dayStart, isPartitioned, sqlIn, type Database, type ResultRow } from '../core/src/db/index.js';
import { benchArgs, printFigures, rssMiB, refuse } from './_args.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

const args = benchArgs({
  db: '',
  seconds: 20,
  hosts: 1000,
  batch: 1000,
  queries: 50,
  concurrency: 4,
  'pg-url': process.env.PROPHASIS_TEST_POSTGRES_URL ?? '',
});
const pgUrl = args['pg-url'];
const which = args.db || (pgUrl ? 'both' : 'sqlite');
if (!['sqlite', 'postgres', 'both'].includes(which)) refuse(`--db must be sqlite, postgres or both, not ${which}`);
if (which !== 'sqlite' && !pgUrl) refuse('PostgreSQL needs PROPHASIS_TEST_POSTGRES_URL or --pg-url');
const dialects = which === 'both' ? (['sqlite', 'postgres'] as const) : ([which as 'sqlite' | 'postgres'] as const);
const { seconds, hosts, batch: batchSize, queries, concurrency } = args;
// The insert phases share the time bound; seeding and queries take a few seconds more.
const insertMs = (seconds * 1000 * 0.6) / dialects.length;

interface Opened {
  db: Database;
  cleanup(): Promise<void>;
}

async function open(dialect: 'sqlite' | 'postgres'): Promise<Opened> {
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'prophasis-bench-storage-'));
    const db = await createDatabase({ url: '', sqlitePath: join(dir, 'bench.sqlite') }, { logger: silentLogger() });
    return { db, cleanup: async () => (await db.close(), await rm(dir, { recursive: true, force: true })) };
  }
  const name = `prophasis_test_db_${randomBytes(6).toString('hex')}`;
  const admin = new Sequelize(pgUrl, { logging: false, dialect: 'postgres' });
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
  };
  try {
    const db = await createDatabase({ url: url.toString(), sqlitePath: '' }, { logger: silentLogger() });
    return { db, cleanup: async () => (await db.close(), await drop()) };
  } catch (err) {
    await drop();
    throw err;
  }
}

/**
 * Bytes the database uses for results and their rollups: on PostgreSQL the three tables with
 * their indexes and TOAST; on SQLite the used pages of the whole file (its other tables hold
 * the bench's 1,000 hosts and one plugin, a few pages).
 */
async function storageBytes(db: Database, dialect: 'sqlite' | 'postgres'): Promise<number> {
  if (dialect === 'postgres') {
    const [row] = (
      await db.sequelize.query(
        // Summed over the partitions (migration 0005): a partitioned table itself has no storage.
        `SELECT sum(pg_total_relation_size(t.relid)) AS bytes FROM unnest(ARRAY['results', 'rollups_minute', 'rollups_hour']) AS n,
         LATERAL pg_partition_tree(n::regclass) AS t`,
      )
    )[0] as { bytes: string }[];
    return Number(row?.bytes);
  }
  const pragma = async (name: string): Promise<number> => {
    const [row] = (await db.sequelize.query(`PRAGMA ${name}`))[0] as Record<string, number>[];
    return Number(Object.values(row ?? {})[0]);
  };
  return ((await pragma('page_count')) - (await pragma('freelist_count'))) * (await pragma('page_size'));
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function run(dialect: 'sqlite' | 'postgres'): Promise<Record<string, number>> {
  const { db, cleanup } = await open(dialect);
  try {
    await db.migrate();
    const now = Date.now();
    const hostIds = (
      await db.models.Host.bulkCreate(Array.from({ length: hosts }, (_, i) => ({ name: `host-${i}` })), { returning: true })
    ).map((h) => h.id);
    const pluginId = (await db.models.Plugin.create({ pluginId: 'io.prophasis.bench', name: 'Bench' })).id;
    const store = createResultStore(db, { logger: silentLogger() });

    // Insert: `concurrency` writers, like the ingest handling several agents' messages at once.
    // Each owns a disjoint share of the hosts (as agents do) and sends batches of consecutive
    // 10-s slots for its hosts, newest first; every batch touches minute and hour rollup rows.
    const latencies: number[] = [];
    let rows = 0;
    const started = performance.now();
    const share = Math.ceil(hostIds.length / concurrency);
    const writer = async (w: number): Promise<void> => {
      const mine = hostIds.slice(w * share, (w + 1) * share);
      let n = 0;
      while (performance.now() - started < insertMs) {
        const batch: ResultRow[] = [];
        for (let i = 0; i < batchSize; i++, n++) {
          const hostId = mine[n % mine.length] as number;
          const measuredAt = now - Math.floor(n / mine.length) * 10_000;
          batch.push({
            resultId: `r-${hostId}-${measuredAt}`,
            hostId,
            pluginId,
            checkId: null,
            slotAt: measuredAt,
            measuredAt,
            receivedAt: now,
            value: Math.random() * 100,
            message: null,
            resultType: 'plugin',
            severity: 'ok',
            late: false,
          });
        }
        const t0 = performance.now();
        // Not `rows += await …`: that reads `rows` before the await, and with concurrent
        // writers each would overwrite the others' increments (the count came out ~1/concurrency).
        const stored = await store.insertBatch(batch);
        rows += stored;
        latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, w) => writer(w)));
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(`${dialect}: ${rows} rows in ${round(elapsed, 2)} s = ${Math.round(rows / elapsed)} rows/s`);
    // The figure must be what the database holds, not what the writers think they wrote.
    const [inTable] = (await db.sequelize.query('SELECT count(*) AS n FROM results'))[0] as { n: number }[];
    if (Number(inTable?.n) !== rows) throw new Error(`counted ${rows} new rows but results holds ${Number(inTable?.n)}`);
    // Disk per stored result, for sizing: the results table with its indexes and the minute
    // and hour rollups it fed (one result per host every 10 s here), before the seeding below.
    const storedBytes = await storageBytes(db, dialect);
    console.log(`${dialect}: ${Math.round(storedBytes / 1048576)} MiB on disk for ${rows} results = ${Math.round(storedBytes / rows)} bytes per result`);

    // Seed 30 days of hour rollups for every host, set-based on the server.
    const seedStart = Math.floor((now - 30 * DAY) / HOUR) * HOUR;
    const seedEnd = Math.floor(now / HOUR) * HOUR - HOUR; // the insert phase owns the newest hours
    const s0 = performance.now();
    const series =
      dialect === 'postgres'
        ? `SELECT b FROM generate_series(${seedStart}::bigint, ${seedEnd - HOUR}::bigint, ${HOUR}::bigint) AS b`
        : `WITH RECURSIVE s(b) AS (SELECT ${seedStart} UNION ALL SELECT b + ${HOUR} FROM s WHERE b + ${HOUR} < ${seedEnd}) SELECT b FROM s`;
    // `WHERE true`: SQLite needs it to parse ON CONFLICT after a SELECT.
    await db.sequelize.query(
      `INSERT INTO rollups_hour (host_id, plugin_id, bucket_start, value_min, value_max, value_sum, value_count)
       SELECT h.id, ${pluginId}, t.b, 10, 90, 3000, 60 FROM hosts h CROSS JOIN (${series}) AS t
       WHERE true ON CONFLICT (host_id, plugin_id, bucket_start) DO NOTHING`,
    );
    if (dialect === 'postgres') {
      // A running core's housekeeper made each day's partition as the day came; the seeded days
      // sit in the DEFAULT partition until made here the same way (rows moved into them).
      if (await db.sequelize.transaction((t) => isPartitioned(sqlIn(db.sequelize, t), 'rollups_hour'))) {
        for (let day = dayStart(seedStart); day < now; day += DAY) {
          await db.sequelize.transaction((t) => createDayPartition(sqlIn(db.sequelize, t), 'rollups_hour', day));
        }
      }
      await db.sequelize.query('ANALYZE');
    }
    const [counted] = (await db.sequelize.query('SELECT count(*) AS n FROM rollups_hour'))[0] as { n: number }[];
    const seedSeconds = (performance.now() - s0) / 1000;
    console.log(`${dialect}: seeded ${Number(counted?.n)} hour rollups in ${round(seedSeconds, 2)} s`);

    const queryMs: number[] = [];
    let points = 0;
    for (let q = 0; q < queries; q++) {
      const hostId = hostIds[Math.floor(Math.random() * hostIds.length)] as number;
      const t0 = performance.now();
      const result = await store.querySeries(hostId, pluginId, now - 30 * DAY, now, 1_000);
      queryMs.push(performance.now() - t0);
      points = result.points.length;
      if (result.resolution !== 'hour') throw new Error(`30-day query used ${result.resolution}, expected hour`);
    }
    queryMs.sort((a, b) => a - b);
    await store.close();
    console.log(`${dialect}: 30-day query p50 ${round(percentile(queryMs, 0.5), 2)} ms, max ${round(queryMs.at(-1) ?? 0, 2)} ms, ${points} points`);

    return {
      [`${dialect}_rows_per_s`]: Math.round(rows / elapsed),
      [`${dialect}_disk_bytes_per_result`]: Math.round(storedBytes / rows),
      [`${dialect}_batch_p99_ms`]: round(percentile(latencies, 0.99)),
      [`${dialect}_query_30d_p50_ms`]: round(percentile(queryMs, 0.5), 2),
      [`${dialect}_query_30d_p99_ms`]: round(percentile(queryMs, 0.99), 2),
      [`${dialect}_query_30d_points`]: points,
      [`${dialect}_rollup_rows_seeded`]: Number(counted?.n),
    };
  } finally {
    await cleanup();
  }
}

const figures: Record<string, number | string> = { bench: 'storage', db: which, hosts, batch_rows: batchSize, concurrency };
for (const dialect of dialects) Object.assign(figures, await run(dialect));
figures.rss_mib = rssMiB();
printFigures(figures);
