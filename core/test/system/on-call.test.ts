import { generatePublisherKeys, silentLogger } from '@prophasis/protocol';
import { signedTestBundle } from '@prophasis/protocol/testing';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostAdd } from '../../src/enrolment/host-add.js';
import { readCoreConfig } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';
import { createFileTrustStore, loadOrCreateSiteKey, trustDirectory } from '../../src/plugins/index.js';
import { startReceiver } from '../alerting/http-server.js';
import { createPgDatabase } from '../db/helpers.js';
import { manifestFor } from '../plugins/helpers.js';
import { startAgent, waitFor, type AgentProcess } from './agent-process.js';

const PLUGIN = 'com.example.oncall-probe';
/** Above 50 is major, else ok: the scenario's value decides each result's state (newest value last). */
const CLASSIFIER = 'local v = values[values.n]\nif v == nil then return "unknown" end\nif v > 50 then return "major" end\nreturn "ok"\n';
const HOSTS = ['flap-host', 'maint-host', 'ack-host'] as const;
type HostName = (typeof HOSTS)[number];
/** What the test environment sets for the core's alerting (docs/alerts.md, docs/configuration.md): quick polls and silence checks. */
const ENV = { PROPHASIS_ALERT_POLL_MS: '200', PROPHASIS_ALERT_SILENCE_CHECK_MS: '200' };

/** A webhook body as the `json` format sends it (docs/alerts.md, "webhook"). */
interface Notice {
  reason: string;
  target: { kind: string; name: string };
  plugin: { pluginId: string } | null;
  from: string;
  to: string;
  alert: { name: string };
}

/**
 * The on-call loop over the real thing (issue 15): a real core (startCore: embedded broker over
 * TLS, pipeline, classification, alerting with its intake, the HTTP API) and simulated agents in
 * a `prophasis-agent simulate` process enrolled with tokens from `hostAdd`, answering every
 * second from a scenario file the test edits. Notifications go to a webhook receiver on
 * 127.0.0.1 that counts them. Configuration goes through the API as an administrator would.
 */
const PG_URL = process.env.PROPHASIS_TEST_POSTGRES_URL ?? '';

