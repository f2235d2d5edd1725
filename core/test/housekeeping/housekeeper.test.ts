import assert from 'node:assert/strict';
import { silentLogger, type HousekeepingRun } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import {
  createDayPartition,
  createResultStore,
  dayStart,
  listPartitions,
  sqlIn,
  writeSettings,
  type Database,
  type ResultStore,
  type Settings,
} from '../../src/db/index.js';
import { createHousekeeper, HOUSEKEEPING_DEFAULTS, RETENTION_RULES, type HousekeepingConfig } from '../../src/housekeeping/index.js';
import { memorySystemLog, systemClock, type Clock } from '../../src/kernel/index.js';
import { sequelizeTransitionLog } from '../../src/alerting/transition-log.js';
import { DIALECTS, openTestDatabase } from '../db/helpers.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** A different number of days per setting, so a rule that read the wrong one would show. */
const RETENTION: Partial<Settings> = {
  retentionRawDays: 2,
  retentionMinuteDays: 3,
  retentionHourDays: 4,
  retentionSystemLogDays: 5,
  retentionTransitionsDays: 6,
  retentionAuditDays: 7,
  retentionAlertDeliveriesDays: 8,
  retentionEnrolmentTokensDays: 9,
};

for (const dialect of DIALECTS) {
  describe(`housekeeping (${dialect})`, function () {
    this.timeout(60_000);
    let db: Database;
    let cleanup: () => Promise<void>;
    let store: ResultStore;
    let hostId: number;
    let pluginId: number;
    let userId: number;
    // Noon (UTC) today: a cutoff ± 1 minute never straddles a midnight.
    const now = dayStart(Date.now()) + 12 * HOUR;
    const clock: Clock = { ...systemClock, now: () => now };
    let seq = 0;

    const housekeeper = (config: Partial<HousekeepingConfig> = {}, systemLog = memorySystemLog()) =>
      createHousekeeper({ ...HOUSEKEEPING_DEFAULTS, chunkRows: 100, ...config }, { db, store, systemLog, logger: silentLogger(), clock });
    const select = <T extends object>(sql: string) => db.sequelize.query<T>(sql, { type: QueryTypes.SELECT });

    /** Writes one row at time `t` into `table` (every time column the rule reads is `t`). */
    async function insert(table: string, t: number): Promise<void> {
      const n = ++seq;
      switch (table) {
        case 'results':
          assert.equal(
            await store.insertBatch([
              { resultId: `r-${n}`, hostId, pluginId, checkId: null, slotAt: t, measuredAt: t, receivedAt: t, value: null, message: null, resultType: 'plugin', severity: 'ok', late: false },
            ]),
            1,
          );
          return;
        case 'rollups_minute':
        case 'rollups_hour':
          await db.sequelize.query(
            `INSERT INTO ${table} (host_id, plugin_id, bucket_start, value_min, value_max, value_sum, value_count) VALUES (${hostId}, ${pluginId}, ${t}, 1, 1, 1, 1)`,
          );
          return;
        case 'system_log':
          await db.models.SystemLog.create({ at: t, level: 'info', component: 'test', message: `m${n}` });
          return;
        case 'state_transitions':
          await db.models.StateTransition.create({ hostId, fromState: 'ok', toState: 'major', at: t });
          return;
        case 'audit_log':
          await db.models.AuditLog.create({ at: t, userName: 'u', action: 'test', targetKind: 'test' });
          return;
        case 'alert_deliveries':
          await db.sequelize.query(
            `INSERT INTO alert_deliveries (id, alert_id, module, settings, notice, attempts, next_at, created_at, last_error) VALUES ('d${n}', 1, 'webhook', '{}', '{}', 0, ${t}, ${t}, NULL)`,
          );
          return;
        case 'enrolment_tokens':
          await db.models.EnrolmentToken.create({ hostId, tokenHash: `h${n}`, expiresAt: t, createdBy: 'test', createdAt: t - DAY });
          return;
        case 'sessions':
          await db.models.Session.create({ id: `s${n}`, userId, expiresAt: t, createdAt: t - DAY });
          return;
        case 'action_links':
          await db.sequelize.query('INSERT INTO action_links (id, problem_key, action, recipient, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', {
            replacements: [`00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, `h:${hostId}`, 'acknowledge', 'oncall@example.test', t - DAY, t],
          });
          return;
        default:
          throw new Error(`no fixture for ${table}`);
      }
    }

    /** The time column of every row of `table`, ascending. */
    async function times(table: string): Promise<number[]> {
      const rule = RETENTION_RULES.find((r) => r.table === table)!;
      const rows = await select<{ t: number }>(`SELECT ${rule.columns[0]} AS t FROM ${table} ORDER BY 1`);
      return rows.map((r) => Number(r.t));
    }

    const cutoffOf = (table: string): number => {
      const rule = RETENTION_RULES.find((r) => r.table === table)!;
      return rule.setting ? now - (RETENTION[rule.setting] as number) * DAY : now;
    };

    beforeEach(async () => {
      ({ db, cleanup } = await openTestDatabase(dialect, { prefix: 'prophasis_test_housekeeping' }));
      hostId = (await db.models.Host.create({ name: 'h' })).id;
      pluginId = (await db.models.Plugin.create({ pluginId: 'io.prophasis.test', name: 'Test' })).id;
      userId = (await db.models.User.create({ name: 'u', role: 'admin', passwordHash: 'x' })).id;
      store = createResultStore(db, { logger: silentLogger() });
      await writeSettings(db, RETENTION);
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it('every table that grows has a retention rule, each read from its own setting', () => {
      assert.deepEqual(RETENTION_RULES.map((r) => r.table).sort(), [
        'action_links', 'alert_deliveries', 'audit_log', 'enrolment_tokens', 'results', 'rollups_hour', 'rollups_minute', 'sessions', 'state_transitions', 'system_log',
      ]);
      const settings = RETENTION_RULES.map((r) => r.setting).filter((s) => s !== null);
      assert.equal(new Set(settings).size, settings.length, 'no two tables share a setting');
      assert.deepEqual([...settings].sort(), Object.keys(RETENTION).sort());
    });

    it('removes what is older than each setting and nothing newer, for every table, and says so in the system log', async () => {
      for (const { table } of RETENTION_RULES) {
        const cutoff = cutoffOf(table);
        for (const t of [cutoff - 3 * DAY, cutoff - MINUTE, cutoff + MINUTE]) await insert(table, t);
      }
      // A delivery created long ago but due again soon is still being retried: it stays.
      await db.sequelize.query(
        `INSERT INTO alert_deliveries (id, alert_id, module, settings, notice, attempts, next_at, created_at, last_error) VALUES ('retrying', 1, 'webhook', '{}', '{}', 3, ${now + MINUTE}, ${now - 100 * DAY}, 'busy')`,
      );
      const systemLog = memorySystemLog();
      const run = await housekeeper({}, systemLog).run();

      assert.deepEqual(run.errors, []);
      for (const { table, partitioned } of RETENTION_RULES) {
        const cutoff = cutoffOf(table);
        // On PostgreSQL a partitioned table drops whole days: the rest of the cutoff's day stays until all of it has expired.
        const wholeDays = dialect === 'postgres' && partitioned !== undefined;
        const expected = wholeDays ? [cutoff - MINUTE, cutoff + MINUTE] : [cutoff + MINUTE];
        // (times() reads created_at: the delivery being retried was created 100 days ago.)
        const kept = table === 'alert_deliveries' ? [now - 100 * DAY, ...expected] : expected;
        assert.deepEqual(await times(table), kept, `${table}: kept rows`);
        assert.equal(run.removed.find((r) => r.table === table)?.rows, wholeDays ? 1 : 2, `${table}: removed rows`);
      }
      const line = systemLog.entries.find((e) => e.component === 'housekeeping');
      assert.equal(line?.level, 'info');
      assert.match(line?.message ?? '', /^housekeeping removed \d+ rows \(results \d+, rollups_minute \d+, .*sessions 2\).* in \d+\.\d s$/);

      // Nothing older is left: a second run removes nothing.
      const again = await housekeeper().run();
      assert.equal(again.removed.reduce((n, r) => n + r.rows, 0), 0);
    });

    it('keeps expired transitions alerting has not read yet, removes them once it has', async () => {
      // A transition written long ago is read: history. Alerting opens its cursor after it.
      await insert('state_transitions', now - 30 * DAY);
      const log = sequelizeTransitionLog(db);
      const { cursor } = await log.open(now);
      // A site that was cut off for longer than retention: its late results make transitions
      // already older than the setting. Alerting has not read them when the housekeeper runs.
      await insert('state_transitions', now - 20 * DAY);
      await insert('state_transitions', now - 10 * DAY);
      const first = await housekeeper().run();
      assert.deepEqual(await times('state_transitions'), [now - 20 * DAY, now - 10 * DAY], 'the unread ones stay');
      assert.equal(first.removed.find((r) => r.table === 'state_transitions')?.rows, 1);

      const { rows } = await log.readAfter(cursor, 10);
      assert.equal(rows.length, 2, 'alerting still reads both');
      await db.sequelize.transaction((transaction) => log.advance(cursor, rows[1]!.position, now, transaction));
      await housekeeper().run();
      assert.deepEqual(await times('state_transitions'), [], 'read, they expire');
    });

    it('a large purge goes in chunks: a batch stored meanwhile does not wait for the whole purge', async () => {
      // 20,000 expired system-log rows, purged 500 at a time (40 transactions).
      const old = now - 100 * DAY;
      for (let i = 0; i < 20; i++) {
        await db.models.SystemLog.bulkCreate(Array.from({ length: 1_000 }, (_, j) => ({ at: old + i * 1_000 + j, level: 'info' as const, component: 'test', message: 'old' })));
      }
      const order: string[] = [];
      const purge = store.deleteOlder({ table: 'system_log', columns: ['at'], key: 'id' }, now, { chunkRows: 500 }).then((n) => {
        order.push('purge done');
        return n;
      });
      await new Promise((r) => setImmediate(r));
      const stored = store
        .insertBatch([{ resultId: 'during', hostId, pluginId, checkId: null, slotAt: now, measuredAt: now, receivedAt: now, value: 1, message: null, resultType: 'plugin', severity: 'ok', late: false }])
        .then((n) => order.push(`batch stored ${n}`));
      await Promise.all([purge, stored]);
      assert.deepEqual(order, ['batch stored 1', 'purge done']);
      assert.equal(await purge, 20_000);
    });

    it('keeps the last run in the database and reports every table with its size', async () => {
      await insert('results', now);
      await insert('system_log', now);
      const keeper = housekeeper();
      const before = await keeper.status();
      assert.equal(before.lastRun, null);
      const run = await keeper.run();
      const status = await housekeeper().status(); // another instance: read back from the database
      assert.deepEqual(status.lastRun, run);
      assert.equal(status.dialect, dialect);
      assert.equal(status.running, false);
      assert.equal(status.nextRunAt, null);
      assert.deepEqual(status.tables.map((t) => t.table), RETENTION_RULES.map((r) => r.table));
      const results = status.tables.find((t) => t.table === 'results')!;
      assert.equal(results.retentionSetting, 'retentionRawDays');
      assert.equal(status.tables.find((t) => t.table === 'sessions')!.retentionSetting, null);
      assert.ok((results.bytes ?? 0) > 0, 'bytes of the results table');
      assert.ok((status.databaseBytes ?? 0) > 0);
      if (dialect === 'postgres') {
        assert.equal(results.rowsEstimated, true);
        assert.ok((results.partitions ?? 0) >= HOUSEKEEPING_DEFAULTS.partitionsAheadDays + 1, 'today and the days ahead');
        assert.equal(status.tables.find((t) => t.table === 'system_log')!.partitions, null);
      } else {
        assert.equal(results.rowsEstimated, false);
        assert.equal(results.rows, 1);
        assert.equal(status.tables.find((t) => t.table === 'system_log')!.rows, 1);
        assert.equal(results.partitions, null);
      }
    });

    it('a table that fails is reported and logged, and the others are still trimmed', async () => {
      await insert('system_log', now - 30 * DAY);
      await insert('audit_log', now - 30 * DAY);
      await db.sequelize.query('DROP TABLE alert_deliveries');
      const systemLog = memorySystemLog();
      const run = await housekeeper({}, systemLog).run();
      assert.deepEqual(run.errors.map((e) => e.table), ['alert_deliveries']);
      assert.match(run.errors[0]!.message, /alert_deliveries/);
      assert.deepEqual(await times('system_log'), []);
      assert.deepEqual(await times('audit_log'), []);
      const line = systemLog.entries.find((e) => e.component === 'housekeeping')!;
      assert.equal(line.level, 'warn');
      assert.match(line.message, /failed: alert_deliveries: /);
    });

    it('runs soon after start and then on its interval, until stopped', async () => {
      await insert('system_log', Date.now() - 30 * DAY);
      const runs: HousekeepingRun[] = [];
      const keeper = createHousekeeper(
        { ...HOUSEKEEPING_DEFAULTS, firstRunDelayMs: 0, intervalMs: 1_000 },
        { db, store, systemLog: { write: (_l, component, _m, context) => component === 'housekeeping' && runs.push(context as unknown as HousekeepingRun) }, logger: silentLogger() },
      );
      await keeper.start();
      try {
        const deadline = Date.now() + 10_000;
        while (runs.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        assert.equal(runs.length, 2, 'a first run at once and a second one an interval later');
        assert.ok(runs[1]!.startedAt - runs[0]!.startedAt >= 1_000);
        assert.deepEqual(runs.map((r) => r.trigger), ['schedule', 'schedule']);
        assert.deepEqual(await times('system_log'), []);
        assert.ok(((await keeper.status()).nextRunAt ?? 0) > Date.now() - 100);
      } finally {
        await keeper.stop();
      }
      const after = runs.length;
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(runs.length, after, 'no run after stop');
      assert.equal((await keeper.status()).nextRunAt, null);
    });

    if (dialect === 'postgres') {
      it('PostgreSQL: makes partitions ahead, moves stray rows out of the default partition, drops expired days whole', async () => {
        const sql = <T extends object>(text: string) => select<T>(text);
        const cutoff = cutoffOf('results');
        // A day wholly older than retention, in a partition of its own.
        const expiredDay = dayStart(cutoff) - 2 * DAY;
        await db.sequelize.transaction((transaction) => createDayPartition(sqlIn(db.sequelize, transaction), 'results', expiredDay));
        await insert('results', expiredDay + HOUR);
        // Yesterday had no partition (the migration made today's and the next ones): its row waits in the default partition.
        await insert('results', now - DAY);
        const where = async (t: number) =>
          (await select<{ p: string }>(`SELECT tableoid::regclass::text AS p FROM results WHERE measured_at = ${t}`))[0]?.p;
        assert.equal(await where(now - DAY), 'results_default');

        const run = await housekeeper({ partitionsAheadDays: 5 }).run();
        assert.deepEqual(run.errors, []);
        const names = (await listPartitions(sql, 'results')).map((p) => p.name);
        for (let d = 0; d <= 5; d++) assert.ok(names.includes(`results_p${new Date(dayStart(now) + d * DAY).toISOString().slice(0, 10).replaceAll('-', '')}`), `day +${d}`);
        assert.equal(names.includes(`results_p${new Date(expiredDay).toISOString().slice(0, 10).replaceAll('-', '')}`), false, 'the expired day is dropped');
        const results = run.removed.find((r) => r.table === 'results')!;
        assert.equal(results.partitionsDropped, 1);
        assert.equal(results.rows, 1);
        assert.ok(run.partitionsCreated >= 3, 'yesterday and the days beyond the migration’s three');
        // Yesterday's row moved into its own new partition; nothing is left in the default one.
        assert.equal(await where(now - DAY), `results_p${new Date(dayStart(now - DAY)).toISOString().slice(0, 10).replaceAll('-', '')}`);
        assert.deepEqual(await select('SELECT 1 FROM results_default'), []);
        // A resend of a stored result is still recognised through the new unique (result_id, measured_at).
        const [stored] = await select<{ result_id: string; measured_at: number }>(`SELECT result_id, measured_at FROM results WHERE measured_at = ${now - DAY}`);
        const resend = { resultId: stored!.result_id, hostId, pluginId, checkId: null, slotAt: null, measuredAt: Number(stored!.measured_at), receivedAt: now, value: 1, message: null, resultType: 'plugin' as const, severity: 'ok' as const, late: false };
        assert.equal(await store.insertBatch([resend]), 0);
        // The rollup partitions keep the fill factor the unpartitioned tables had (migration 0002).
        const [options] = await select<{ o: string[] | null }>(`SELECT reloptions AS o FROM pg_class WHERE relname = 'rollups_minute_p${new Date(dayStart(now) + DAY).toISOString().slice(0, 10).replaceAll('-', '')}'`);
        assert.deepEqual(options?.o, ['fillfactor=70']);
      });
    }
  });
}
