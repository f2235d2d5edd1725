import assert from 'node:assert/strict';
import { isProphasisError, silentLogger, type Severity } from '@prophasis/protocol';
import { access } from 'node:fs/promises';
import {
  ALERTING_DEFAULTS,
  AlertErrors,
  createAlerting,
  loadAlertRules,
  type Alerting,
  type Transition,
} from '../../src/alerting/index.js';
import type { AlertScopeKind, Database } from '../../src/db/index.js';
import { createEventBus } from '../../src/kernel/index.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { seed, testDialects } from './db.js';
import { startReceiver } from './http-server.js';
import { startFakeSmtp } from './smtp-server.js';
import { fakeClock, parseMail, until } from './support.js';

for (const dialect of testDialects()) {
  describe(`alerting over the database (${dialect.name})`, function () {
    let db: Database;
    let cleanup: () => Promise<void>;
    let ids: Awaited<ReturnType<typeof seed>>;
    let rx: Awaited<ReturnType<typeof startReceiver>>;
    let checkId: number;
    let serviceId: number;
    let alerting: Alerting | undefined;
    const systemLog = memorySystemLog();

    async function alert(name: string, scopes: [AlertScopeKind, number][], options: { module?: string; settings?: Record<string, unknown>; enabled?: boolean; from?: Severity[]; to?: Severity[] } = {}) {
      const row = await db.models.Alert.create({
        name,
        fromStates: options.from ?? ['ok'],
        toStates: options.to ?? ['major', 'critical'],
        module: options.module ?? 'webhook',
        settings: options.settings ?? { url: `${rx.base}/${name}` },
        enabled: options.enabled ?? true,
      });
      for (const [kind, id] of scopes) await db.models.AlertScope.create({ alertId: row.id, kind, [`${kind}Id`]: id });
      return row.id;
    }
    const host = (name: string, plugin: string | null, from: Severity, to: Severity, late = false): Transition => ({
      hostId: ids.host[name]!,
      serviceId: null,
      pluginId: plugin === null ? null : ids.plugin[plugin]!,
      from,
      to,
      at: Date.UTC(2025, 5, 1, 12),
      late,
    });
    const paths = () => rx.requests.map((r) => r.url).sort();
    const bodyAt = (path: string) => JSON.parse(rx.requests.find((r) => r.url === path)!.body) as Record<string, unknown>;

    beforeEach(async () => {
      ({ db, cleanup } = await dialect.open());
      rx = await startReceiver();
      systemLog.entries.length = 0;
      ids = await seed(db, {
        hosts: ['router', 'web1', 'web2', 'db1'],
        groups: { web: { hosts: ['web1'], groups: ['web-b'] }, 'web-b': { hosts: ['web2'] } },
        plugins: ['cpu', 'disk'],
      });
      checkId = (await db.models.Check.create({ name: 'web cpu' })).id;
      await db.models.CheckGroup.create({ checkId, groupId: ids.group.web! });
      await db.models.CheckPlugin.create({ checkId, pluginId: ids.plugin.cpu! });
      serviceId = (await db.models.Service.create({ name: 'Website' })).id;
    });
    afterEach(async () => {
      await alerting?.stop();
      alerting = undefined;
      await rx.close();
      await cleanup();
    });

    it('scopes by host, group (nested member), service, plugin and check; no scope and disabled alerts match nothing', async () => {
      await alert('host', [['host', ids.host.router!]]);
      await alert('group', [['group', ids.group.web!]]);
      await alert('service', [['service', serviceId]]);
      await alert('plugin', [['plugin', ids.plugin.disk!]]);
      await alert('check', [['check', checkId]]);
      await alert('none', []);
      await alert('disabled', [['host', ids.host.router!]], { enabled: false });
      const rules = await loadAlertRules(db);
      assert.deepEqual(rules.map((r) => r.name), ['host', 'group', 'service', 'plugin', 'check', 'none']);
      assert.deepEqual([...rules[1]!.scopes.hostIds].sort(), [ids.host.web1, ids.host.web2].sort(), 'the group scope reaches the nested web2');
      assert.deepEqual([...rules[4]!.scopes.checks[0]!.hostIds].sort(), [ids.host.web1, ids.host.web2].sort());

      alerting = createAlerting(ALERTING_DEFAULTS, { db, logger: silentLogger(), systemLog });
      await alerting.start();
      const result = await alerting.handleTransitions([
        host('router', null, 'ok', 'major'),
        host('web2', null, 'ok', 'major'),
        host('web2', 'cpu', 'ok', 'major'),
        host('db1', 'disk', 'ok', 'major'),
        host('db1', 'cpu', 'ok', 'major'),
        { hostId: null, serviceId, pluginId: null, from: 'ok', to: 'critical', at: 5, late: false },
        host('router', null, 'major', 'ok'),
      ]);
      await alerting.idle();
      assert.equal(result.matched, 5);
      assert.deepEqual(paths(), ['/check', '/group', '/host', '/plugin', '/service']);
      assert.deepEqual(bodyAt('/group').target, { kind: 'host', id: ids.host.web2, name: 'web2' });
      assert.deepEqual(bodyAt('/group').causes, [{ plugin: 'cpu', from: 'ok', to: 'major' }], 'the host alert names the plugin change that caused it');
      assert.deepEqual(bodyAt('/check').plugin, { id: ids.plugin.cpu, pluginId: 'io.prophasis.cpu', name: 'cpu' });
      assert.deepEqual(bodyAt('/service').target, { kind: 'service', id: serviceId, name: 'Website' });
      assert.equal(bodyAt('/plugin').subject, 'db1 disk: ok → major');
      assert.equal(systemLog.entries.filter((e) => e.message === 'alert delivered by webhook').length, 5);
    });

    it("a host alert caused by its agent going away says the host is unreachable, in words, and so does its return", async () => {
      await alert('gone', [['host', ids.host.router!]], { from: ['ok', 'major'], to: ['major', 'ok'] });
      const at = Date.UTC(2025, 5, 1, 12);
      // What presence writes when the grace period runs out: unreachable_since = the transition's time.
      await db.models.Host.update({ unreachableSince: at, lastSeen: at - 90_000 }, { where: { id: ids.host.router! } });
      alerting = createAlerting(ALERTING_DEFAULTS, { db, logger: silentLogger(), systemLog });
      await alerting.start();
      await alerting.handleTransitions([host('router', null, 'ok', 'major')]);
      await alerting.idle();
      assert.match(String(bodyAt('/gone').subject), /router is unreachable/, String(bodyAt('/gone').subject));
      assert.doesNotMatch(String(bodyAt('/gone').subject), /ok → major/);
    });

    it('e-mails through the SMTP server of the settings table; a late transition says so', async () => {
      const smtp = await startFakeSmtp();
      try {
        await db.models.Setting.create({ key: 'smtp', value: { host: '127.0.0.1', port: smtp.port, secure: false, user: '', from: 'prophasis@example.test' } });
        await alert('mail', [['host', ids.host.router!]], { module: 'email', settings: { to: 'oncall@example.test' } });
        alerting = createAlerting(ALERTING_DEFAULTS, { db, logger: silentLogger(), systemLog });
        await alerting.start();
        await alerting.handleTransitions([host('router', null, 'ok', 'major', true)]);
        await alerting.idle();
        assert.equal(smtp.mails.length, 1, JSON.stringify(systemLog.entries));
        const { headers, body } = parseMail(smtp.mails[0]!.data);
        assert.equal(headers.get('subject'), '[Prophasis] LATE router: ok → major');
        assert.match(body, /^Host: router$/m);
        assert.match(body, /LATE: this change happened at 2025-06-01T12:00:00\.000Z and was delivered after the agent reconnected\./);
      } finally {
        await smtp.close();
      }
    });

    it('retries failing modules (HTTP 500, SMTP refused, exit 1) with backoff, logs them, and still delivers the next alert', async () => {
      const clock = fakeClock();
      const smtp = await startFakeSmtp({ refuse: true });
      const failing = await startReceiver();
      failing.respond.status = 500;
      try {
        await db.models.Setting.create({ key: 'smtp', value: { host: '127.0.0.1', port: smtp.port, secure: false, user: '', from: 'p@example.test' } });
        const falseBin = (await access('/bin/false').then(() => true, () => false)) ? '/bin/false' : '/usr/bin/false';
        await alert('hook500', [['host', ids.host.db1!]], { settings: { url: `${failing.base}/hook` } });
        await alert('smtp', [['host', ids.host.db1!]], { module: 'email', settings: { to: 'a@example.test' } });
        await alert('cmd', [['host', ids.host.db1!]], { module: 'command', settings: { path: falseBin } });
        await alert('good', [['host', ids.host.web1!]]);
        alerting = createAlerting(ALERTING_DEFAULTS, { db, logger: silentLogger(), systemLog, clock });
        await alerting.start();
        await alerting.handleTransitions([host('db1', null, 'ok', 'major')]);
        await alerting.idle();
        const warns = systemLog.entries.filter((e) => e.level === 'warn');
        assert.deepEqual(warns.map((w) => w.context.module).sort(), ['command', 'email', 'webhook']);
        assert.match(warns.find((w) => w.context.module === 'webhook')!.message, /attempt 1 of 5\), retrying in 40 s: .*HTTP 500 from/);
        assert.match(String(warns.find((w) => w.context.module === 'email')!.context.reason), /554/);
        assert.match(String(warns.find((w) => w.context.module === 'command')!.context.reason), /exited with code 1/);
        assert.equal(alerting.pending().length, 3);

        // The next alert goes out at once, whatever the failing ones do.
        await alerting.handleTransitions([host('web1', null, 'ok', 'major')]);
        await alerting.idle();
        assert.deepEqual(paths(), ['/good']);

        // The receiver and the mail server recover; the second attempts come after the 40 s backoff.
        failing.respond.status = 200;
        smtp.refuse = false;
        clock.advance(39_000);
        await alerting.idle();
        assert.equal(failing.requests.length, 1);
        clock.advance(1_000);
        await alerting.idle();
        assert.equal(failing.requests.length, 2);
        assert.equal(smtp.mails.length, 1);
        assert.deepEqual(alerting.pending().map((d) => [d.module, d.attempts]), [['command', 2]]);
        for (let i = 0; i < 4; i++) {
          clock.advance(600_000);
          await alerting.idle();
        }
        assert.deepEqual(alerting.pending(), []);
        const abandoned = systemLog.entries.filter((e) => e.level === 'error');
        assert.equal(abandoned.length, 1);
        assert.match(abandoned[0]!.message, /alert delivery by command abandoned after 5 attempts: .*exited with code 1/);
      } finally {
        await failing.close();
        await smtp.close();
      }
    });

    it('Test action: a stored alert (even disabled) or unsaved settings; refusals leave it working', async () => {
      const id = await alert('tested', [], { enabled: false });
      alerting = createAlerting(ALERTING_DEFAULTS, { db, logger: silentLogger(), systemLog });
      await alerting.start();
      assert.deepEqual(await alerting.test(id), { ok: true });
      assert.equal(bodyAt('/tested').test, true);
      assert.equal(bodyAt('/tested').deliveryId, null, 'a Test notice is no delivery');
      assert.deepEqual(bodyAt('/tested').alert, { id, name: 'tested' });
      rx.respond.status = 503;
      const failed = await alerting.test({ module: 'webhook', settings: { url: `${rx.base}/adhoc` } });
      assert.equal(failed.ok, false);
      assert.match((failed as { reason: string }).reason, /HTTP 503/);
      await assert.rejects(alerting.test(99_999), (err: unknown) => isProphasisError(err, AlertErrors.NOT_FOUND));
      await assert.rejects(alerting.test({ module: 'pager', settings: {} }), (err: unknown) => isProphasisError(err, AlertErrors.UNKNOWN_MODULE));
      await assert.rejects(alerting.test({ module: 'webhook', settings: { url: 'nope' } }), (err: unknown) => isProphasisError(err, AlertErrors.INVALID_SETTINGS) && /settings\.url/.test(err.message));
      rx.respond.status = 200;
      assert.deepEqual(await alerting.test(id), { ok: true });
      assert.deepEqual(alerting.modules().map((m) => m.id), ['email', 'webhook', 'command']);
    });

    it('with the intake: a committed row is read at once when state.changed says so; the event alone delivers nothing', async () => {
      await alert('bus', [['host', ids.host.router!]]);
      await alert('poll', [['service', serviceId]]);
      await db.models.StateTransition.create({ serviceId, fromState: 'ok', toState: 'critical', at: 1 });
      const bus = createEventBus();
      // The poll interval is far away: only the wake-up can read in time.
      alerting = createAlerting({ ...ALERTING_DEFAULTS, pollIntervalMs: 600_000 }, { db, logger: silentLogger(), systemLog, intake: { wake: bus } });
      await alerting.start();
      assert.equal(await alerting.poll(), 0, 'history before the first start is not alerted');
      // The event the pipeline publishes after its commit; the table is the truth, the event a hint.
      bus.publish({ type: 'state.changed', ts: 1, transition: { hostId: ids.host.router!, serviceId: null, pluginId: null, from: 'ok', to: 'major', at: 5, late: false } });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(rx.requests.length, 0, 'an event without a committed row is not an alert');
      await db.models.StateTransition.create({ hostId: ids.host.router!, fromState: 'ok', toState: 'major', at: 10 });
      await db.models.StateTransition.create({ serviceId, fromState: 'ok', toState: 'critical', at: 2, late: true });
      bus.publish({ type: 'state.changed', ts: 1, transition: { hostId: ids.host.router!, serviceId: null, pluginId: null, from: 'ok', to: 'major', at: 10, late: false } });
      bus.publish({ type: 'config.changed', ts: 1, resource: 'hosts' });
      await until(() => rx.requests.length === 2, 5000, 'the deliveries after the wake-up');
      assert.deepEqual(paths(), ['/bus', '/poll']);
      assert.equal(bodyAt('/bus').atMs, 10);
      assert.match(String(bodyAt('/bus').deliveryId), /^[0-9a-f-]{36}$/, 'the id a receiver tells a repeat by');
      assert.notEqual(bodyAt('/bus').deliveryId, bodyAt('/poll').deliveryId);
      assert.equal(bodyAt('/poll').late, true, JSON.stringify(bodyAt('/poll')));
      await alerting.stop();
      alerting = undefined;
      assert.equal(bus.size(), 0, 'stopping unsubscribes from the bus');
    });
  });
}
