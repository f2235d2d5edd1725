import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import { QueryTypes, Sequelize, type Transaction } from 'sequelize';
import { ALERTING_DEFAULTS, createAlerting, memoryDeliveryStore, type Alerting, type AlertModule, type AlertModuleRegistry, type AlertNotice } from '../../src/alerting/index.js';
import type { Database } from '../../src/db/index.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { seed, testDialects } from './db.js';
import { fakeClock, messages, recordingModule, until } from './support.js';

const PG_URL = process.env.PROPHASIS_TEST_POSTGRES_URL ?? '';

for (const dialect of testDialects()) {
  describe(`alerting's intake: state_transitions to deliveries, exactly once (${dialect.name})`, function () {
    let db: Database;
    let cleanup: () => Promise<void>;
    let ids: Awaited<ReturnType<typeof seed>>;
    let calls: { notice: AlertNotice; settings: unknown }[];
    let modules: AlertModuleRegistry;
    let systemLog: ReturnType<typeof memorySystemLog>;
    const running: Alerting[] = [];

    /** An alerting instance with the intake; polls only when told (or woken). */
    async function start(options: { clock?: ReturnType<typeof fakeClock> } = {}): Promise<Alerting> {
      const alerting = createAlerting({ ...ALERTING_DEFAULTS, pollIntervalMs: 600_000 }, { db, logger: silentLogger(), systemLog, modules, intake: {}, ...(options.clock ? { clock: options.clock } : {}) });
      await alerting.start();
      running.push(alerting);
      return alerting;
    }
    async function stop(alerting: Alerting): Promise<void> {
      await alerting.stop();
      running.splice(running.indexOf(alerting), 1);
    }
    /** Commits one transition of web1's own severity (every one matches), told apart by `at`. */
    const commit = (at: number, options: { from?: string; to?: string; plugin?: string; transaction?: Transaction } = {}) =>
      db.sequelize.query('INSERT INTO state_transitions (host_id, plugin_id, service_id, from_state, to_state, at, late) VALUES (:host, :plugin, NULL, :from, :to, :at, :late)', {
        replacements: { host: ids.host.web1!, plugin: options.plugin ? ids.plugin[options.plugin]! : null, from: options.from ?? 'ok', to: options.to ?? 'major', at, late: false },
        ...(options.transaction ? { transaction: options.transaction } : {}),
      });
    /** How often each transition (by `at`) was sent. */
    const sent = () => {
      const byAt = new Map<number, number>();
      for (const c of calls) byAt.set(c.notice.at, (byAt.get(c.notice.at) ?? 0) + 1);
      return byAt;
    };
    const deliveryRows = async () => Number((await db.sequelize.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM alert_deliveries WHERE status = 'pending'", { type: QueryTypes.SELECT }))[0]!.n);
    const storedCursor = async () => (await db.sequelize.query<{ last_id: number | string }>("SELECT last_id FROM alert_cursor WHERE name = 'state_transitions'", { type: QueryTypes.SELECT }))[0];
    const settle = async (alerting: Alerting) => {
      await alerting.idle();
      await until(() => alerting.pending().length === 0, 5000, 'the queue to empty');
    };

    beforeEach(async () => {
      ({ db, cleanup } = await dialect.open());
      systemLog = memorySystemLog();
      const recording = recordingModule('mod', () => false);
      calls = recording.calls;
      modules = new Map([['mod', recording.module as AlertModule<unknown>]]);
      ids = await seed(db, { hosts: ['web1'], plugins: ['cpu', 'disk'] });
      const alert = await db.models.Alert.create({ name: 'web1 down', fromStates: ['ok'], toStates: ['major'], module: 'mod', settings: { to: 'oncall' }, enabled: true });
      await db.models.AlertScope.create({ alertId: alert.id, kind: 'host', hostId: ids.host.web1! });
    });
    afterEach(async () => {
      for (const a of [...running]) await stop(a);
      await cleanup();
    });

    it('a fresh database starts at the newest row (history is not alerted); a restart resumes from the stored cursor', async () => {
      await commit(1);
      await commit(2);
      assert.equal(await storedCursor(), undefined);
      const first = await start();
      assert.ok(await storedCursor(), 'the cursor is stored at the first start');
      assert.equal(await first.poll(), 0, 'the history is behind the cursor');
      await commit(10);
      assert.equal(await first.poll(), 1);
      await settle(first);
      await stop(first);
      await commit(20); // while no core runs
      await commit(21, { from: 'major', to: 'ok' }); // read, matches nothing
      const second = await start(); // reads what is new at its start
      assert.equal(await second.poll(), 0);
      await settle(second);
      assert.deepEqual(sent(), new Map([[10, 1], [20, 1]]));
      assert.equal(await deliveryRows(), 0);
      await stop(second);
      const third = await start();
      await settle(third);
      assert.deepEqual(sent(), new Map([[10, 1], [20, 1]]), 'a restart repeats nothing');
      if (dialect.name === 'postgres') {
        const [row] = await db.sequelize.query<{ missing: number | string }>('SELECT COUNT(*) AS missing FROM state_transitions WHERE xact_id IS NULL', { type: QueryTypes.SELECT });
        assert.equal(Number(row!.missing), 0, 'every row carries its transaction id (the column default)');
      }
    });

    it('a failure storing the deliveries moves neither them nor the cursor: logged once, nothing lost, nothing twice', async () => {
      const alerting = await start();
      const before = await storedCursor();
      await db.sequelize.query('ALTER TABLE alert_deliveries RENAME TO alert_deliveries_away');
      await commit(10);
      await commit(11);
      assert.equal(await alerting.poll(), 0);
      assert.equal(await alerting.poll(), 0);
      assert.deepEqual(await storedCursor(), before, 'the cursor did not move');
      const errors = systemLog.entries.filter((e) => e.level === 'error');
      assert.equal(errors.length, 1, 'one error for a failure that lasts, not one per poll');
      assert.match(errors[0]!.message, /^turning transitions into alert deliveries failed \(nothing is lost; retrying every poll\): /);
      assert.equal(calls.length, 0);

      await db.sequelize.query('ALTER TABLE alert_deliveries_away RENAME TO alert_deliveries');
      assert.equal(await alerting.poll(), 2);
      await settle(alerting);
      assert.deepEqual(sent(), new Map([[10, 1], [11, 1]]));
      assert.deepEqual(messages(systemLog.entries, 'info').filter((m) => /works again/.test(m)), ['reading transitions works again']);
    });

    it('a row whose states are not severities is skipped with a warning; the rows after it are alerted', async () => {
      const alerting = await start();
      await commit(10, { from: 'ok', to: 'on-fire' });
      await commit(11);
      assert.equal(await alerting.poll(), 1);
      await settle(alerting);
      assert.deepEqual(sent(), new Map([[11, 1]]));
      const [warning] = systemLog.entries.filter((e) => e.level === 'warn');
      assert.equal(warning?.message, '1 transitions with states that are not severities were skipped');
      assert.equal((warning?.context.ids as number[]).length, 1);
      assert.equal(await alerting.poll(), 0, 'and not read again');
    });

    it('a host alert names the plugin changes at its own time as causes, not others read in the same batch', async () => {
      const alerting = await start();
      // Three ingest batches as the state tracker writes them: the plugin change, then the host's.
      await commit(10, { plugin: 'cpu' });
      await commit(10);
      await commit(15, { plugin: 'cpu', from: 'major', to: 'ok' });
      await commit(15, { from: 'major', to: 'ok' });
      await commit(20, { plugin: 'disk' });
      await commit(20);
      assert.equal(await alerting.poll(), 6, 'read in one batch');
      await settle(alerting);
      assert.deepEqual(
        calls.map((c) => [c.notice.at, c.notice.causes]).sort(),
        [
          [10, [{ plugin: 'cpu', from: 'ok', to: 'major' }]],
          [20, [{ plugin: 'disk', from: 'ok', to: 'major' }]],
        ],
      );
    });

    it('two cores reading one database take each transition once', async () => {
      const a = await start();
      const b = await start();
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 4; i++) await commit(round * 10 + i + 1);
        await Promise.all([a.poll(), b.poll(), a.poll(), b.poll()]);
      }
      await settle(a);
      await settle(b);
      assert.equal(calls.length, 20);
      assert.ok([...sent().values()].every((n) => n === 1), JSON.stringify([...sent()]));
    });

    it('refuses the intake over a delivery store that is not durable', () => {
      assert.throws(
        () => createAlerting(ALERTING_DEFAULTS, { db, logger: silentLogger(), systemLog, intake: {}, store: memoryDeliveryStore() }),
        /the intake writes deliveries to alert_deliveries; it needs the durable store/,
      );
    });

    if (dialect.name !== 'postgres') return;

    it('PostgreSQL: a transition committed out of order (two concurrent transactions) is not skipped', async () => {
      const clock = fakeClock(Date.now());
      const alerting = await start({ clock });
      const older = await db.sequelize.transaction();
      try {
        await commit(10, { transaction: older }); // takes the smaller id, commits last
        await commit(11); // the larger id, committed first
        const visible = await db.sequelize.query<{ id: number }>('SELECT id FROM state_transitions', { type: QueryTypes.SELECT });
        assert.equal(visible.length, 1, 'only the committed row is visible');
        assert.equal(await alerting.poll(), 0, 'it waits: an older transaction is still running');
        clock.advance(61_000);
        assert.equal(await alerting.poll(), 0);
        assert.deepEqual(
          messages(systemLog.entries, 'warn').filter((m) => /wait/.test(m)),
          ['committed transitions have waited 61 s for an older database transaction that is still running; they are alerted when it ends'],
        );
        await older.commit();
      } catch (err) {
        await older.rollback().catch(() => {});
        throw err;
      }
      assert.equal(await alerting.poll(), 2);
      await settle(alerting);
      assert.deepEqual(sent(), new Map([[10, 1], [11, 1]]));
      assert.deepEqual(messages(systemLog.entries, 'info').filter((m) => /wait/.test(m)), ['transitions no longer wait for a running transaction']);
    });

    it('PostgreSQL: a transaction open in another database of the cluster does not hold alerts back', async () => {
      const alerting = await start();
      const other = new Sequelize(PG_URL, { logging: false, dialect: 'postgres' });
      const open = await other.transaction();
      try {
        await other.query('SELECT pg_current_xact_id()', { transaction: open }); // it now holds a transaction id
        await commit(10);
        assert.equal(await alerting.poll(), 1);
      } finally {
        await open.rollback();
        await other.close();
      }
      await settle(alerting);
      assert.deepEqual(sent(), new Map([[10, 1]]));
    });

    it('PostgreSQL: a cursor ahead of the server (restored into another cluster) restarts at the newest row, with a warning', async () => {
      const first = await start();
      await commit(10);
      await first.poll();
      await settle(first);
      await stop(first);
      // What a restore into a younger cluster looks like: the stored ids are far ahead of the server's.
      await db.sequelize.query("UPDATE state_transitions SET xact_id = '1099511627776'::xid8");
      await db.sequelize.query("UPDATE alert_cursor SET last_xact_id = 1099511627776, last_id = 1 WHERE name = 'state_transitions'");
      const second = await start();
      assert.deepEqual(
        messages(systemLog.entries, 'warn'),
        ["the alert cursor was ahead of the database server's transaction ids (restored into another PostgreSQL cluster?); alerting starts from the newest transition"],
      );
      const [row] = await db.sequelize.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM state_transitions WHERE xact_id IS NOT NULL', { type: QueryTypes.SELECT });
      assert.equal(Number(row!.n), 0, 'the restored rows are history');
      await commit(20);
      assert.equal(await second.poll(), 1);
      await settle(second);
      assert.deepEqual(sent(), new Map([[10, 1], [20, 1]]));
    });
  });
}
