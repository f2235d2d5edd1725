import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import { ALERTING_DEFAULTS, createAlerting, type Alerting, type AlertModule, type AlertNotice } from '../../src/alerting/index.js';
import type { Database } from '../../src/db/index.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { seed, testDialects } from './db.js';
import { fakeClock, recordingModule, until } from './support.js';

const MIN = 60_000;

for (const dialect of testDialects()) {
  describe(`repeat and escalation: due times in alert_problems, across restarts (${dialect.name})`, function () {
    let db: Database;
    let cleanup: () => Promise<void>;
    let ids: Awaited<ReturnType<typeof seed>>;
    let clock: ReturnType<typeof fakeClock>;
    let calls: { module: string; notice: AlertNotice; settings: unknown }[];
    let modules: Map<string, AlertModule<unknown>>;
    let alerting: Alerting | undefined;

    async function start(): Promise<Alerting> {
      alerting = createAlerting({ ...ALERTING_DEFAULTS, pollIntervalMs: 600_000, silenceCheckMs: 600_000 }, { db, logger: silentLogger(), systemLog: memorySystemLog(), modules, intake: {}, clock });
      await alerting.start();
      return alerting;
    }
    async function transition(from: string, to: string): Promise<void> {
      await db.sequelize.query("INSERT INTO state_transitions (host_id, plugin_id, service_id, from_state, to_state, at, late) VALUES (:host, NULL, NULL, :from, :to, :at, :late)", {
        replacements: { host: ids.host.web1!, from, to, at: clock.now(), late: false },
      });
    }
    async function settle(): Promise<void> {
      await alerting!.poll();
      await alerting!.idle();
      await until(() => alerting!.pending().length === 0, 5000, 'the queue to empty');
    }
    const sent = () => calls.map((c) => `${c.module}:${c.notice.reason ?? 'transition'}`);

    beforeEach(async () => {
      ({ db, cleanup } = await dialect.open());
      clock = fakeClock(Date.UTC(2026, 11, 7, 10, 0, 0));
      calls = [];
      modules = new Map();
      for (const id of ['mod', 'lead']) {
        const r = recordingModule(id, () => false);
        const send = r.module.send.bind(r.module);
        modules.set(id, { ...r.module, send: async (notice, settings) => { calls.push({ module: id, notice, settings }); await send(notice, settings as { to: string }); } } as AlertModule<unknown>);
      }
      ids = await seed(db, { hosts: ['web1'] });
      const alert = await db.models.Alert.create({ name: 'web1 down', fromStates: ['ok'], toStates: ['major'], module: 'mod', settings: { to: 'oncall' }, enabled: true });
      await db.models.AlertScope.create({ alertId: alert.id, kind: 'host', hostId: ids.host.web1! });
      await db.sequelize.query('UPDATE alerts SET repeat_minutes = 10, escalations = :steps WHERE id = :id', {
        replacements: { id: alert.id, steps: JSON.stringify([{ afterMinutes: 15, module: 'lead', settings: { to: 'lead' } }]) },
      });
    });
    afterEach(async () => {
      await alerting?.stop();
      alerting = undefined;
      await cleanup();
    });

    it('repeats every 10 minutes and escalates once at 15, until the problem is ok; a restart keeps the schedule', async () => {
      await start();
      await transition('ok', 'major');
      await settle();
      assert.deepEqual(sent(), ['mod:transition']);
      clock.advance(9 * MIN);
      await settle();
      assert.deepEqual(sent(), ['mod:transition'], 'nothing before its time');
      clock.advance(1 * MIN);
      await settle();
      assert.deepEqual(sent(), ['mod:transition', 'mod:repeat']);
      assert.equal(calls[1]!.notice.to, 'major');
      assert.equal(calls[1]!.notice.target.name, 'web1');
      // The core restarts; the escalation is still due at 15 minutes.
      await alerting!.stop();
      await start();
      clock.advance(5 * MIN);
      await settle();
      assert.deepEqual(sent(), ['mod:transition', 'mod:repeat', 'lead:escalation']);
      assert.deepEqual(calls[2]!.settings, { to: 'lead' });
      clock.advance(5 * MIN);
      await settle();
      assert.deepEqual(sent().slice(3), ['mod:repeat'], 'the step is sent once; repeats go on');
      // Ok again: the problem closes; nothing more is repeated.
      await transition('major', 'ok');
      await settle();
      clock.advance(30 * MIN);
      await settle();
      assert.deepEqual(sent().slice(4), []);
      const open = await db.sequelize.query('SELECT id FROM alert_problems', { type: QueryTypes.SELECT });
      assert.deepEqual(open, []);
    });

    it('an acknowledged problem is neither repeated nor escalated', async () => {
      await start();
      await transition('ok', 'major');
      await settle();
      const [{ id: after }] = await db.sequelize.query<{ id: number }>('SELECT MAX(id) AS id FROM state_transitions', { type: QueryTypes.SELECT }) as [{ id: number }];
      await db.sequelize.query(
        "INSERT INTO acknowledgements (problem_key, host_id, plugin_id, service_id, severity, sticky, comment, by_user, created_at, after_transition) VALUES (:key, :host, NULL, NULL, 'major', :sticky, 'on it', 'alice', :now, :after)",
        { replacements: { key: `h:${ids.host.web1}`, host: ids.host.web1!, sticky: false, now: clock.now(), after: Number(after) } },
      );
      for (let i = 0; i < 6; i++) {
        clock.advance(5 * MIN);
        await settle();
      }
      assert.deepEqual(sent(), ['mod:transition']);
    });
  });
}
