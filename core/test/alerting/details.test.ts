import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import { ALERTING_DEFAULTS, createAlerting, type Alerting, type AlertModule, type AlertNotice } from '../../src/alerting/index.js';
import { writeSettings, type Database } from '../../src/db/index.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { seed, testDialects } from './db.js';
import { recordingModule, until } from './support.js';

const AT = Date.UTC(2026, 11, 7, 10, 0, 0);

for (const dialect of testDialects()) {
  describe(`notices carry the check, the value with its unit, the message and a console link (${dialect.name})`, function () {
    let db: Database;
    let cleanup: () => Promise<void>;
    let ids: Awaited<ReturnType<typeof seed>>;
    let calls: { notice: AlertNotice; settings: unknown }[];
    let alerting: Alerting;
    let checkId: number;

    async function start(publicUrl?: () => string): Promise<void> {
      const recording = recordingModule('mod', () => false);
      calls = recording.calls;
      alerting = createAlerting({ ...ALERTING_DEFAULTS, pollIntervalMs: 600_000 }, {
        db,
        logger: silentLogger(),
        systemLog: memorySystemLog(),
        modules: new Map([['mod', recording.module as AlertModule<unknown>]]),
        intake: {},
        ...(publicUrl ? { publicUrl } : {}),
      });
      await alerting.start();
    }
    /** A disk result measured at `at` and received an hour later (late), and its transition ok → major. */
    async function lateChange(at: number): Promise<void> {
      await db.sequelize.query(
        `INSERT INTO results (result_id, host_id, plugin_id, check_id, slot_at, measured_at, received_at, value, message, result_type, severity, late)
         VALUES (:rid, :host, :plugin, :check, :at, :at, :received, 93.5, '/var is nearly full', 'ok', 'major', :late)`,
        { replacements: { rid: `r${at}`, host: ids.host.web1!, plugin: ids.plugin.disk!, check: checkId, at, received: at + 3_600_000, late: true } },
      );
      await db.sequelize.query("INSERT INTO state_transitions (host_id, plugin_id, service_id, from_state, to_state, at, late) VALUES (:host, :plugin, NULL, 'ok', 'major', :at, :late)", {
        replacements: { host: ids.host.web1!, plugin: ids.plugin.disk!, at, late: true },
      });
      await alerting.poll();
      await alerting.idle();
      await until(() => alerting.pending().length === 0, 5000, 'the queue to empty');
    }

    beforeEach(async () => {
      ({ db, cleanup } = await dialect.open());
      ids = await seed(db, { hosts: ['web1'], plugins: ['disk'] });
      checkId = (await db.models.Check.create({ name: 'Disks' })).id;
      const base = { bundleSha256: 'a'.repeat(64), publisher: 'test', publisherKeyFingerprint: 'f'.repeat(64), requestedCapabilities: ['os.info'], defaultClassifier: 'return "ok"' };
      await db.models.PluginVersion.create({ ...base, pluginId: ids.plugin.disk!, version: '1.0.0', manifest: { chart: { unit: 'B' } }, createdAt: AT });
      await db.models.PluginVersion.create({ ...base, pluginId: ids.plugin.disk!, version: '1.1.0', manifest: { chart: { unit: '%' } }, createdAt: AT });
      const alert = await db.models.Alert.create({ name: 'disk', fromStates: ['ok'], toStates: ['major'], module: 'mod', settings: { to: 'oncall' }, enabled: true });
      await db.models.AlertScope.create({ alertId: alert.id, kind: 'plugin', pluginId: ids.plugin.disk! });
    });
    afterEach(async () => {
      await alerting.stop();
      await cleanup();
    });

    it("names the check, the result's value in the newest version's unit, its message and times, and links to the host page under the core's URL", async () => {
      await start(() => 'http://core.local:8080/');
      await lateChange(AT);
      assert.equal(calls.length, 1);
      const n = calls[0]!.notice;
      assert.deepEqual(n.check, { id: checkId, name: 'Disks' });
      assert.deepEqual(n.result, { value: 93.5, unit: '%', message: '/var is nearly full', measuredAt: AT, receivedAt: AT + 3_600_000 });
      assert.equal(n.link, `http://core.local:8080/hosts/${ids.host.web1}/detail`);
      assert.equal(n.late, true);
    });

    it('the publicUrl setting wins over the core URL; a bad one is refused naming the field and changes nothing', async () => {
      await assert.rejects(writeSettings(db, { publicUrl: 'mon.example.com' }), /setting publicUrl/);
      await assert.rejects(writeSettings(db, { publicUrl: 'https://mon.example.com/a b' }), /setting publicUrl/);
      await writeSettings(db, { publicUrl: 'https://mon.example.com/prophasis/' });
      await start(() => 'http://core.local:8080');
      await lateChange(AT);
      assert.equal(calls[0]!.notice.link, `https://mon.example.com/prophasis/hosts/${ids.host.web1}/detail`);
    });

    it('without any URL there is no link, and a deleted check is not named', async () => {
      await db.models.Check.destroy({ where: { id: checkId } });
      await start();
      await lateChange(AT);
      assert.equal(calls[0]!.notice.link, undefined);
      assert.equal(calls[0]!.notice.check, null);
      assert.equal(calls[0]!.notice.result?.value, 93.5);
    });
  });
}
