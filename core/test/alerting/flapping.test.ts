import assert from 'node:assert/strict';
import { silentLogger, type Severity } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import { ALERTING_DEFAULTS, createAlerting, type Alerting, type AlertModule, type AlertNotice } from '../../src/alerting/index.js';
import { readSettings, writeSettings, type Database } from '../../src/db/index.js';
import { FLAP_DEFAULTS } from '../../src/alerting/flap.js';
import { createFlapTracker } from '../../src/alerting/flapping.js';
import type { Transition } from '../../src/alerting/feed.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { seed, testDialects } from './db.js';
import { recordingModule, until } from './support.js';

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const MINUTE = 60_000;

for (const dialect of testDialects()) {
  describe(`flap detection: one notice when a series starts flapping, one when it stops (${dialect.name})`, function () {
    let db: Database;
    let cleanup: () => Promise<void>;
    let ids: Awaited<ReturnType<typeof seed>>;
    let calls: { notice: AlertNotice; settings: unknown }[];
    let alerting: Alerting;
    let n = 0;
    let last = 'ok';
    /** The check the results name (null: none); its thresholds decide (docs/alerts.md, "Flapping"). */
    let checkId: number | null = null;
    const options = { ...ALERTING_DEFAULTS, pollIntervalMs: 600_000 };
    let modules: Map<string, AlertModule<unknown>>;

    /** One result of web1's cpu at minute `n`, and its transition when the state changed (what the pipeline commits). */
    async function result(severity: string, withHost = false): Promise<void> {
      const at = T0 + n++ * MINUTE;
      await db.sequelize.query(
        `INSERT INTO results (result_id, host_id, plugin_id, check_id, slot_at, measured_at, received_at, value, message, result_type, severity, late)
         VALUES (:rid, :host, :plugin, :check, :at, :at, :at, 1, NULL, 'ok', :severity, :late)`,
        { replacements: { rid: `r${n}`, host: ids.host.web1!, plugin: ids.plugin.cpu!, check: checkId, at, severity, late: false } },
      );
      if (severity !== last) {
        await db.sequelize.query('INSERT INTO state_transitions (host_id, plugin_id, service_id, from_state, to_state, at, late) VALUES (:host, :plugin, NULL, :from, :to, :at, :late)', {
          replacements: { host: ids.host.web1!, plugin: ids.plugin.cpu!, from: last, to: severity, at, late: false },
        });
        // The host's own state follows its only plugin (what the state tracker commits with it).
        if (withHost) {
          await db.sequelize.query('INSERT INTO state_transitions (host_id, plugin_id, service_id, from_state, to_state, at, late) VALUES (:host, NULL, NULL, :from, :to, :at, :late)', {
            replacements: { host: ids.host.web1!, from: last, to: severity, at, late: false },
          });
        }
      }
      last = severity;
      await alerting.poll();
    }
    const reasons = () => calls.map((c) => c.notice.reason ?? 'transition');

    beforeEach(async () => {
      ({ db, cleanup } = await dialect.open());
      n = 0;
      last = 'ok';
      checkId = null;
      const recording = recordingModule('mod', () => false);
      calls = recording.calls;
      ids = await seed(db, { hosts: ['web1'], plugins: ['cpu'] });
      const alert = await db.models.Alert.create({ name: 'cpu', fromStates: ['ok', 'major'], toStates: ['ok', 'major'], module: 'mod', settings: { to: 'oncall' }, enabled: true });
      await db.models.AlertScope.create({ alertId: alert.id, kind: 'plugin', pluginId: ids.plugin.cpu! });
      modules = new Map([['mod', recording.module as AlertModule<unknown>]]);
      alerting = createAlerting(options, { db, logger: silentLogger(), systemLog: memorySystemLog(), modules, intake: {} });
      await alerting.start();
    });
    afterEach(async () => {
      await alerting.stop();
      await cleanup();
    });

    const settle = async () => {
      await alerting.idle();
      await until(() => alerting.pending().length === 0, 5000, 'the queue to empty');
    };

    it('a check that changes on every result: a few changes, then one "started flapping", then one "stopped flapping" once it settles', async () => {
      for (let i = 0; i < 30; i++) await result(i % 2 === 0 ? 'major' : 'ok');
      await settle();
      const started = reasons().indexOf('flapping-started');
      assert.ok(started > 0, `flapping starts after a few plain changes: ${reasons().join(', ')}`);
      assert.deepEqual(reasons().slice(0, started), Array<string>(started).fill('transition'));
      assert.deepEqual(reasons().slice(started), ['flapping-started'], 'no notice per change while it flaps');
      assert.equal(calls[started]!.notice.plugin?.name, 'cpu');
      for (let i = 0; i < 40; i++) await result('ok');
      await settle();
      assert.deepEqual(reasons().slice(started), ['flapping-started', 'flapping-stopped']);
      const stopped = calls[started + 1]!.notice;
      assert.equal(stopped.to, 'ok');
      // Nothing more: the stop is sent once.
      await result('ok');
      await settle();
      assert.equal(reasons().length, started + 2);
      // A change after it settled is a plain transition again.
      await result('major');
      await settle();
      assert.deepEqual(reasons().slice(started + 2), ['transition']);
    });

    it('a host alert gets one "started" and one "stopped" for the host whose plugin flaps, even when the plugin started flapping first', async () => {
      const hostAlert = await db.models.Alert.create({ name: 'host', fromStates: ['ok', 'major'], toStates: ['ok', 'major'], module: 'mod', settings: { to: 'host' }, enabled: true });
      await db.models.AlertScope.create({ alertId: hostAlert.id, kind: 'host', hostId: ids.host.web1! });
      await alerting.stop();
      await alerting.start();
      // The plugin changes without the host at first (another plugin keeps it major, say), then the host follows.
      for (let i = 0; i < 8; i++) await result(i % 2 === 0 ? 'major' : 'ok');
      for (let i = 0; i < 20; i++) await result(i % 2 === 0 ? 'major' : 'ok', true);
      for (let i = 0; i < 40; i++) await result('ok');
      await settle();
      const forHost = calls.filter((c) => (c.settings as { to: string }).to === 'host').map((c) => c.notice.reason ?? 'transition');
      assert.deepEqual(forHost, ['flapping-started', 'flapping-stopped'], forHost.join(', '));
      const forPlugin = calls.filter((c) => (c.settings as { to: string }).to === 'oncall').map((c) => c.notice.reason ?? 'transition');
      assert.deepEqual(forPlugin.filter((r) => r !== 'transition'), ['flapping-started', 'flapping-stopped']);
    });

    it('thresholds come from the settings: a high threshold of 100 % and a steady rhythm never flap', async () => {
      await writeSettings(db, { flapLowPercent: 90, flapHighPercent: 100 });
      for (let i = 0; i < 12; i++) await result(Math.floor(i / 2) % 2 === 0 ? 'major' : 'ok');
      await settle();
      assert.ok(reasons().length >= 5);
      assert.ok(reasons().every((r) => r === 'transition'), reasons().join(', '));
    });

    it("a check's own thresholds decide over the global ones: a rhythm the global 90/100 % never calls flapping flaps with the check's 20/30 %", async () => {
      await writeSettings(db, { flapLowPercent: 90, flapHighPercent: 100 });
      checkId = (await db.models.Check.create({ name: 'cpu check', flapLowPercent: 20, flapHighPercent: 30 })).id;
      for (let i = 0; i < 24; i++) await result(Math.floor(i / 2) % 2 === 0 ? 'major' : 'ok');
      await settle();
      assert.ok(reasons().includes('flapping-started'), reasons().join(', '));
      // And the other way round: the check's 90/100 % keeps the global 20/30 % from calling it flapping.
      await writeSettings(db, { flapLowPercent: 20, flapHighPercent: 30 });
      await db.models.Check.update({ flapLowPercent: 90, flapHighPercent: 100 }, { where: { id: checkId } });
      for (let i = 0; i < 40; i++) await result('ok');
      await settle();
      calls.length = 0;
      for (let i = 0; i < 12; i++) await result(Math.floor(i / 2) % 2 === 0 ? 'major' : 'ok');
      await settle();
      assert.ok(reasons().length >= 5);
      assert.ok(reasons().every((r) => r === 'transition'), reasons().join(', '));
    });

    it('the flapping state survives a restart: a series flapping when the core stopped gets its one "stopped flapping" after it, and lists can see it meanwhile', async () => {
      for (let i = 0; i < 30; i++) await result(i % 2 === 0 ? 'major' : 'ok');
      await settle();
      assert.deepEqual(reasons().filter((r) => r !== 'transition'), ['flapping-started']);
      await alerting.stop();
      const [row] = await db.sequelize.query<{ series_key: string; from_state: string }>('SELECT series_key, from_state FROM alert_flapping', { type: QueryTypes.SELECT });
      assert.equal(row?.series_key, `h:${ids.host.web1}:p:${ids.plugin.cpu}`);
      // A new core over the same database.
      alerting = createAlerting(options, { db, logger: silentLogger(), systemLog: memorySystemLog(), modules, intake: {} });
      await alerting.start();
      // Still flapping: a change sends nothing.
      await result('major');
      await settle();
      assert.deepEqual(reasons().filter((r) => r !== 'transition'), ['flapping-started']);
      for (let i = 0; i < 40; i++) await result('ok');
      await settle();
      assert.deepEqual(reasons().filter((r) => r !== 'transition'), ['flapping-started', 'flapping-stopped']);
      assert.equal((await db.sequelize.query('SELECT series_key FROM alert_flapping', { type: QueryTypes.SELECT })).length, 0);
    });

    it('a batch read again (its commit failed) gets its "started flapping" again, also after a restart, and the changes after it continue', async () => {
      await alerting.stop();
      const transitions: Transition[] = [];
      let from = 'ok';
      for (let i = 0; i < 30; i++) {
        const severity = i % 2 === 0 ? 'major' : 'ok';
        const at = T0 + i * MINUTE;
        await db.sequelize.query(
          `INSERT INTO results (result_id, host_id, plugin_id, check_id, slot_at, measured_at, received_at, value, message, result_type, severity, late)
           VALUES (:rid, :host, :plugin, NULL, :at, :at, :at, 1, NULL, 'ok', :severity, false)`,
          { replacements: { rid: `again-${i}`, host: ids.host.web1!, plugin: ids.plugin.cpu!, at, severity } },
        );
        transitions.push({ id: 1000 + i, hostId: ids.host.web1!, pluginId: ids.plugin.cpu!, serviceId: null, from: from as Severity, to: severity as Severity, at, late: false });
        from = severity;
      }
      const thresholds = { ...FLAP_DEFAULTS };
      const all = () => true;
      const tracker = createFlapTracker(db);
      const verdicts: string[] = [];
      for (const t of transitions) verdicts.push((await tracker.judge([t], thresholds, all)).get(t)!);
      const started = verdicts.indexOf('started');
      assert.ok(started > 0, verdicts.join(', '));
      const starter = transitions[started]!;
      // The intake reads the same batch again: still "started", not "continues" (which would send nothing).
      assert.equal((await tracker.judge([starter], thresholds, all)).get(starter), 'started');
      // And after a restart, from alert_flapping.
      const restarted = createFlapTracker(db);
      assert.equal((await restarted.judge([starter], thresholds, all)).get(starter), 'started');
      const later = transitions[started + 1]!;
      assert.equal((await restarted.judge([later], thresholds, all)).get(later), 'continues');
      await alerting.start();
    });

    it('refuses thresholds out of range or a high threshold below the low one, naming the field, and keeps the old ones', async () => {
      await assert.rejects(writeSettings(db, { flapHighPercent: 101 }), /flapHighPercent/);
      await assert.rejects(writeSettings(db, { flapLowPercent: -1 }), /flapLowPercent/);
      await assert.rejects(writeSettings(db, { flapLowPercent: 40 }), (err: Error & { details?: { field?: string } }) => /flapLowPercent/.test(err.message) && err.details?.field === 'flapLowPercent');
      await assert.rejects(writeSettings(db, { flapHighPercent: 10 }), /setting flapHighPercent: flapHighPercent \(10\) must not be below flapLowPercent \(20\)/);
      const s = await readSettings(db);
      assert.equal(s.flapLowPercent, 20);
      assert.equal(s.flapHighPercent, 30);
    });
  });
}
