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
import { startAgent, waitFor, type AgentProcess } from '../system/agent-process.js';

const PLUGIN = 'com.example.dependency-probe';
const CLASSIFIER = 'local v = values[values.n]\nif v == nil then return "unknown" end\nif v > 50 then return "major" end\nreturn "ok"\n';
const PARENT = 'router-1';
const CHILDREN = ['switch-1', 'web-1', 'db-1'] as const;
const HOSTS = [PARENT, ...CHILDREN];
/** Quick alert polls and held-notice checks; an agent gone for 1 s is unreachable (docs/configuration.md). */
const ENV = { PROPHASIS_ALERT_POLL_MS: '200', PROPHASIS_ALERT_SILENCE_CHECK_MS: '200', PROPHASIS_UNREACHABLE_GRACE_MS: '1000' };
const PG_URL = process.env.PROPHASIS_TEST_POSTGRES_URL ?? '';

interface Notice {
  reason: string;
  target: { kind: string; name: string };
  to: string;
}

/**
 * Issue 18's system test: router-1 → switch-1 → web-1, db-1 over the real thing (startCore:
 * embedded broker over TLS, pipeline, alerting with its intake, the HTTP API), the router in one
 * `prophasis-agent simulate` process and the hosts behind it in another. Stopping the router's
 * agent and, at the same moment (the network behind it gone), the others' sends ONE notification; bringing them back
 * sends the router's recovery and nothing else. Notifications go to a webhook receiver on 127.0.0.1.
 */
