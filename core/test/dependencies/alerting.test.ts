import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import { ALERTING_DEFAULTS, createAlerting, isSuppressed, loadProblemMarks, type Alerting } from '../../src/alerting/index.js';
import type { Database } from '../../src/db/index.js';
import { loadDependencies, REACHABILITY_PLUGIN, setParents } from '../../src/dependencies/index.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { seed, testDialects } from '../alerting/db.js';
import { startReceiver } from '../alerting/http-server.js';
import { fakeClock, until } from '../alerting/support.js';

const MINUTE = 60_000;
const HOSTS = ['router-1', 'switch-1', 'web-1', 'db-1'] as const;
type Name = (typeof HOSTS)[number];

for (const dialect of testDialects()) {
  describe(`dependencies hold the notices of hosts behind a down parent (${dialect.name})`, function () {
    this.timeout(60_000);
    let db: Database;
    let cleanup: () => Promise<void>;
    let ids: Awaited<ReturnType<typeof seed>>;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let alerting: Alerting;
    let clock: ReturnType<typeof fakeClock>;
    const T0 = Date.UTC(2026, 5, 1, 10, 0, 0);
    const host = (n: Name) => ids.host[n]!;
    const own = (n: Name) => ({ hostId: host(n), pluginId: null, serviceId: null });

    /** The host's agent goes away (unreachable → its own severity major) or comes back, as presence and the state tracker write it. */
    async function reach(n: Name, reachable: boolean) {
      await db.sequelize.query('UPDATE hosts SET unreachable_since = ? WHERE id = ?', { replacements: [reachable ? null : clock.now(), host(n)] });
      await db.sequelize.query('INSERT INTO state_transitions (host_id, plugin_id, service_id, from_state, to_state, at, late) VALUES (?, NULL, NULL, ?, ?, ?, ?)', {
        replacements: [host(n), reachable ? 'major' : 'ok', reachable ? 'ok' : 'major', clock.now(), false],
      });
      await alerting.poll();
      await alerting.idle();
    }
    const notices = () => receiver.requests.map((r) => JSON.parse(r.body) as { to: string; reason: string; target: { name: string }; causedBy?: { name: string } });
    const sent = () => notices().map((n) => `${n.target.name} ${n.to} ${n.reason}`);
    const held = async () => (await db.sequelize.query<{ problem_key: string; parent_id: number }>('SELECT problem_key, parent_id FROM dependency_held ORDER BY problem_key', { type: 'SELECT' as never })) as unknown as { problem_key: string; parent_id: number }[];
    const release = async () => {
      await alerting.releaseEnded();
      await alerting.idle();
    };

    beforeEach(async () => {
      ({ db, cleanup } = await dialect.open());
      receiver = await startReceiver();
      clock = fakeClock(T0);
      ids = await seed(db, { hosts: [...HOSTS], plugins: ['disk'] });
      for (const n of HOSTS) await db.sequelize.query('INSERT INTO current_states (host_id, plugin_id, severity, since) VALUES (?, ?, ?, ?)', { replacements: [host(n), ids.plugin.disk, 'ok', T0 - MINUTE] });
      await setParents(db, host('switch-1'), [host('router-1')]);
      await setParents(db, host('web-1'), [host('switch-1')]);
      await setParents(db, host('db-1'), [host('switch-1')]);
      const alert = await db.models.Alert.create({ name: 'hosts', fromStates: ['ok', 'major'], toStates: ['ok', 'major'], module: 'webhook', settings: { url: `${receiver.base}/hook` }, enabled: true });
      for (const n of HOSTS) await db.models.AlertScope.create({ alertId: alert.id, kind: 'host', hostId: host(n) });
      alerting = createAlerting({ ...ALERTING_DEFAULTS, pollIntervalMs: 600_000, silenceCheckMs: 10 * MINUTE }, { db, logger: silentLogger(), systemLog: memorySystemLog(), intake: {}, clock });
      await alerting.start();
    });
    afterEach(async () => {
      await alerting.stop();
      await receiver.close();
      await cleanup();
    });

    it('the router goes down, then everything behind it: one notification (the router); the others are held, marked "caused by router-1", and transitions are still recorded', async () => {
      await reach('router-1', false);
      await until(() => receiver.requests.length === 1, 5000, 'the router notice');
      for (const n of ['switch-1', 'web-1', 'db-1'] as const) await reach(n, false);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(sent(), ['router-1 major unreachable']);
      assert.equal((await held()).length, 3);
      assert.ok((await held()).every((h) => Number(h.parent_id) === host('router-1')));
      assert.equal((await db.models.StateTransition.count({ where: { pluginId: null } })), 4, 'every change recorded');
      assert.deepEqual(await isSuppressed(db, own('web-1'), clock.now()), { by: 'dependency', hostId: host('router-1'), name: 'router-1' });
      const marks = await loadProblemMarks(db, clock.now());
      assert.deepEqual(marks(own('db-1')).causedBy, { hostId: host('router-1'), name: 'router-1' });
      assert.equal(marks(own('router-1')).causedBy, null, 'the parent’s own problem is its own');
      // A plugin problem of a host behind the router is caused by it too.
      assert.deepEqual(marks({ hostId: host('web-1'), pluginId: ids.plugin.disk!, serviceId: null }).causedBy?.name, 'router-1');
    });

    it('everything comes back, the children first: only the router’s recovery is sent', async () => {
      await reach('router-1', false);
      for (const n of ['switch-1', 'web-1', 'db-1'] as const) await reach(n, false);
      for (const n of ['switch-1', 'web-1', 'db-1'] as const) await reach(n, true);
      await reach('router-1', true);
      clock.advance(10 * MINUTE);
      await release();
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(sent(), ['router-1 major unreachable', 'router-1 ok transition']);
      assert.deepEqual(await held(), []);
    });

    it('the router comes back first and a child recovers before the held notices are looked at: its recovery is not sent either', async () => {
      await reach('router-1', false);
      await reach('web-1', false);
      await reach('router-1', true);
      await reach('web-1', true);
      await release();
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(sent(), ['router-1 major unreachable', 'router-1 ok transition']);
      assert.deepEqual(await held(), []);
    });

    it('a host still down once the router is back is notified once ("after parent recovered"); its later recovery is sent', async () => {
      await reach('router-1', false);
      await reach('switch-1', false);
      await reach('db-1', false);
      await reach('router-1', true);
      // The switch is still down: db-1 is now caused by the switch, its own problem (switch-1) is notified once.
      await release();
      await until(() => receiver.requests.length === 3, 5000, 'the held notice of the switch');
      assert.deepEqual(sent(), ['router-1 major unreachable', 'router-1 ok transition', 'switch-1 major dependency-ended']);
      assert.equal(notices()[2]!.causedBy?.name, 'router-1', 'the notice names the parent that held it');
      assert.deepEqual((await held()).map((h) => [h.problem_key, Number(h.parent_id)]), [[`h:${host('db-1')}`, host('switch-1')]], 'db-1 held on for the switch');
      await release();
      assert.equal(receiver.requests.length, 3, 'once');
      await reach('switch-1', true);
      await release();
      await until(() => receiver.requests.length === 5, 5000, 'the switch recovery and the db notice');
      assert.deepEqual(sent().slice(3).sort(), ['db-1 major dependency-ended', 'switch-1 ok transition']);
      await reach('db-1', true);
      await until(() => receiver.requests.length === 6, 5000, 'the db recovery');
      assert.equal(sent()[5], 'db-1 ok transition');
    });

    it('the router’s agent is gone but still in its grace period when a host behind it turns unreachable first: held all the same', async () => {
      // The router's agent went away (its Last Will): disconnected, not yet unreachable.
      await db.sequelize.query("UPDATE hosts SET enrolment_state = 'enrolled', agent_id = 'router-agent', connected_since = NULL, last_seen = ? WHERE id = ?", { replacements: [clock.now() - 5_000, host('router-1')] });
      await reach('web-1', false);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(sent(), [], 'held: the router is going down');
      assert.deepEqual((await held()).map((h) => Number(h.parent_id)), [host('router-1')]);
      // Its grace period ends: unreachable, notified; web-1 stays held.
      await reach('router-1', false);
      await release();
      await until(() => receiver.requests.length === 1, 5000, 'the router notice');
      assert.deepEqual(sent(), ['router-1 major unreachable']);
      // A router whose agent is connected is not down: the hosts behind it are notified at once.
      await db.sequelize.query('UPDATE hosts SET connected_since = ?, last_seen = ?, unreachable_since = NULL WHERE id = ?', { replacements: [clock.now(), clock.now(), host('router-1')] });
      await reach('db-1', false);
      await until(() => sent().includes('db-1 major unreachable'), 5000, 'the db notice');
    });

    it('a device behind its collector is down when its ping is major (no reply) or critical; a host with two parents needs both down', async () => {
      const ping = (await db.models.Plugin.create({ pluginId: REACHABILITY_PLUGIN, name: 'ping' })).id;
      await db.sequelize.query('INSERT INTO current_states (host_id, plugin_id, severity, since) VALUES (?, ?, ?, ?)', { replacements: [host('switch-1'), ping, 'major', T0] });
      let deps = await loadDependencies(db);
      assert.deepEqual(deps.causedBy(host('web-1')), { hostId: host('switch-1'), name: 'switch-1' }, 'the ping classifier makes no reply major');
      // A slow or slightly lossy ping (minor) is reached.
      await db.sequelize.query("UPDATE current_states SET severity = 'minor' WHERE host_id = ? AND plugin_id = ?", { replacements: [host('switch-1'), ping] });
      assert.equal((await loadDependencies(db)).causedBy(host('web-1')), null);
      await db.sequelize.query("UPDATE current_states SET severity = 'critical' WHERE host_id = ? AND plugin_id = ?", { replacements: [host('switch-1'), ping] });
      deps = await loadDependencies(db);
      assert.deepEqual(deps.causedBy(host('web-1')), { hostId: host('switch-1'), name: 'switch-1' });
      assert.equal(deps.causedBy(host('switch-1')), null);
      // A failing disk is not "down": the host is reached, its problems are its own.
      await db.sequelize.query("UPDATE current_states SET severity = 'critical' WHERE host_id = ? AND plugin_id = ?", { replacements: [host('router-1'), ids.plugin.disk] });
      await db.sequelize.query("UPDATE current_states SET severity = 'ok' WHERE host_id = ? AND plugin_id = ?", { replacements: [host('switch-1'), ping] });
      assert.equal((await loadDependencies(db)).causedBy(host('web-1')), null);
      // db-1 reached through the switch and the router directly: one up is a path.
      await setParents(db, host('db-1'), [host('switch-1'), host('router-1')]);
      await db.sequelize.query("UPDATE current_states SET severity = 'critical' WHERE host_id = ? AND plugin_id = ?", { replacements: [host('switch-1'), ping] });
      deps = await loadDependencies(db);
      assert.equal(deps.causedBy(host('db-1')), null);
      await db.sequelize.query('UPDATE hosts SET unreachable_since = ? WHERE id = ?', { replacements: [T0, host('router-1')] });
      deps = await loadDependencies(db);
      assert.deepEqual(deps.causedBy(host('db-1')), { hostId: host('router-1'), name: 'router-1' });
    });
  });
}
