import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALERTING_DEFAULTS, builtInAlertModules, createActionLinks, createAlerting, loadOrCreateActionKey, type Alerting } from '../../src/alerting/index.js';
import { createAuditTrail } from '../../src/audit/audit.js';
import { databaseAuditStore } from '../../src/audit/store.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { startFakeSmtp } from '../alerting/smtp-server.js';
import { parseMail, until } from '../alerting/support.js';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

/** A received mail's parts: a single part, or each part of a multipart body, decoded. */
function mailParts(data: string): { type: string; body: string; headers: Map<string, string> }[] {
  const top = parseMail(data);
  const type = top.headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
  if (!boundary) return [{ type, body: top.body, headers: top.headers }];
  const raw = data.slice(data.indexOf('\r\n\r\n') + 4);
  return raw
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => parseMail(part.replace(/^\r\n/, '')))
    .map((p) => ({ type: p.headers.get('content-type') ?? '', body: p.body, headers: p.headers }));
}

/** A webhook receiver on 127.0.0.1, port 0, keeping the JSON bodies it got. */
async function startReceiver(): Promise<{ server: Server; url: string; bodies: Record<string, unknown>[] }> {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

for (const dialect of DIALECTS) {
  describe(`notifications carry the edited template and signed action links; the Acknowledge link works without a session (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    let alerting: Alerting;
    let smtp: Awaited<ReturnType<typeof startFakeSmtp>>;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let base = '';
    /** PROPHASIS_PUBLIC_URL as the core would see it; '' until the server listens. */
    let envPublicUrl = '';
    let hostId: number;
    let clock = Date.UTC(2026, 11, 7, 10, 0, 0);
    const dataDir = mkdtempSync(join(tmpdir(), 'prophasis-notify-links-'));

    before(async () => {
      smtp = await startFakeSmtp();
      receiver = await startReceiver();
      api = await createTestApi(dialect, {
        dbPrefix: 'prophasis_test_api_nl',
        deps: (db) => {
          const audit = createAuditTrail({ store: databaseAuditStore(db) });
          const links = createActionLinks({ ttlMs: 86_400_000 }, { db, key: loadOrCreateActionKey(dataDir), baseUrl: () => base, audit });
          alerting = createAlerting(
            { ...ALERTING_DEFAULTS, pollIntervalMs: 600_000, silenceCheckMs: 600_000 },
            {
              db,
              logger: silentLogger(),
              systemLog: memorySystemLog(),
              intake: {},
              modules: builtInAlertModules({ smtp: { read: async () => ({ host: '127.0.0.1', port: smtp.port, secure: false, user: '', password: '', from: 'prophasis@example.test' }) }, emailTimeoutMs: 5000 }),
              actionLinks: { links, linkBase: () => envPublicUrl },
              clock: { now: () => clock, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout), random: () => 0 },
            },
          );
          return { actionLinks: links, alertTemplates: alerting };
        },
      });
      await api.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
      envPublicUrl = base;
      hostId = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'web1' })).json().id;
      const plugin = (await api.db.models.Plugin.create({ pluginId: 'io.prophasis.cpu-load', name: 'cpu-load' })).id;
      await api.db.sequelize.query('INSERT INTO current_states (host_id, plugin_id, severity, since) VALUES (?, ?, ?, ?)', { replacements: [hostId, plugin, 'major', clock] });
      for (const [module, settings] of [['email', { to: 'oncall@example.test' }], ['webhook', { url: receiver.url }]] as const) {
        const alert = await api.db.models.Alert.create({ name: `web1 ${module}`, fromStates: ['ok', 'major'], toStates: ['major', 'minor', 'ok'], module, settings, enabled: true });
        await api.db.models.AlertScope.create({ alertId: alert.id, kind: 'host', hostId });
      }
      await alerting.start();
    });
    after(async () => {
      await alerting?.stop();
      await api?.close();
      await smtp?.close();
      receiver?.server.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function transition(from: string, to: string): Promise<void> {
      clock += 60_000;
      await api.db.sequelize.query('INSERT INTO state_transitions (host_id, plugin_id, service_id, from_state, to_state, at, late) VALUES (?, NULL, NULL, ?, ?, ?, ?)', {
        replacements: [hostId, from, to, clock, false],
      });
      const mails = smtp.mails.length;
      const hooks = receiver.bodies.length;
      await alerting.poll();
      await until(() => smtp.mails.length > mails && receiver.bodies.length > hooks, 10_000, 'the mail and the webhook');
      await alerting.idle();
    }

    it('an email and a webhook carry the edited templates and the three links; the Acknowledge link acknowledges from a plain HTTP client', async () => {
      const put = async (module: string, body: unknown) => assert.equal((await call(api, 'admin', 'PUT', `/api/alert-templates/${module}`, body)).statusCode, 200);
      await put('email', {
        subject: 'DOWN {{host}} is {{to}}',
        text: 'Edited: {{host}} went {{from}} → {{to}}.\n{{#actions}}\nAck: {{actions.acknowledge}}\nMute: {{actions.mute1h}}\nUntil ok: {{actions.muteUntilOk}}\n{{/actions}}',
        html: '<p>{{host}} is <b>{{to}}</b></p>{{#actions}}<a href="{{actions.acknowledge}}">Acknowledge</a>{{/actions}}',
      });
      await put('webhook', { subject: 'hook {{headline}}', text: 'Hook text for {{host}} ({{why}})' });

      await transition('ok', 'major');

      // The e-mail: the edited subject, text and HTML, links for its recipient under the console's address.
      const mail = smtp.mails.at(-1)!;
      const top = parseMail(mail.data);
      assert.equal(top.headers.get('subject'), '[Prophasis] DOWN web1 is major');
      const parts = mailParts(mail.data);
      const text = parts.find((p) => p.type.startsWith('text/plain'))!.body;
      const html = parts.find((p) => p.type.startsWith('text/html'))!.body;
      assert.match(text, /^Edited: web1 went ok → major\.\n/);
      const ack = /\nAck: (\S+)\n/.exec(text)?.[1];
      assert.ok(ack, text);
      assert.ok(ack.startsWith(`${base}/act/`), ack);
      assert.match(text, /\nMute: http:\/\/127\.0\.0\.1:\d+\/act\/\S+\nUntil ok: http:\/\/127\.0\.0\.1:\d+\/act\/\S+/);
      assert.match(html, /<p>web1 is <b>major<\/b><\/p><a href="http:&#x2F;&#x2F;127\.0\.0\.1:\d+&#x2F;act&#x2F;[^"]+">Acknowledge<\/a>/);

      // The webhook: its own edited text, and the links (for its receiver's host) in `actions`.
      const hook = receiver.bodies.at(-1)!;
      assert.equal(hook.subject, 'hook web1: ok → major');
      assert.equal(hook.text, 'Hook text for web1 (the state changed)');
      const actions = hook.actions as { acknowledge: string; mute1h: string; muteUntilOk: string };
      for (const url of Object.values(actions)) assert.ok(url.startsWith(`${base}/act/`), url);
      assert.notEqual(actions.acknowledge, ack, 'each recipient gets its own links');
      const listed = (await call(api, 'viewer', 'GET', `/api/action-links?problem=h:${hostId}`)).json() as { recipient: string; action: string }[];
      assert.deepEqual([...new Set(listed.map((l) => l.recipient))].sort(), [new URL(receiver.url).host, 'oncall@example.test'].sort());

      // Following the e-mail's Acknowledge link from a plain HTTP client, without a session.
      const page = await fetch(ack);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /sent to oncall@example\.test/);
      const done = await fetch(ack, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'comment=on+it' });
      assert.equal(done.status, 200);
      assert.match(await done.text(), /web1 is acknowledged/);
      const acks = (await call(api, 'viewer', 'GET', '/api/acknowledgements')).json() as { problem: string; by: string; comment: string }[];
      assert.deepEqual(acks.map((a) => [a.problem, a.by, a.comment]), [[`h:${hostId}`, 'link sent to oncall@example.test', 'on it']]);
      const audit = (await call(api, 'admin', 'GET', '/api/audit?action=problems.link')).json() as { items: { summary: { recipient: string } }[] };
      assert.equal(audit.items[0]!.summary.recipient, 'oncall@example.test');

      // The notification history shows what was sent (the edited texts), with the links' tokens cut out:
      // alert_deliveries never keeps a usable link.
      const history = (await call(api, 'viewer', 'GET', '/api/alert-deliveries')).json() as { items: { module: string; subject: string; text: string }[] };
      const sentMail = history.items.find((d) => d.module === 'email')!;
      assert.equal(sentMail.subject, 'DOWN web1 is major');
      assert.match(sentMail.text, /^Edited: web1 went ok → major\.\nAck: http:\/\/127\.0\.0\.1:\d+\/act\/… \(link not kept\)\nMute: /);
      assert.equal(history.items.find((d) => d.module === 'webhook')!.text, 'Hook text for web1 (the state changed)');
      const stored = JSON.stringify(await api.db.sequelize.query('SELECT notice FROM alert_deliveries'));
      assert.equal(stored.includes(ack.split('/act/')[1]!), false, 'no token in alert_deliveries');

      // The Test action sends the edited texts too (a test notice carries no links).
      assert.deepEqual(await alerting.test({ module: 'webhook', settings: { url: receiver.url } }), { ok: true });
      const tested = receiver.bodies.at(-1)!;
      assert.deepEqual([tested.subject, tested.text, tested.test, tested.actions], ['hook test-host test: ok → major', 'Hook text for test-host (the state changed)', true, null]);
    });

    it('without the console address a problem notice says why it has no links; a change to ok carries none', async () => {
      await call(api, 'admin', 'DELETE', '/api/alert-templates/email');
      await call(api, 'admin', 'DELETE', '/api/alert-templates/webhook');
      envPublicUrl = '';
      try {
        await transition('major', 'ok');
        const okHook = receiver.bodies.at(-1)!;
        assert.equal(okHook.actions, null);
        assert.doesNotMatch(String(okHook.text), /Acknowledge|Actions:/);

        await transition('ok', 'major');
        const hook = receiver.bodies.at(-1)!;
        assert.equal(hook.actions, null);
        assert.match(String(hook.text), /\nActions: no Acknowledge or Mute links: the console's address is not set \(Settings → Notifications/);
        // The default text is today's, plus that line.
        assert.match(String(hook.text), /^Alert: web1 webhook\nHost: web1\nChange: ok → major\nTime: /);
        const body = parseMail(smtp.mails.at(-1)!.data).body;
        assert.match(body, /\nActions: no Acknowledge or Mute links/);
      } finally {
        envPublicUrl = base;
      }

      // The `publicUrl` setting is enough on its own.
      envPublicUrl = '';
      assert.equal((await call(api, 'admin', 'PUT', '/api/settings', { publicUrl: base })).statusCode, 200);
      await transition('major', 'minor');
      const hook = receiver.bodies.at(-1)!;
      assert.match(String(hook.text), new RegExp(`\\nAcknowledge: ${base.replace(/\./g, '\\.')}/act/\\S+\\nMute 1 h: \\S+\\nMute until ok: \\S+`));
      envPublicUrl = base;
    });
  });
}
