import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCoreConfig } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';
import { startReceiver } from './http-server.js';
import { until } from './support.js';

/*
 * Issue 15, "notification texts": the composition root wires the action links and the templates
 * into alerting. A real core (`startCore`, HTTP, alerting's intake, the settings and template
 * routes): an administrator edits the webhook template and sets the console address through the
 * API; a committed transition reaches the webhook with the edited text and three links; the
 * Acknowledge link, followed with no session, acknowledges the problem.
 */
describe('action links and templates in a running core', function () {
  this.timeout(90_000);
  let dir: string;
  let core: Core | undefined;
  let rx: Awaited<ReturnType<typeof startReceiver>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prophasis-links-wired-'));
    rx = await startReceiver();
  });
  after(async () => {
    await core?.stop();
    await rx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a notification carries the edited text and working links under the console address', async () => {
    const config = readCoreConfig({ PROPHASIS_DATA_DIR: dir }, { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' });
    core = await startCore(config, silentLogger());
    const base = `http://127.0.0.1:${core.httpPort}`;
    let cookie = '';
    const http = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(cookie ? { cookie } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown>, cookie: res.headers.getSetCookie()[0]?.split(';')[0] };
    };
    const token = new URL(core.setupLink()!).searchParams.get('token');
    const setup = await http('POST', '/api/setup', { token, name: 'owner', password: 'a sturdy first password' });
    assert.equal(setup.status, 201);
    cookie = setup.cookie!;

    const host = await http('POST', '/api/hosts', { name: 'db1' });
    assert.equal(host.status, 201);
    const hostId = host.body.id as number;
    const alert = await http('POST', '/api/alerts', { name: 'db down', fromStates: ['ok'], toStates: ['major'], scopes: { hostIds: [hostId] }, module: 'webhook', settings: { url: `${rx.base}/hook` } });
    assert.equal(alert.status, 201, JSON.stringify(alert.body));
    assert.equal((await http('PUT', '/api/alert-templates/webhook', { subject: 'DB {{host}} {{to}}', text: 'Wired: {{host}} went {{to}}' })).status, 200);
    // This core has no PROPHASIS_PUBLIC_URL: the setting gives the address links are made under.
    assert.equal((await http('PUT', '/api/settings', { publicUrl: base })).status, 200);

    // The problem: a plugin on db1 is major (what the pipeline's state tracker commits), and the host's own change.
    const plugin = await core.db.models.Plugin.create({ pluginId: 'io.prophasis.test', name: 'test' });
    await core.db.sequelize.query('INSERT INTO current_states (host_id, plugin_id, severity, since) VALUES (?, ?, ?, ?)', { replacements: [hostId, plugin.id, 'major', Date.now()] });
    await core.db.sequelize.query('INSERT INTO state_transitions (host_id, plugin_id, service_id, from_state, to_state, at, late) VALUES (?, NULL, NULL, ?, ?, ?, ?)', {
      replacements: [hostId, 'ok', 'major', Date.now(), false],
    });
    await core.alerting.poll();
    await until(() => rx.requests.length > 0, 20_000, 'the webhook');
    const body = JSON.parse(rx.requests[0]!.body) as { subject: string; text: string; actions: { acknowledge: string; mute1h: string; muteUntilOk: string } };
    assert.equal(body.subject, 'DB db1 major');
    assert.equal(body.text, 'Wired: db1 went major');
    for (const url of Object.values(body.actions)) assert.ok(url.startsWith(`${base}/act/`), url);

    const page = await fetch(body.actions.acknowledge);
    assert.equal(page.status, 200);
    const done = await fetch(body.actions.acknowledge, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    assert.equal(done.status, 200);
    const acks = (await http('GET', '/api/acknowledgements')).body as unknown as { problem: string; by: string }[];
    assert.deepEqual(acks.map((a) => [a.problem, a.by]), [[`h:${hostId}`, `link sent to ${new URL(rx.base).host}`]]);
  });
});
