import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import {
  ALERTING_DEFAULTS,
  createAlerting,
  sequelizeDeliveryStore,
  type AlertModule,
  type AlertModuleRegistry,
  type AlertNotice,
  type Delivery,
  type Transition,
} from '../../src/alerting/index.js';
import type { Database } from '../../src/db/index.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { seed, testDialects } from './db.js';
import { fakeClock, messages, notice, recordingModule } from './support.js';

/** A module that fails while `fail` is set, recording every call. */
function switchable(id: string) {
  const state = { fail: true, calls: [] as { notice: AlertNotice; settings: unknown }[] };
  const { module, calls } = recordingModule(id, () => state.fail);
  state.calls = calls;
  const registry: AlertModuleRegistry = new Map([[id, module as AlertModule<unknown>]]);
  return { state, registry };
}

const rowCount = async (db: Database): Promise<number> =>
  Number((await db.sequelize.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM alert_deliveries WHERE status = 'pending'", { type: QueryTypes.SELECT }))[0]!.n);

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    id: 'd-1',
    alertId: 12,
    module: 'webhook',
    settings: { url: 'http://example.test/hook', headers: { 'X-Token': 'ä€😀' }, list: [1, 2.5, null, true] },
    notice: notice({ causes: [{ plugin: 'disk', from: 'ok', to: 'minor' }], late: true }),
    attempts: 0,
    nextAt: 1_700_000_000_000,
    createdAt: 1_700_000_000_000,
    lastError: null,
    ...overrides,
  };
}

