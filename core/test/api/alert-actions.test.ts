import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALERTING_DEFAULTS } from '../../src/alerting/config.js';
import { createAlerting, type Alerting } from '../../src/alerting/alerting.js';
import { loadAlertRules } from '../../src/alerting/rules.js';
import { sequelizeDeliveryStore } from '../../src/alerting/sequelize-store.js';
import type { AlertNotice } from '../../src/alerting/types.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

/** A webhook receiver on 127.0.0.1 (port 0) that answers with `status` and keeps what it got. */
async function startReceiver(): Promise<{ server: Server; url: string; received: { path: string; body: unknown }[]; status: number }> {
  const state = { received: [] as { path: string; body: unknown }[], status: 200 };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') });
      res.statusCode = state.status;
      res.end(state.status === 200 ? 'ok' : 'receiver says no');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, { server, url: `http://127.0.0.1:${port}` });
}

for (const dialect of DIALECTS) {
  describe(`API alert modules and Test (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    let alerting: Alerting;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    const effects: string[] = [];
    let hostId: number;

    before(async () => {
      receiver = await startReceiver();
      api = await createTestApi(dialect, {
        dbPrefix: 'prophasis_test_api2',
        deps: (db) => {
          alerting = createAlerting(ALERTING_DEFAULTS, { db, logger: silentLogger(), systemLog: memorySystemLog() });
          return {
            alerting: {
              modules: () => alerting.modules(),
              validate: (m, s) => alerting.validate(m, s),
              test: (t) => alerting.test(t),
              invalidate: () => {
                effects.push('invalidate');
                alerting.invalidate();
              },
            },
            services: {
              recomputeAll: async () => {
                effects.push('recompute');
              },
            },
            plans: { notifyConfigChanged: () => effects.push('plans') },
          };
        },
      });
      hostId = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'web-1' })).json().id;
    });
    after(async () => {
      await api?.close();
      receiver?.server.close();
    });

    it('lists the modules with their settings schemas (viewer)', async () => {
      const res = await call(api, 'viewer', 'GET', '/api/alert-modules');
      assert.equal(res.statusCode, 200, res.body);
      const modules = res.json() as { id: string; label: string; settingsSchema: { type: string; properties: Record<string, unknown> } }[];
      assert.deepEqual(modules.map((m) => m.id).sort(), ['command', 'email', 'webhook']);
      const webhook = modules.find((m) => m.id === 'webhook')!;
      assert.equal(webhook.label, 'Webhook');
      assert.equal(webhook.settingsSchema.type, 'object');
      assert.ok('url' in webhook.settingsSchema.properties);
      assert.equal((await call(api, undefined, 'GET', '/api/alert-modules')).statusCode, 401);
    });

    it('tests unsaved settings against a real receiver; a failed delivery is ok:false, not an error', async () => {
      receiver.received.length = 0;
      receiver.status = 200;
      effects.length = 0;
      const ok = await call(api, 'admin', 'POST', '/api/alerts/test', { module: 'webhook', settings: { url: `${receiver.url}/hook` } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(ok.json(), { ok: true });
      assert.equal(receiver.received.length, 1);
      assert.equal(receiver.received[0]!.path, '/hook');
      assert.equal((receiver.received[0]!.body as { test?: boolean }).test, true);
      assert.deepEqual((receiver.received[0]!.body as { alert: unknown }).alert, { id: 0, name: 'Test' }, 'without a name the message says Test');

      // Issue 21: the console sends the name of the alert being edited, and the message names it.
      receiver.received.length = 0;
      const named = await call(api, 'admin', 'POST', '/api/alerts/test', { module: 'webhook', settings: { url: `${receiver.url}/hook` }, name: 'Disk pager' });
      assert.deepEqual([named.statusCode, named.json()], [200, { ok: true }], named.body);
      const body = receiver.received[0]!.body as { alert: { name: string }; text: string; subject: string };
      assert.equal(body.alert.name, 'Disk pager');
      assert.match(body.text, /^Alert: Disk pager$/m);
      assert.doesNotMatch(body.text, /^Alert: Test$/m);

      receiver.status = 500;
      const failed = await call(api, 'admin', 'POST', '/api/alerts/test', { module: 'webhook', settings: { url: `${receiver.url}/hook` } });
      assert.equal(failed.statusCode, 200, failed.body);
      assert.equal(failed.json().ok, false);
      assert.match(failed.json().error, /HTTP 500/);
      receiver.status = 200;

      const trail = (await call(api, 'admin', 'GET', '/api/audit?action=alerts.test')).json();
      assert.deepEqual(trail.items.map((e: { summary: { ok: boolean } }) => e.summary), [{ module: 'webhook', ok: false }, { module: 'webhook', ok: true, name: 'Disk pager' }, { module: 'webhook', ok: true }]);
      assert.deepEqual(effects, [], 'a Test is not a configuration change');
    });

    it('validates module and settings on create and update, naming the field; nothing is stored', async () => {
      const base = { name: 'pager', fromStates: ['ok'], toStates: ['major'], scopes: { hostIds: [hostId] } };
      const before = (await call(api, 'viewer', 'GET', '/api/alerts')).json().total;
      const badUrl = await call(api, 'admin', 'POST', '/api/alerts', { ...base, module: 'webhook', settings: { url: 'ftp://x.example' } });
      assert.equal(badUrl.statusCode, 400, badUrl.body);
      assert.deepEqual([badUrl.json().code, badUrl.json().details.field], ['CORE_ALERT_INVALID_SETTINGS', 'settings.url']);
      const unknownKey = await call(api, 'admin', 'POST', '/api/alerts', { ...base, module: 'webhook', settings: { url: `${receiver.url}/h`, colour: 'red' } });
      assert.equal(unknownKey.statusCode, 400);
      assert.match(unknownKey.json().details.field, /^settings/);
      const unknownModule = await call(api, 'admin', 'POST', '/api/alerts', { ...base, module: 'pigeon', settings: {} });
      assert.equal(unknownModule.statusCode, 400);
      assert.deepEqual([unknownModule.json().code, unknownModule.json().details.field], ['CORE_ALERT_UNKNOWN_MODULE', 'module']);
      assert.match(unknownModule.json().message, /webhook/);
      assert.equal((await call(api, 'viewer', 'GET', '/api/alerts')).json().total, before, 'nothing was stored');

      const created = await call(api, 'admin', 'POST', '/api/alerts', { ...base, module: 'webhook', settings: { url: `${receiver.url}/saved` } });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id;
      const badUpdate = await call(api, 'admin', 'PUT', `/api/alerts/${id}`, { ...base, module: 'webhook', settings: { url: `${receiver.url}/saved`, timeoutSeconds: 0 } });
      assert.deepEqual([badUpdate.statusCode, badUpdate.json().details.field], [400, 'settings.timeoutSeconds']);
      assert.deepEqual((await call(api, 'viewer', 'GET', `/api/alerts/${id}`)).json().settings, { url: `${receiver.url}/saved` }, 'the refused update changed nothing');
    });

    it('stores repeat and escalation steps; a step without recipients, an unknown step module or a repeat out of range is a 400 naming the field, storing nothing', async () => {
      const base = { name: 'escalating', fromStates: ['ok'], toStates: ['major'], scopes: { hostIds: [hostId] }, module: 'webhook', settings: { url: `${receiver.url}/e` } };
      const before = (await call(api, 'viewer', 'GET', '/api/alerts')).json().total;
      const noRecipients = await call(api, 'admin', 'POST', '/api/alerts', { ...base, escalations: [{ afterMinutes: 15, module: 'email', settings: {} }] });
      assert.equal(noRecipients.statusCode, 400, noRecipients.body);
      assert.deepEqual([noRecipients.json().code, noRecipients.json().details.field], ['CORE_ALERT_INVALID_SETTINGS', 'escalations.0.settings.to']);
      const emptyList = await call(api, 'admin', 'POST', '/api/alerts', { ...base, escalations: [{ afterMinutes: 5, module: 'webhook', settings: { url: `${receiver.url}/x` } }, { afterMinutes: 15, module: 'email', settings: { to: [] } }] });
      assert.deepEqual([emptyList.statusCode, emptyList.json().details.field], [400, 'escalations.1.settings.to']);
      const unknownModule = await call(api, 'admin', 'POST', '/api/alerts', { ...base, escalations: [{ afterMinutes: 15, module: 'pigeon', settings: {} }] });
      assert.deepEqual([unknownModule.statusCode, unknownModule.json().details.field], [400, 'escalations.0.module']);
      for (const repeatMinutes of [0, 10_081, null]) {
        const badRepeat = await call(api, 'admin', 'POST', '/api/alerts', { ...base, repeatMinutes });
        assert.equal(badRepeat.statusCode, 400, `repeatMinutes ${repeatMinutes}`);
        assert.match(badRepeat.json().message, /repeatMinutes/);
      }
      assert.equal((await call(api, 'viewer', 'GET', '/api/alerts')).json().total, before, 'nothing was stored');

      const steps = [{ afterMinutes: 15, module: 'email', settings: { to: ['lead@example.com'] } }];
      const created = await call(api, 'admin', 'POST', '/api/alerts', { ...base, repeatMinutes: 10, escalations: steps });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id;
      const read = (await call(api, 'viewer', 'GET', `/api/alerts/${id}`)).json();
      assert.deepEqual([read.repeatMinutes, read.escalations], [10, steps]);
      const refused = await call(api, 'admin', 'PUT', `/api/alerts/${id}`, { ...base, repeatMinutes: 20, escalations: [{ afterMinutes: 30, module: 'email', settings: {} }] });
      assert.equal(refused.statusCode, 400);
      assert.deepEqual((await call(api, 'viewer', 'GET', `/api/alerts/${id}`)).json().repeatMinutes, 10, 'the refused update changed nothing');
      const cleared = await call(api, 'admin', 'PUT', `/api/alerts/${id}`, { ...base });
      assert.equal(cleared.statusCode, 200, cleared.body);
      assert.deepEqual([cleared.json().repeatMinutes, cleared.json().escalations], [null, []]);
      const rules = await loadAlertRules(api.db, { ids: [id] });
      assert.deepEqual([rules[0]!.repeatMs, rules[0]!.escalations], [null, []]);
      await call(api, 'admin', 'PUT', `/api/alerts/${id}`, { ...base, repeatMinutes: 10, escalations: steps });
      const [rule] = await loadAlertRules(api.db, { ids: [id] });
      assert.deepEqual([rule!.repeatMs, rule!.escalations], [600_000, [{ afterMs: 900_000, module: 'email', settings: { to: ['lead@example.com'] } }]]);
      await call(api, 'admin', 'DELETE', `/api/alerts/${id}`);
    });

    it('lists the notification history (viewer): every delivery with its alert, recipients without secrets, status, attempts, last error, reason and rendered text; filters; bad filters are 400s', async () => {
      const store = sequelizeDeliveryStore(api.db, { logger: silentLogger() });
      const notice = (name: string, reason?: AlertNotice['reason']): AlertNotice => ({
        alert: { id: 7, name }, target: { kind: 'host', id: hostId, name: 'web-1' }, plugin: null, from: 'ok', to: 'major', at: 1_000, late: false, causes: [], test: false, ...(reason ? { reason } : {}),
      });
      const d = (id: string, createdAt: number, module: string, settings: unknown, n: AlertNotice) => ({ id, alertId: 7, module, settings, notice: n, attempts: 0, nextAt: createdAt, createdAt, lastError: null });
      const a = d('h-1', 1_000, 'email', { to: ['oncall@example.com', 'lead@example.com'] }, notice('Pager'));
      const b = d('h-2', 2_000, 'webhook', { url: 'https://hooks.example.com/services/T0/SECRET?token=x' }, notice('Pager', 'repeat'));
      const c = d('h-3', 3_000, 'command', { path: '/usr/local/bin/page' }, notice('Pager', 'escalation'));
      for (const x of [a, b, c]) await store.add(x);
      await store.finish!({ ...a, attempts: 1 }, 'delivered', 1_500);
      await store.finish!({ ...b, attempts: 5, lastError: 'HTTP 500 from hooks.example.com' }, 'failed', 2_500);

      const res = await call(api, 'viewer', 'GET', '/api/alert-deliveries?from=1000&to=4000');
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json() as { total: number; items: Record<string, unknown>[] };
      assert.equal(page.total, 3);
      assert.deepEqual(page.items.map((i) => [i.id, i.status, i.attempts, i.recipients, i.reason, i.finishedAt, i.nextAt]), [
        ['h-3', 'pending', 0, '/usr/local/bin/page', 'escalation', null, 3_000],
        ['h-2', 'failed', 5, 'hooks.example.com', 'repeat', 2_500, null],
        ['h-1', 'delivered', 1, 'oncall@example.com, lead@example.com', 'transition', 1_500, null],
      ]);
      assert.equal(page.items[1]!.lastError, 'HTTP 500 from hooks.example.com');
      assert.equal(page.items[1]!.subject, 'REPEAT web-1: ok → major');
      assert.match(String(page.items[1]!.text), /^Alert: Pager\nHost: web-1\n/);
      assert.equal(page.items[0]!.alert, 'Pager');
      assert.equal(page.items[0]!.hostId, hostId);
      assert.doesNotMatch(res.body, /SECRET|token=x/, 'no webhook path or query');

      const failed = (await call(api, 'viewer', 'GET', '/api/alert-deliveries?status=failed')).json();
      assert.deepEqual(failed.items.map((i: { id: string }) => i.id), ['h-2']);
      const paged = (await call(api, 'viewer', 'GET', '/api/alert-deliveries?from=1000&to=4000&limit=1&offset=1')).json();
      assert.deepEqual([paged.total, paged.items.map((i: { id: string }) => i.id)], [3, ['h-2']]);
      const bad = await call(api, 'viewer', 'GET', '/api/alert-deliveries?status=lost');
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().message, /status/);
      assert.equal((await call(api, undefined, 'GET', '/api/alert-deliveries')).statusCode, 401);
      await api.db.sequelize.query("DELETE FROM alert_deliveries WHERE id IN ('h-1', 'h-2', 'h-3')");
    });

    it('tests a stored alert by id', async () => {
      const id = (await call(api, 'viewer', 'GET', '/api/alerts?q=pager')).json().items[0].id;
      receiver.received.length = 0;
      const res = await call(api, 'admin', 'POST', `/api/alerts/${id}/test`, {});
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { ok: true });
      assert.deepEqual(receiver.received.map((r) => r.path), ['/saved']);
      const missing = await call(api, 'admin', 'POST', '/api/alerts/99999/test', {});
      assert.deepEqual([missing.statusCode, missing.json().code], [404, 'CORE_API_NOT_FOUND']);
    });

    it('refuses Test to non-admins and bad test requests, and still tests afterwards', async () => {
      for (const role of ['viewer', 'operator'] as const) {
        assert.equal((await call(api, role, 'POST', '/api/alerts/test', { module: 'webhook', settings: { url: `${receiver.url}/x` } })).statusCode, 403);
      }
      const invalid = await call(api, 'admin', 'POST', '/api/alerts/test', { module: 'webhook', settings: { url: 'nope' } });
      assert.deepEqual([invalid.statusCode, invalid.json().details.field], [400, 'settings.url']);
      const unknown = await call(api, 'admin', 'POST', '/api/alerts/test', { module: 'pigeon', settings: {} });
      assert.deepEqual([unknown.statusCode, unknown.json().details.field], [400, 'module']);
      const malformed = await call(api, 'admin', 'POST', '/api/alerts/test', { module: 'Web Hook' });
      assert.deepEqual([malformed.statusCode, malformed.json().details.field], [400, 'module']);
      // A name must be a name: empty, blank or too long is refused at the field, nothing is sent.
      receiver.received.length = 0;
      for (const name of ['', '   ', 'x'.repeat(129)]) {
        const bad = await call(api, 'admin', 'POST', '/api/alerts/test', { module: 'webhook', settings: { url: `${receiver.url}/x` }, name });
        assert.deepEqual([bad.statusCode, bad.json().details.field], [400, 'name'], `name ${JSON.stringify(name)}: ${bad.body}`);
      }
      assert.equal(receiver.received.length, 0);
      receiver.received.length = 0;
      assert.deepEqual((await call(api, 'admin', 'POST', '/api/alerts/test', { module: 'webhook', settings: { url: `${receiver.url}/x` } })).json(), { ok: true });
      assert.equal(receiver.received.length, 1);
    });

    it('after changes invalidates alerting, recomputes services and tells the dispatcher, as each kind needs', async () => {
      const expect = async (method: 'POST' | 'PUT' | 'DELETE', url: string, body: unknown, want: string[]) => {
        effects.length = 0;
        const res = await call(api, 'admin', method, url, body);
        assert.ok(res.statusCode < 300, `${method} ${url}: ${res.body}`);
        assert.deepEqual([...effects].sort(), [...want].sort(), `${method} ${url}`);
        return res;
      };
      const host = (await expect('POST', '/api/hosts', { name: 'web-2' }, ['invalidate', 'recompute', 'plans'])).json().id;
      const group = (await expect('POST', '/api/groups', { name: 'web', hostIds: [host] }, ['invalidate', 'recompute', 'plans'])).json().id;
      const service = (await expect('POST', '/api/services', { name: 'shop', dependencies: [{ kind: 'group', id: group }] }, ['invalidate', 'recompute'])).json().id;
      await expect('PUT', `/api/services/${service}`, { name: 'shop' }, ['invalidate', 'recompute']);
      const alert = (await expect('POST', '/api/alerts', { name: 'a2', fromStates: ['ok'], toStates: ['major'], module: 'webhook', settings: { url: `${receiver.url}/y` } }, ['invalidate'])).json().id;
      await expect('DELETE', `/api/alerts/${alert}`, undefined, ['invalidate']);
      await expect('PUT', '/api/settings', { maxLatenessMs: 30_000 }, ['plans']);
      await expect('DELETE', `/api/hosts/${host}`, undefined, ['invalidate', 'recompute', 'plans']);
      // A refused change changes nothing downstream either.
      effects.length = 0;
      assert.equal((await call(api, 'admin', 'POST', '/api/hosts', { name: '' })).statusCode, 400);
      assert.deepEqual(effects, []);
    });
  });

  describe(`API alerts without alerting (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    before(async () => (api = await createTestApi(dialect, { dbPrefix: 'prophasis_test_api2' })));
    after(async () => api?.close());

    it('answers 503 for modules and Test, and stores alerts unvalidated', async () => {
      for (const [method, url, body] of [['GET', '/api/alert-modules', undefined], ['POST', '/api/alerts/test', { module: 'webhook', settings: {} }]] as const) {
        const res = await call(api, 'admin', method, url, body);
        assert.deepEqual([res.statusCode, res.json().code], [503, 'CORE_API_UNAVAILABLE'], url);
      }
      const created = await call(api, 'admin', 'POST', '/api/alerts', { name: 'x', fromStates: ['ok'], toStates: ['major'], module: 'pigeon', settings: {} });
      assert.equal(created.statusCode, 201, created.body);
    });
  });
}