for (const dialect of ['sqlite', ...(PG_URL ? ['postgres'] : [])] as const) {
  describe(`dependencies over TLS with simulated agents (system, ${dialect})`, function () {
    this.timeout(180_000);
    let dropDatabase: (() => Promise<void>) | undefined;
    const publisher = generatePublisherKeys();
    let dir: string;
    let core: Core | undefined;
    const sims: Partial<Record<'parent' | 'children', AgentProcess>> = {};
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let cookie = '';
    const hostIds: Record<string, number> = {};
    const saved: Record<string, string | undefined> = {};
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    const simOutput = () => `simulator output: ${Object.values(sims).map((s) => s?.output().slice(-1500)).join('\n---\n')}`;
    async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
      const res = await fetch(`http://127.0.0.1:${core!.httpPort}/api${path}`, {
        method,
        headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
    }
    const sent = () => receiver.requests.map((r) => JSON.parse(r.body) as Notice).map((n) => `${n.target.name} ${n.to} ${n.reason}`);
    const hostState = async (name: string) => (await core!.db.models.StateTransition.findAll({ where: { hostId: hostIds[name], pluginId: null, serviceId: null }, order: [['id', 'ASC']] })).at(-1)?.toState;
    function startSim(which: 'parent' | 'children', count: number): void {
      sims[which] = startAgent(
        ['simulate', '--agents', String(count), '--scenario', join(dir, 'scenario.json'), '--server', `127.0.0.1:${core!.transport.mqttPort}`, '--ca-fingerprint', core!.transport.caFingerprint, '--tokens', join(dir, `tokens-${which}.txt`), '--data-dir', join(dir, `sim-${which}`)],
        { PROPHASIS_DATA_DIR: join(dir, `agent-${which}`), PROPHASIS_LOG_LEVEL: 'info' },
      );
    }
    async function stopSim(which: 'parent' | 'children'): Promise<void> {
      sims[which]?.kill();
      await sims[which]?.exited(10_000).catch(() => undefined);
      delete sims[which];
    }

    before(async () => {
      for (const [k, v] of Object.entries(ENV)) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
      dir = mkdtempSync(join(tmpdir(), 'prophasis-dependencies-'));
      const dataDir = join(dir, 'core');
      writeFileSync(join(dir, 'scenario.json'), JSON.stringify({ hosts: Object.fromEntries(HOSTS.map((h) => [h, { [PLUGIN]: { value: 10 } }])) }));
      const logger = silentLogger();
      const siteKey = loadOrCreateSiteKey(dataDir, { logger });
      const trust = createFileTrustStore({ dir: trustDirectory(dataDir), siteKey: siteKey.privateKey }, { logger });
      await trust.add({ name: 'dependency tests', publicKeyPem: publisher.publicKey.export({ format: 'pem', type: 'spki' }).toString() }, 'system-test');
      const env: NodeJS.ProcessEnv = { PROPHASIS_DATA_DIR: dataDir, ...ENV };
      if (dialect === 'postgres') {
        const pg = await createPgDatabase(PG_URL, 'prophasis_test_deps');
        dropDatabase = pg.drop;
        env['DATABASE_URL'] = pg.url;
      }
      core = await startCore(readCoreConfig(env, { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' }), logger);
      receiver = await startReceiver();
      const token = new URL(core.setupLink()!).searchParams.get('token')!;
      const setup = await fetch(`http://127.0.0.1:${core.httpPort}/api/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, name: 'admin', password: 'a long test password' }) });
      assert.equal(setup.status, 201, await setup.text());
      cookie = setup.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

      const tokens: Record<'parent' | 'children', string[]> = { parent: [], children: [] };
      for (const name of HOSTS) {
        const added = await hostAdd({ registry: core.registry, caFingerprint: core.transport.caFingerprint, httpPort: core.httpPort, mqttPort: core.transport.mqttPort }, { name, server: '127.0.0.1' });
        tokens[name === PARENT ? 'parent' : 'children'].push(added.token);
        hostIds[name] = (await core.db.models.Host.findOne({ where: { name } }))!.id;
      }
      writeFileSync(join(dir, 'tokens-parent.txt'), tokens.parent.join('\n'));
      writeFileSync(join(dir, 'tokens-children.txt'), tokens.children.join('\n'));

      const bundle = signedTestBundle(publisher, manifestFor({ id: PLUGIN, capabilities: [] }), {
        'plugin.js': 'export function measure() { return { value: 0 }; }\n',
        'classifier.lua': CLASSIFIER,
        'README.md': '# Dependency probe\n',
      });
      assert.equal((await api('POST', '/plugins/upload', { bundle: bundle.toString('base64') })).status, 201);
      await core.plugins.approve(PLUGIN, '1.0.0', [], { name: 'admin' });
      const check = await api<{ id: number }>('POST', '/checks', { name: 'probe', hostIds: Object.values(hostIds), plugins: [{ pluginId: PLUGIN }] });
      assert.equal(check.status, 201, JSON.stringify(check.json));
      assert.equal((await api('POST', '/schedules', { name: 'every second', checkIds: [check.json.id], intervals: [{ start: 0, everyMs: 1_000 }] })).status, 201);

      // The chain, as an administrator sets it: router-1 → switch-1 → web-1, db-1.
      assert.equal((await api('PUT', `/hosts/${hostIds['switch-1']}/parents`, { parentIds: [hostIds[PARENT]] })).status, 200);
      for (const h of ['web-1', 'db-1']) assert.equal((await api('PUT', `/hosts/${hostIds[h]}/parents`, { parentIds: [hostIds['switch-1']] })).status, 200);

      // One alert on every host's own state, both ways.
      const alert = await api('POST', '/alerts', { name: 'hosts', fromStates: ['ok', 'major'], toStates: ['ok', 'major'], scopes: { hostIds: Object.values(hostIds) }, module: 'webhook', settings: { url: `${receiver.base}/hook`, format: 'json' } });
      assert.equal(alert.status, 201, JSON.stringify(alert.json));

      startSim('parent', 1);
      startSim('children', CHILDREN.length);
      for (const name of HOSTS) await waitFor(`${name} ok`, async () => (await hostState(name)) === 'ok', 60_000, simOutput);
    });

    after(async () => {
      await stopSim('parent');
      await stopSim('children');
      await core?.stop();
      await receiver?.close();
      await dropDatabase?.();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('stopping the router’s agent and, with it, the hosts behind it sends one notification, not one per host; the others are marked "caused by router-1"', async () => {
      assert.deepEqual(sent(), []);
      // The network behind the router goes with it: both processes killed back to back, so the
      // agents' grace periods end in any order.
      await Promise.all([stopSim('parent'), stopSim('children')]);
      await waitFor('the router notice', async () => sent().length > 0, 30_000, simOutput);
      for (const name of CHILDREN) await waitFor(`${name} unreachable recorded`, async () => (await hostState(name)) === 'major', 30_000, simOutput);
      await sleep(2_000);
      assert.deepEqual(sent(), ['router-1 major unreachable'], 'one notification');
      const hosts = await api<{ name: string; severity: string; causedBy: { name: string } | null }[]>('GET', '/reports/hosts');
      assert.equal(hosts.status, 200);
      for (const name of CHILDREN) {
        const row = hosts.json.find((h) => h.name === name);
        assert.equal(row?.severity, 'major', JSON.stringify(row));
        assert.equal(row?.causedBy?.name, PARENT, JSON.stringify(row));
      }
      assert.equal(hosts.json.find((h) => h.name === PARENT)?.causedBy ?? null, null);
      const chain = await api<{ ancestors: { name: string; down: boolean }[]; causedBy: { name: string } | null }>('GET', `/hosts/${hostIds['web-1']}/dependencies`);
      assert.deepEqual(chain.json.ancestors.map((a) => `${a.name} ${a.down ? 'down' : 'up'}`), ['switch-1 down', 'router-1 down']);
      assert.equal(chain.json.causedBy?.name, PARENT);
    });

    it('everything comes back: the router’s recovery is sent and nothing else', async () => {
      startSim('children', CHILDREN.length);
      for (const name of CHILDREN) await waitFor(`${name} back`, async () => (await hostState(name)) === 'ok', 60_000, simOutput);
      startSim('parent', 1);
      await waitFor('the router recovery', async () => sent().length > 1, 60_000, simOutput);
      await sleep(3_000);
      assert.deepEqual(sent(), ['router-1 major unreachable', 'router-1 ok transition']);
      const held = await core!.db.sequelize.query('SELECT problem_key FROM dependency_held');
      assert.deepEqual(held[0], []);
    });
  });
}
