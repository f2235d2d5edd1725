import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActionLinks, createAlerting, loadOrCreateActionKey, type Alerting } from '../../src/alerting/index.js';
import { ALERTING_DEFAULTS } from '../../src/alerting/config.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

interface Templates {
  module: string;
  fields: string[];
  subject: string;
  text: string;
  html: string;
  defaults: { subject: string; text: string; html: string };
  custom: boolean;
  updatedBy: string | null;
}

for (const dialect of DIALECTS) {
  describe(`API alert templates: edit, preview, refusals (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    let alerting: Alerting;
    const dataDir = mkdtempSync(join(tmpdir(), 'prophasis-templates-'));

    before(async () => {
      api = await createTestApi(dialect, {
        dbPrefix: 'prophasis_test_api_tpl',
        deps: (db) => {
          const links = createActionLinks({ ttlMs: 86_400_000 }, { db, key: loadOrCreateActionKey(dataDir), baseUrl: () => 'http://unused.invalid', audit: { record: async () => {} } });
          alerting = createAlerting(ALERTING_DEFAULTS, { db, logger: silentLogger(), systemLog: memorySystemLog(), actionLinks: { links, linkBase: () => '' } });
          return { alertTemplates: alerting };
        },
      });
    });
    after(async () => {
      await api?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const get = async (module: string) => (await call(api, 'viewer', 'GET', `/api/alert-templates/${module}`)).json() as Templates;
    const refusedAt = (res: { statusCode: number; json(): unknown }, field: string, message: RegExp) => {
      assert.equal(res.statusCode, 400, JSON.stringify(res.json()));
      const body = res.json() as { code: string; message: string; details: { field: string } };
      assert.equal(body.details.field, field);
      assert.match(body.message, message);
      return body;
    };

    it('lists every module with its defaults (today’s texts) and the variables; viewers and operators read', async () => {
      for (const role of ['viewer', 'operator'] as const) {
        const res = await call(api, role, 'GET', '/api/alert-templates');
        assert.equal(res.statusCode, 200);
        const list = res.json() as { items: Templates[]; variables: { name: string; description: string }[] };
        assert.deepEqual(list.items.map((t) => t.module), ['email', 'webhook', 'command']);
        assert.deepEqual(list.items[0]!.fields, ['subject', 'text', 'html']);
        assert.deepEqual(list.items[1]!.fields, ['subject', 'text']);
        assert.ok(list.items.every((t) => !t.custom && t.text === t.defaults.text && t.text.includes('Alert: {{alert.name}}')));
        const names = list.variables.map((v) => v.name);
        for (const v of ['alert.name', 'host', 'plugin.name', 'valueText', 'actions.acknowledge', 'causes[].plugin', 'link', 'why']) assert.ok(names.includes(v), v);
      }
      assert.equal((await call(api, undefined, 'GET', '/api/alert-templates')).statusCode, 401);
    });

    it('only administrators edit; the edit is kept and audited', async () => {
      const body = { subject: '{{to}}: {{headline}}', text: 'On {{host}}: {{valueText}}\n{{#actions}}Ack: {{actions.acknowledge}}{{/actions}}' };
      assert.equal((await call(api, 'viewer', 'PUT', '/api/alert-templates/webhook', body)).statusCode, 403);
      assert.equal((await call(api, 'operator', 'PUT', '/api/alert-templates/webhook', body)).statusCode, 403);
      assert.equal((await get('webhook')).custom, false);
      const res = await call(api, 'admin', 'PUT', '/api/alert-templates/webhook', body);
      assert.equal(res.statusCode, 200, res.body);
      const saved = await get('webhook');
      assert.equal(saved.custom, true);
      assert.equal(saved.subject, body.subject);
      assert.equal(saved.text, body.text);
      assert.equal(saved.updatedBy, 'admin');
      const audit = (await call(api, 'admin', 'GET', '/api/audit?action=alert-templates')).json() as { items: { action: string; targetId: string }[] };
      assert.ok(audit.items.some((e) => e.action === 'alert-templates.update' && e.targetId === 'webhook'));
    });

    const refusals: [string, string, unknown, string, RegExp][] = [
      ['a syntax error', 'email', { subject: 'x', text: 'Host: {{#host}}{{host}}' }, 'text', /text: Unclosed section "host" on line 1/],
      ['an unknown variable', 'email', { subject: '{{hots}} down', text: 'x' }, 'subject', /subject: unknown variable "hots"/],
      ['an unknown section', 'command', { subject: 'x', text: '{{#acked}}y{{/acked}}' }, 'text', /unknown section "acked"/],
      ['unescaped HTML', 'email', { subject: 'x', text: 'y', html: '<p>{{{valueText}}}</p>' }, 'html', /must escape every value/],
      ['an HTML body for a webhook', 'webhook', { subject: 'x', text: 'y', html: '<p>hi</p>' }, 'html', /sends no HTML body/],
      ['a two-line subject', 'email', { subject: 'a\nb', text: 'y' }, 'subject', /one line/],
      ['an empty text', 'email', { subject: 'x', text: '' }, 'text', /must not be empty/],
      ['a missing subject', 'email', { text: 'y' }, 'subject', /subject/],
    ];
    for (const [what, module, body, field, message] of refusals) {
      it(`refuses ${what} on save with a 400 naming ${field}, and keeps what was stored`, async () => {
        const before = await get(module);
        refusedAt(await call(api, 'admin', 'PUT', `/api/alert-templates/${module}`, body), field, message);
        assert.deepEqual(await get(module), before);
        // The preview refuses it the same way (the console shows it at the field while one types).
        refusedAt(await call(api, 'viewer', 'POST', `/api/alert-templates/${module}/preview`, body), field, message);
      });
    }

    it('an unknown module is a 404', async () => {
      assert.equal((await call(api, 'admin', 'PUT', '/api/alert-templates/pager', { subject: 'x', text: 'y' })).statusCode, 404);
      assert.equal((await call(api, 'viewer', 'POST', '/api/alert-templates/pager/preview', { subject: 'x', text: 'y' })).statusCode, 404);
    });

    it('previews unsaved sources over a sample; says why there are no links until the console address is set, then shows example links', async () => {
      const body = { subject: '{{reasonPrefix}}{{headline}}', text: '{{valueText}}\n{{#actions}}Ack: {{actions.acknowledge}}{{/actions}}{{actionsUnavailable}}', html: '<b>{{host}}</b> {{result.message}}' };
      const res = await call(api, 'viewer', 'POST', '/api/alert-templates/email/preview', body);
      assert.equal(res.statusCode, 200, res.body);
      const preview = res.json() as { subject: string; text: string; html: string | null; source: { kind: string } };
      assert.equal(preview.subject, 'web1 disk: ok → major');
      assert.match(preview.text, /^93\.5 % — \/var is nearly full\nno Acknowledge or Mute links: the console's address is not set/);
      assert.equal(preview.html, '<b>web1</b> &#x2F;var is nearly full');
      assert.equal(preview.source.kind, 'sample');

      assert.equal((await call(api, 'admin', 'PUT', '/api/settings', { publicUrl: 'https://mon.example.com' })).statusCode, 200);
      const linked = (await call(api, 'viewer', 'POST', '/api/alert-templates/email/preview', body)).json() as { text: string };
      assert.match(linked.text, /\nAck: https:\/\/mon\.example\.com\/act\/example-acknowledge-link$/);
      // A preview mints no link.
      const [rows] = (await api.db.sequelize.query('SELECT COUNT(*) AS n FROM action_links')) as [{ n: number | string }[], unknown];
      assert.equal(Number(rows[0]!.n), 0);
      // A preview changes nothing: no audit entry for it (the editor asks while one types).
      const audit = (await call(api, 'admin', 'GET', '/api/audit?action=alert-templates')).json() as { items: { action: string }[] };
      assert.deepEqual(audit.items.filter((e) => e.action !== 'alert-templates.update'), []);
      assert.equal((await call(api, 'admin', 'GET', '/api/audit?action=POST')).json().items.length, 0);
    });

    it('previews the newest real notification of the module, or one by id; refuses an unknown source naming it', async () => {
      const notice = {
        alert: { id: 9, name: 'Mail down' },
        target: { kind: 'host', id: 4, name: 'mail-1' },
        plugin: null,
        from: 'ok',
        to: 'minor',
        at: Date.UTC(2026, 0, 2, 3, 4, 5),
        late: false,
        causes: [],
        test: false,
      };
      const id = randomUUID();
      await api.db.sequelize.query(
        "INSERT INTO alert_deliveries (id, alert_id, module, settings, notice, attempts, next_at, created_at, last_error, status) VALUES (?, 9, 'command', '{}', ?, 1, 0, ?, NULL, 'delivered')",
        { replacements: [id, JSON.stringify(notice), Date.now()] },
      );
      const body = { subject: '{{alert.name}}: {{headline}}', text: 'at {{at}}' };
      for (const source of ['latest', id]) {
        const res = await call(api, 'viewer', 'POST', '/api/alert-templates/command/preview', { ...body, source });
        assert.equal(res.statusCode, 200, res.body);
        const p = res.json() as { subject: string; text: string; source: { kind: string; deliveryId: string } };
        assert.equal(p.subject, 'Mail down: mail-1: ok → minor');
        assert.equal(p.text, 'at 2026-01-02T03:04:05.000Z');
        assert.deepEqual([p.source.kind, p.source.deliveryId], ['delivery', id]);
      }
      // No email was sent yet: `latest` falls back to the sample and says so.
      const none = (await call(api, 'viewer', 'POST', '/api/alert-templates/email/preview', { ...body, source: 'latest' })).json() as { source: { kind: string; description: string } };
      assert.equal(none.source.kind, 'sample');
      assert.match(none.source.description, /no email notification was sent yet/);
      refusedAt(await call(api, 'viewer', 'POST', '/api/alert-templates/command/preview', { ...body, source: 'yesterday' }), 'source', /source: must be sample, latest/);
      refusedAt(await call(api, 'viewer', 'POST', '/api/alert-templates/command/preview', { ...body, source: randomUUID() }), 'source', /source: no notification/);
    });

    it('DELETE resets a module to the defaults (administrators only)', async () => {
      assert.equal((await get('webhook')).custom, true);
      assert.equal((await call(api, 'operator', 'DELETE', '/api/alert-templates/webhook')).statusCode, 403);
      assert.equal((await call(api, 'admin', 'DELETE', '/api/alert-templates/webhook')).statusCode, 204);
      const reset = await get('webhook');
      assert.equal(reset.custom, false);
      assert.equal(reset.text, reset.defaults.text);
    });
  });
}