for (const dialect of ['sqlite', ...(PG_URL ? ['postgres'] : [])] as const) {
  describe(`the on-call loop over TLS with simulated agents (system, ${dialect})`, function () {
    this.timeout(180_000);
    let dropDatabase: (() => Promise<void>) | undefined;
    const publisher = generatePublisherKeys();
    let dir: string;
    let core: Core | undefined;
    let sim: AgentProcess | undefined;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let cookie = '';
    const scenario: Record<HostName, number | number[]> = { 'flap-host': 10, 'maint-host': 10, 'ack-host': 10 };
    const hostIds = {} as Record<HostName, number>;
    let scenarioFile: string;
    const saved: Record<string, string | undefined> = {};

    const simOutput = () => `simulator output: ${sim?.output().slice(-3000) ?? '(none)'}`;
    function writeScenario(): void {
      const hosts: Record<string, unknown> = {};
      for (const h of HOSTS) {
        const v = scenario[h];
        hosts[h] = { [PLUGIN]: Array.isArray(v) ? { values: v } : { value: v } };
      }
      writeFileSync(scenarioFile, JSON.stringify({ hosts }));
    }
    async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
      const res = await fetch(`http://127.0.0.1:${core!.httpPort}/api${path}`, {
        method,
        headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
    }
    const notices = (host: HostName): Notice[] => receiver.requests.map((r) => JSON.parse(r.body) as Notice).filter((n) => n.target.name === host);
    const reasons = (host: HostName) => notices(host).map((n) => n.reason);
    /** The host's plugin transitions stored so far. */
    const transitions = async (host: HostName) =>
      (await core!.db.models.StateTransition.findAll({ where: { hostId: hostIds[host], serviceId: null }, order: [['id', 'ASC']] })).filter((t) => t.pluginId !== null);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    before(async () => {
      for (const [k, v] of Object.entries(ENV)) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
      dir = mkdtempSync(join(tmpdir(), 'prophasis-oncall-'));
      const dataDir = join(dir, 'core');
      scenarioFile = join(dir, 'scenario.json');
      writeScenario();
      const logger = silentLogger();
      const siteKey = loadOrCreateSiteKey(dataDir, { logger });
      const trust = createFileTrustStore({ dir: trustDirectory(dataDir), siteKey: siteKey.privateKey }, { logger });
      await trust.add({ name: 'on-call tests', publicKeyPem: publisher.publicKey.export({ format: 'pem', type: 'spki' }).toString() }, 'system-test');
      const env: NodeJS.ProcessEnv = { PROPHASIS_DATA_DIR: dataDir };
      if (dialect === 'postgres') {
        const pg = await createPgDatabase(PG_URL, 'prophasis_test_oncall');
        dropDatabase = pg.drop;
        env['DATABASE_URL'] = pg.url;
      }
      core = await startCore(readCoreConfig(env, { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' }), logger);
      receiver = await startReceiver();

      // The first administrator, through the one-time setup link.
      const token = new URL(core.setupLink()!).searchParams.get('token')!;
      const setup = await fetch(`http://127.0.0.1:${core.httpPort}/api/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, name: 'admin', password: 'a long test password' }) });
      assert.equal(setup.status, 201, await setup.text());
      cookie = setup.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

      // Hosts and their enrolment tokens (what `prophasis host add` prints), one simulated agent each.
      const tokens: string[] = [];
      for (const name of HOSTS) {
        const added = await hostAdd({ registry: core.registry, caFingerprint: core.transport.caFingerprint, httpPort: core.httpPort, mqttPort: core.transport.mqttPort }, { name, server: '127.0.0.1' });
        tokens.push(added.token);
        hostIds[name] = (await core.db.models.Host.findOne({ where: { name } }))!.id;
      }
      const tokensFile = join(dir, 'tokens.txt');
      writeFileSync(tokensFile, tokens.join('\n'));

      // A signed plugin whose classifier turns the scenario's value into ok/major, approved; a check every second.
      const bundle = signedTestBundle(publisher, manifestFor({ id: PLUGIN, capabilities: [] }), {
        'plugin.js': 'export function measure() { return { value: 0 }; }\n',
        'classifier.lua': CLASSIFIER,
        'README.md': '# On-call probe\n',
      });
      const uploaded = await api('POST', '/plugins/upload', { bundle: bundle.toString('base64') });
      assert.equal(uploaded.status, 201, JSON.stringify(uploaded.json));
      await core.plugins.approve(PLUGIN, '1.0.0', [], { name: 'admin' });
      const check = await api<{ id: number }>('POST', '/checks', { name: 'probe', hostIds: Object.values(hostIds), plugins: [{ pluginId: PLUGIN }] });
      assert.equal(check.status, 201, JSON.stringify(check.json));
      const schedule = await api('POST', '/schedules', { name: 'every second', checkIds: [check.json.id], intervals: [{ start: 0, everyMs: 1_000 }] });
      assert.equal(schedule.status, 201, JSON.stringify(schedule.json));

      // Alerts: any ok/major change of the probe on the flapping and the maintenance host; the
      // acknowledged host's alert repeats every minute.
      const webhook = { url: `${receiver.base}/hook`, format: 'json' };
      const states = { fromStates: ['ok', 'major'], toStates: ['ok', 'major'] };
      const main = await api('POST', '/alerts', { name: 'probe changes', ...states, scopes: { hostIds: [hostIds['flap-host'], hostIds['maint-host']], pluginIds: [PLUGIN] }, module: 'webhook', settings: webhook });
      assert.equal(main.status, 201, JSON.stringify(main.json));
      const repeating = await api('POST', '/alerts', { name: 'probe down, repeating', fromStates: ['ok'], toStates: ['major'], scopes: { hostIds: [hostIds['ack-host']], pluginIds: [PLUGIN] }, module: 'webhook', settings: webhook, repeatMinutes: 1 });
      assert.equal(repeating.status, 201, JSON.stringify(repeating.json));

      sim = startAgent(
        ['simulate', '--agents', String(HOSTS.length), '--scenario', scenarioFile, '--server', `127.0.0.1:${core.transport.mqttPort}`, '--ca-fingerprint', core.transport.caFingerprint, '--tokens', tokensFile, '--data-dir', join(dir, 'sim')],
        { PROPHASIS_DATA_DIR: join(dir, 'agent'), PROPHASIS_LOG_LEVEL: 'info' },
      );
      // Every host's probe answers: results stored for each.
      for (const name of HOSTS) {
        await waitFor(`results of ${name}`, async () => (await core!.db.models.Result.count({ where: { hostId: hostIds[name], resultType: 'plugin' } })) >= 2, 60_000, simOutput);
      }
    });

    after(async () => {
      sim?.kill();
      await sim?.exited(10_000).catch(() => undefined);
      await core?.stop();
      await receiver?.close();
      await dropDatabase?.();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('a host flaps: a few plain changes, then exactly one "flapping started" and, once it settles, exactly one "flapping stopped"', async () => {
      scenario['flap-host'] = [90, 10];
      writeScenario();
      await waitFor('flapping started', async () => reasons('flap-host').includes('flapping-started'), 60_000, simOutput);
      const started = reasons('flap-host').indexOf('flapping-started');
      assert.ok(started > 0, reasons('flap-host').join(', '));
      assert.ok(reasons('flap-host').slice(0, started).every((r) => r === 'transition'), reasons('flap-host').join(', '));
      // It goes on flapping for a while: changes are stored, nothing is sent.
      const changesAtStart = (await transitions('flap-host')).length;
      await waitFor('more changes while flapping', async () => (await transitions('flap-host')).length >= changesAtStart + 4, 30_000, simOutput);
      assert.deepEqual(reasons('flap-host').slice(started), ['flapping-started']);
      // The problems list marks it.
      const listed = await api<{ items: { flapping: boolean }[]; total: number }>('GET', `/reports/transitions?hostId=${hostIds['flap-host']}&flapping=true&limit=5`);
      assert.equal(listed.status, 200);
      assert.ok(listed.json.total > 0 && listed.json.items.every((t) => t.flapping), JSON.stringify(listed.json));
      // It settles.
      scenario['flap-host'] = 10;
      writeScenario();
      await waitFor('flapping stopped', async () => reasons('flap-host').includes('flapping-stopped'), 90_000, simOutput);
      await sleep(2_000);
      assert.deepEqual(reasons('flap-host').slice(started), ['flapping-started', 'flapping-stopped']);
      const stopped = notices('flap-host').at(-1)!;
      assert.equal(stopped.to, 'ok');
      assert.equal(stopped.plugin?.pluginId, PLUGIN);
    });

    it('a problem inside a maintenance window sends nothing; after the window exactly one notice says it is still there', async () => {
      const now = Date.now();
      const windowMs = 20_000;
      const silence = await api('POST', '/silences', { name: 'maint-host patching', kind: 'once', startsAt: now - 1_000, endsAt: now + windowMs, scopes: { hostIds: [hostIds['maint-host']] } });
      assert.equal(silence.status, 201, JSON.stringify(silence.json));
      scenario['maint-host'] = 90;
      writeScenario();
      await waitFor('the major transition stored', async () => (await transitions('maint-host')).some((t) => t.toState === 'major'), 15_000, simOutput);
      // Marked in the problems list while the window lasts.
      const listed = await api<{ items: { maintenance: { name: string } | null }[] }>('GET', `/reports/transitions?hostId=${hostIds['maint-host']}&maintenance=true`);
      assert.equal(listed.json.items[0]?.maintenance?.name, 'maint-host patching');
      assert.ok(Date.now() < now + windowMs, 'the window is still open (the test machine is too slow to tell otherwise)');
      await sleep(Math.max(0, now + windowMs - Date.now() - 200));
      assert.deepEqual(reasons('maint-host'), [], 'nothing sent during the window');
      await waitFor('the notice after the window', async () => reasons('maint-host').length > 0, 10_000, simOutput);
      await sleep(2_000);
      assert.deepEqual(reasons('maint-host'), ['maintenance-ended']);
      assert.equal(notices('maint-host')[0]!.to, 'major');
    });

    it('an acknowledged problem stops repeats', async () => {
      scenario['ack-host'] = 90;
      writeScenario();
      await waitFor('the change notified', async () => reasons('ack-host').includes('transition'), 20_000, simOutput);
      const problem = `h:${hostIds['ack-host']}:p:${(await core!.db.models.Plugin.findOne({ where: { pluginId: PLUGIN } }))!.id}`;
      // repeatMinutes has a floor of one minute: the test moves the stored due time instead of waiting it out.
      const due = () => core!.db.sequelize.query('UPDATE alert_problems SET next_repeat_at = ? WHERE problem_key = ?', { replacements: [Date.now() - 1, problem] });
      await due();
      await waitFor('a repeat', async () => reasons('ack-host').includes('repeat'), 10_000, simOutput);
      const pluginRowId = Number(problem.split(':p:')[1]);
      const ack = await api('POST', '/acknowledgements', { problem: { hostId: hostIds['ack-host'], pluginId: pluginRowId }, comment: 'on it' });
      assert.equal(ack.status, 201, JSON.stringify(ack.json));
      await due();
      await sleep(3_000);
      assert.deepEqual(reasons('ack-host'), ['transition', 'repeat'], 'no repeat after the acknowledgement');
      const listed = await api<{ items: { acknowledged: { by: string } | null }[] }>('GET', `/reports/transitions?hostId=${hostIds['ack-host']}&acknowledged=true`);
      assert.equal(listed.json.items[0]?.acknowledged?.by, 'admin');
    });
  });
}
