import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import { ALERTING_DEFAULTS, createAlerting, isSuppressed, type Alerting } from '../../src/alerting/index.js';
import { acknowledge, createSilence } from '../../src/alerting/problems.js';
import type { Database } from '../../src/db/index.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { seed, testDialects } from './db.js';
import { startReceiver } from './http-server.js';
import { fakeClock, until } from './support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

for (const dialect of testDialects()) {
  describe(`alerting: acknowledgements and maintenance windows over a database and a webhook receiver (${dialect.name})`, function () {
    this.timeout(60_000);
    let db: Database;
    let cleanup: () => Promise<void>;
    let ids: Awaited<ReturnType<typeof seed>>;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let alerting: Alerting;
    let clock: ReturnType<typeof fakeClock>;
    const T0 = Date.UTC(2026, 5, 1, 10, 0, 0);

    /** web1's disk plugin moves: current_states and the committed transition of the host (as the pipeline writes both). */
    async function move(from: string, to: string) {
      await db.sequelize.query('UPDATE current_states SET severity = ? WHERE host_id = ? AND plugin_id = ?', { replacements: [to, ids.host.web1, ids.plugin.disk] });
      await db.sequelize.query('INSERT INTO state_transitions (host_id, plugin_id, service_id, from_state, to_state, at, late) VALUES (?, NULL, NULL, ?, ?, ?, ?)', {
        replacements: [ids.host.web1, from, to, clock.now(), false],
      });
      await alerting.poll();
      await alerting.idle();
    }
    const notices = () => receiver.requests.map((r) => JSON.parse(r.body) as { from: string; to: string; reason: string; target: { name: string } });

    beforeEach(async () => {
      ({ db, cleanup } = await dialect.open());
      receiver = await startReceiver();
      clock = fakeClock(T0);
      ids = await seed(db, { hosts: ['web1', 'web2'], plugins: ['disk'] });
      await db.sequelize.query('INSERT INTO current_states (host_id, plugin_id, severity, since) VALUES (?, ?, ?, ?)', { replacements: [ids.host.web1, ids.plugin.disk, 'ok', T0 - HOUR] });
      const alert = await db.models.Alert.create({
        name: 'web1',
        fromStates: ['ok', 'minor', 'major'],
        toStates: ['ok', 'minor', 'major'],
        module: 'webhook',
        settings: { url: `${receiver.base}/hook` },
        enabled: true,
      });
      await db.models.AlertScope.create({ alertId: alert.id, kind: 'host', hostId: ids.host.web1! });
      alerting = createAlerting({ ...ALERTING_DEFAULTS, pollIntervalMs: 600_000, silenceCheckMs: MINUTE }, { db, logger: silentLogger(), systemLog: memorySystemLog(), intake: {}, clock });
      await alerting.start();
    });
    afterEach(async () => {
      await alerting.stop();
      await receiver.close();
      await cleanup();
    });

    it('a problem inside a maintenance window sends nothing; when the window ends, one notice says so', async () => {
      await createSilence(db, { name: 'Disk swap', comment: '', kind: 'once', startsAt: T0, endsAt: T0 + HOUR, scopes: { hostIds: [ids.host.web1!], groupIds: [], serviceIds: [], checkIds: [], pluginIds: [] } }, 'admin', T0);
      clock.advance(10 * MINUTE);
      await move('ok', 'major');
      clock.advance(10 * MINUTE);
      await move('major', 'minor');
      assert.equal(receiver.requests.length, 0, 'nothing is sent during the window');
      assert.deepEqual(await isSuppressed(db, { hostId: ids.host.web1!, pluginId: null, serviceId: null }, clock.now()), { by: 'silence', id: 1, name: 'Disk swap' });
      // The window ends at T0 + 1 h; the check every minute (the fake clock's timer) sends what it held.
      clock.advance(41 * MINUTE);
      // A check started inside the window finishes first; the next one (a minute on) sees it ended.
      for (let i = 0; i < 20 && receiver.requests.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        clock.advance(MINUTE);
      }
      await until(() => receiver.requests.length === 1, 5000, 'the maintenance-ended notice');
      const [n] = notices();
      assert.equal(n!.reason, 'maintenance-ended');
      assert.equal(n!.to, 'minor', 'the newest change the window held');
      clock.advance(5 * MINUTE);
      assert.equal(await alerting.releaseEnded(), 0);
      await alerting.idle();
      assert.equal(receiver.requests.length, 1, 'once');
      // After the window, a change is sent at once.
      await move('minor', 'major');
      await until(() => receiver.requests.length === 2, 5000, 'the next notice');
      assert.equal(notices()[1]!.reason, 'transition');
    });

    it('a problem that is ok again when the window ends is not notified; a recurring window in its zone holds notices too', async () => {
      // Daily 12:00–13:00 in New York is 16:00–17:00 UTC in June.
      await createSilence(
        db,
        { name: 'Nightly', comment: '', kind: 'daily', timeZone: 'America/New_York', startTime: '12:00', endTime: '13:00', scopes: { hostIds: [], groupIds: [], serviceIds: [], checkIds: [], pluginIds: ['io.prophasis.disk'] } },
        'admin',
        T0,
      );
      clock.advance(6 * HOUR + 5 * MINUTE); // 16:05 UTC
      await db.sequelize.query('INSERT INTO state_transitions (host_id, plugin_id, service_id, from_state, to_state, at, late) VALUES (?, ?, NULL, ?, ?, ?, ?)', {
        replacements: [ids.host.web1, ids.plugin.disk, 'ok', 'major', clock.now(), false],
      });
      const alert2 = await db.models.Alert.create({ name: 'disk', fromStates: ['ok'], toStates: ['major'], module: 'webhook', settings: { url: `${receiver.base}/disk` }, enabled: true });
      await db.models.AlertScope.create({ alertId: alert2.id, kind: 'plugin', pluginId: ids.plugin.disk! });
      alerting.invalidate();
      await alerting.poll();
      await alerting.idle();
      assert.equal(receiver.requests.filter((r) => r.url === '/disk').length, 0, 'held by the window');
      assert.equal((await db.sequelize.query('SELECT alert_id FROM silence_held'))[0].length, 1);
      // The plugin is ok again before 17:00 UTC: nothing is sent when the window ends.
      await db.sequelize.query('UPDATE current_states SET severity = ? WHERE host_id = ? AND plugin_id = ?', { replacements: ['ok', ids.host.web1, ids.plugin.disk] });
      clock.advance(HOUR);
      assert.equal(await alerting.releaseEnded(), 0);
      await alerting.idle();
      assert.equal(receiver.requests.length, 0);
    });

    it('an acknowledgement stops notices until the state changes; a sticky one until the problem is ok', async () => {
      const host = { hostId: ids.host.web1!, pluginId: null, serviceId: null };
      await move('ok', 'major');
      await until(() => receiver.requests.length === 1, 5000, 'the first notice');
      const ack = await acknowledge(db, { problem: host, comment: 'on it', sticky: false, by: 'operator' }, clock.now());
      assert.equal(ack.severity, 'major');
      assert.deepEqual(await isSuppressed(db, host, clock.now()), { by: 'acknowledgement', id: ack.id });
      // The state changes: the acknowledgement ends and the change is sent.
      await move('major', 'minor');
      await until(() => receiver.requests.length === 2, 5000, 'the change after a plain acknowledgement');
      assert.equal(await isSuppressed(db, host, clock.now()), null);

      const sticky = await acknowledge(db, { problem: host, comment: 'replacing the disk', sticky: true, by: 'operator' }, clock.now());
      await move('minor', 'major');
      await alerting.idle();
      assert.equal(receiver.requests.length, 2, 'a sticky acknowledgement outlives a change between problem states');
      assert.deepEqual(await isSuppressed(db, host, clock.now()), { by: 'acknowledgement', id: sticky.id });
      await move('major', 'ok');
      await until(() => receiver.requests.length === 3, 5000, 'the recovery');
      assert.deepEqual(notices().map((n) => `${n.from}→${n.to}`), ['ok→major', 'major→minor', 'major→ok']);
      assert.equal(await isSuppressed(db, host, clock.now()), null);
    });
  });
}