for (const dialect of testDialects()) {
  describe(`alerting: durable delivery store (${dialect.name})`, function () {
    let db: Database;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ db, cleanup } = await dialect.open());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('keeps a finished delivery as history (status delivered or failed, when, attempts, last error) and does not resume it', async () => {
      const store = sequelizeDeliveryStore(db, { logger: silentLogger() });
      const a = delivery();
      const b = delivery({ id: 'd-2' });
      await store.add(a);
      await store.add(b);
      await store.finish!({ ...a, attempts: 1 }, 'delivered', a.nextAt + 10);
      await store.finish!({ ...b, attempts: 5, lastError: 'HTTP 500' }, 'failed', b.nextAt + 20);
      assert.deepEqual(await store.loadPending(), []);
      const rows = await db.sequelize.query<{ id: string; status: string; finished_at: number | string; attempts: number | string; last_error: string | null }>(
        'SELECT id, status, finished_at, attempts, last_error FROM alert_deliveries ORDER BY id',
        { type: QueryTypes.SELECT },
      );
      assert.deepEqual(
        rows.map((r) => ({ ...r, finished_at: Number(r.finished_at), attempts: Number(r.attempts) })),
        [
          { id: 'd-1', status: 'delivered', finished_at: a.nextAt + 10, attempts: 1, last_error: null },
          { id: 'd-2', status: 'failed', finished_at: b.nextAt + 20, attempts: 5, last_error: 'HTTP 500' },
        ],
      );
    });

    it('adds, updates, loads and removes deliveries with their JSON intact', async () => {
      const store = sequelizeDeliveryStore(db, { logger: silentLogger() });
      assert.equal(store.durable, true);
      assert.deepEqual(await store.loadPending(), []);

      const a = delivery();
      const b = delivery({ id: 'd-2', alertId: 13, module: 'email', settings: { to: 'oncall@example.test' }, nextAt: a.nextAt - 5, createdAt: a.createdAt - 5 });
      const c = delivery({ id: 'd-3', settings: null, notice: notice({ plugin: null, target: { kind: 'service', id: 4, name: 'Website' } }) });
      await store.add(a);
      await store.add(b);
      await store.add(c);
      assert.deepEqual(await store.loadPending(), [b, a, c], 'ordered by next_at, then created_at, then id');

      const a2 = { ...a, attempts: 2, nextAt: a.nextAt + 80_000, lastError: 'HTTP 500 from http://example.test/hook: "boom"' };
      await store.update(a2);
      assert.deepEqual(await store.loadPending(), [b, c, a2]);

      await store.remove(b.id);
      await store.remove('no-such-delivery');
      assert.deepEqual(await store.loadPending(), [c, a2]);
      await store.remove(a.id);
      await store.remove(c.id);
      assert.deepEqual(await store.loadPending(), []);
      assert.equal(await rowCount(db), 0);
    });

    it('skips (and logs) a stored row whose JSON cannot be read, and delivers the readable ones', async () => {
      const systemLog = memorySystemLog();
      const store = sequelizeDeliveryStore(db, { logger: silentLogger(), systemLog });
      const good = delivery({ id: 'good', module: 'mod', settings: { to: 'x' } });
      await store.add(good);
      const insert = (id: string, settings: string, noticeText: string) =>
        db.sequelize.query(
          `INSERT INTO alert_deliveries (id, alert_id, module, settings, notice, attempts, next_at, created_at, last_error)
           VALUES (:id, 1, 'mod', :settings, :notice, 0, 1, 1, NULL)`,
          { replacements: { id, settings, notice: noticeText } },
        );
      await insert('bad-notice', '{"to":"x"}', '{"alert": {"id": 1, "name": "cut off');
      await insert('bad-settings', '{to: x}', JSON.stringify(notice()));
      await insert('not-a-notice', '{"to":"x"}', '42');

      assert.deepEqual(await store.loadPending(), [good]);
      const errors = systemLog.entries.filter((e) => e.level === 'error');
      assert.deepEqual(errors.map((e) => e.context.deliveryId).sort(), ['bad-notice', 'bad-settings', 'not-a-notice']);
      assert.ok(errors.every((e) => /a stored alert delivery cannot be read and is skipped: /.test(e.message)));
      assert.match(String(errors.find((e) => e.context.deliveryId === 'not-a-notice')!.context.reason), /not an alert notice/);

      // An alerting instance over that table starts, delivers the readable one and leaves the rest.
      const mod = switchable('mod');
      mod.state.fail = false;
      const alerting = createAlerting(ALERTING_DEFAULTS, { db, logger: silentLogger(), systemLog, modules: mod.registry, store, clock: fakeClock() });
      await alerting.start();
      await alerting.idle();
      await alerting.stop();
      assert.deepEqual(mod.state.calls.map((c) => c.notice), [good.notice]);
      assert.equal(await rowCount(db), 3, 'the unreadable rows stay for inspection');
    });

    describe('restarts', () => {
      let ids: Awaited<ReturnType<typeof seed>>;
      let alertId: number;
      const transition = (): Transition => ({ hostId: ids.host.web1!, serviceId: null, pluginId: null, from: 'ok', to: 'major', at: Date.UTC(2025, 5, 1, 12), late: false });

      beforeEach(async () => {
        ids = await seed(db, { hosts: ['web1'] });
        const row = await db.models.Alert.create({ name: 'Web down', fromStates: ['ok'], toStates: ['major'], module: 'mod', settings: { to: 'oncall' }, enabled: true });
        await db.models.AlertScope.create({ alertId: row.id, kind: 'host', hostId: ids.host.web1! });
        alertId = row.id;
      });

      /** First run: the module fails, the core stops with the delivery pending. */
      async function firstRun() {
        const systemLog = memorySystemLog();
        const mod = switchable('mod');
        const clock = fakeClock();
        const first = createAlerting(ALERTING_DEFAULTS, { db, logger: silentLogger(), systemLog, modules: mod.registry, store: sequelizeDeliveryStore(db, { logger: silentLogger(), systemLog }), clock });
        await first.start();
        assert.deepEqual(await first.handleTransitions([transition()]), { matched: 1 });
        await first.idle();
        assert.equal(mod.state.calls.length, 1);
        const [pending] = first.pending();
        assert.equal(pending?.attempts, 1);
        await first.stop();
        assert.deepEqual(messages(systemLog.entries, 'warn').filter((m) => /lost at shutdown/.test(m)), [], 'nothing is reported lost');
        assert.equal(await rowCount(db), 1);
        return { pending: pending!, clock };
      }

      /** Second run: a new instance over the same database, the module works again. */
      async function secondRun(startAt: number) {
        const systemLog = memorySystemLog();
        const mod = switchable('mod');
        mod.state.fail = false;
        const clock = fakeClock(startAt);
        const second = createAlerting(ALERTING_DEFAULTS, { db, logger: silentLogger(), systemLog, modules: mod.registry, store: sequelizeDeliveryStore(db, { logger: silentLogger(), systemLog }), clock });
        await second.start();
        return { second, mod, clock, systemLog };
      }

      it('a delivery still failing at shutdown is delivered by the next instance over the same database', async () => {
        const { pending, clock: firstClock } = await firstRun();
        assert.equal(pending.nextAt, firstClock.now() + 40_000);
        assert.equal(pending.lastError, 'connection refused');

        // Restarted before the backoff is over: the delivery waits for it, then goes out.
        const { second, mod, clock, systemLog } = await secondRun(firstClock.now() + 10_000);
        await second.idle();
        assert.equal(mod.state.calls.length, 0);
        assert.deepEqual(second.pending().map((d) => [d.id, d.attempts, d.nextAt]), [[pending.id, 1, pending.nextAt]]);
        clock.advance(30_000);
        await second.idle();
        assert.equal(mod.state.calls.length, 1);
        assert.deepEqual(mod.state.calls[0]!.settings, { to: 'oncall' });
        assert.deepEqual(mod.state.calls[0]!.notice, pending.notice);
        assert.deepEqual(mod.state.calls[0]!.notice.target, { kind: 'host', id: ids.host.web1, name: 'web1' });
        assert.deepEqual(second.pending(), []);
        assert.equal(await rowCount(db), 0);
        const delivered = systemLog.entries.find((e) => e.message === 'alert delivered by mod');
        assert.equal(delivered?.context.attempt, 2, 'the attempts of the first run count');
        await second.stop();
      });

      it('deleting the alert does not cancel a pending delivery: it goes out with the settings it matched with', async () => {
        const { pending, clock: firstClock } = await firstRun();
        await db.models.Alert.destroy({ where: { id: alertId } });
        assert.equal(await rowCount(db), 1, 'no foreign key: the delivery row stays');

        const { second, mod } = await secondRun(firstClock.now() + 60_000);
        await second.idle();
        assert.deepEqual(mod.state.calls.map((c) => [c.notice.alert, c.settings]), [[{ id: alertId, name: 'Web down' }, { to: 'oncall' }]]);
        assert.equal(mod.state.calls[0]!.notice.alert.id, pending.alertId);
        assert.equal(await rowCount(db), 0);
        await second.stop();
      });
    });
  });
}
