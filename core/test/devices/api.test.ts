import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryTypes } from 'sequelize';
import { createConfigAsCode } from '../../src/config-as-code/index.js';
import { configAsCodeParts } from '../../src/config-as-code-parts.js';
import { createSecretBox, type SecretBox } from '../../src/kernel/index.js';
import { loadConfigRows } from '../../src/scheduler/load.js';
import { buildPlans } from '../../src/scheduler/plan.js';
import { call, createTestApiOn, type TestApi } from '../api/helpers.js';
import { dialects, openTestDatabase } from '../db/helpers.js';

const SNMP = 'io.prophasis.snmp-test';
const COMMUNITY = 'n0t-public-c0mmunity';

for (const { name: dialect } of dialects()) {
  describe(`devices API (${dialect})`, function () {
    let api: TestApi;
    let dir: string;
    let box: SecretBox;
    const ids = { collector: 0, pending: 0, other: 0 };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'prophasis-devices-api-'));
      box = createSecretBox(dir);
      api = await createTestApiOn(await openTestDatabase(dialect, { prefix: 'prophasis_test_dev' }), { deps: () => ({ secrets: box }) });
      const m = api.db.models;
      ids.collector = (await m.Host.create({ name: 'collector-1', agentId: 'agent-c1', enrolmentState: 'enrolled', connectedSince: Date.now() })).id;
      ids.other = (await m.Host.create({ name: 'collector-2', agentId: 'agent-c2', enrolmentState: 'enrolled', connectedSince: Date.now() })).id;
      ids.pending = (await m.Host.create({ name: 'not-enrolled' })).id;
      // A plugin whose manifest marks `community` secret.
      const plugin = await m.Plugin.create({ pluginId: SNMP, name: 'SNMP test' });
      await m.PluginVersion.create({
        pluginId: plugin.id,
        version: '1.0.0',
        manifest: {
          history: 1,
          parameters: { type: 'object', properties: { community: { type: 'string', format: 'secret' }, oid: { type: 'string' } } },
        },
        bundleSha256: 'a'.repeat(64),
        bundle: Buffer.from('x'),
        publisher: 'test',
        publisherKeyFingerprint: 'f'.repeat(64),
        requestedCapabilities: ['snmp:$target'],
        approvedCapabilities: ['snmp:$target'],
        defaultClassifier: 'return "ok"',
        historyCount: 1,
      });
    });
    after(async () => {
      await api?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    let printer = 0;

    it('creates a device with an address, a type and a collector; shows "via collector"', async () => {
      const res = await call(api, 'admin', 'POST', '/api/hosts', { name: 'printer-1', kind: 'device', address: '192.0.2.10', deviceType: 'printer', collectorId: ids.collector });
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json();
      printer = body.id;
      assert.equal(body.kind, 'device');
      assert.equal(body.address, '192.0.2.10');
      assert.equal(body.deviceType, 'printer');
      assert.equal(body.enrolmentState, 'pending');
      assert.deepEqual(body.collector, { id: ids.collector, name: 'collector-1', unreachable: false, via: 'device' });
      const agent = (await call(api, 'viewer', 'GET', `/api/hosts/${ids.collector}`)).json();
      assert.equal(agent.kind, 'agent');
      assert.equal(agent.collector, undefined);
      // A DNS name and IPv6 are addresses too; the type defaults to other.
      const sw = await call(api, 'admin', 'POST', '/api/hosts', { name: 'switch-1', kind: 'device', address: 'sw1.example.net', collectorId: ids.collector });
      assert.equal(sw.statusCode, 201, sw.body);
      assert.equal(sw.json().deviceType, 'other');
      assert.equal((await call(api, 'admin', 'POST', '/api/hosts', { name: 'ap-1', kind: 'device', address: '2001:db8::1', deviceType: 'access-point' })).statusCode, 201);
    });

    it('refuses bad devices with a 400 naming the field, and stores nothing', async () => {
      const before = await api.db.models.Host.count();
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ address: '300.1.2.3' }, 'address', /neither an IP address nor a DNS name/],
        [{ address: 'bad host!' }, 'address', /neither/],
        [{ address: '-lead.example' }, 'address', /neither/],
        [{ address: '' }, 'address', /needs an address/],
        [{ address: '192.0.2.1', collectorId: printer }, 'collectorId', /is a device; only a host with an agent/],
        [{ address: '192.0.2.1', collectorId: ids.pending }, 'collectorId', /has no enrolled agent/],
        [{ address: '192.0.2.1', collectorId: 999_999 }, 'collectorId', /does not exist/],
        [{ address: '192.0.2.1', deviceType: 'toaster' }, 'deviceType', /.*/],
      ];
      for (const [extra, field, message] of cases) {
        const res = await call(api, 'admin', 'POST', '/api/hosts', { name: 'bad-device', kind: 'device', ...extra });
        assert.equal(res.statusCode, 400, `${JSON.stringify(extra)}: ${res.body}`);
        assert.equal(res.json().details.field, field, JSON.stringify(extra));
        assert.match(res.json().message, message);
      }
      const agentWithAddress = await call(api, 'admin', 'POST', '/api/hosts', { name: 'web-9', address: '192.0.2.9' });
      assert.equal(agentWithAddress.statusCode, 400);
      assert.equal(agentWithAddress.json().details.field, 'address');
      assert.equal(await api.db.models.Host.count(), before, 'nothing stored');
      // The kind is fixed; a device cannot collect for itself.
      const flip = await call(api, 'admin', 'PUT', `/api/hosts/${printer}`, { name: 'printer-1', kind: 'agent' });
      assert.equal(flip.statusCode, 400);
      assert.equal(flip.json().details.field, 'kind');
      const self = await call(api, 'admin', 'PUT', `/api/hosts/${printer}`, { name: 'printer-1', address: '192.0.2.10', collectorId: printer });
      assert.equal(self.statusCode, 400);
      assert.equal(self.json().details.field, 'collectorId');
      // A PUT that leaves the device fields out (the plain host form) keeps them.
      const renamed = await call(api, 'admin', 'PUT', `/api/hosts/${printer}`, { name: 'printer-1', description: 'second floor' });
      assert.equal(renamed.statusCode, 200, renamed.body);
      assert.deepEqual([renamed.json().address, renamed.json().deviceType, renamed.json().collectorId], ['192.0.2.10', 'printer', ids.collector]);
      // A device has no agent to enrol.
      const enrol = await call(api, 'admin', 'POST', `/api/hosts/${printer}/enrolment`, {});
      assert.equal(enrol.statusCode, 400, enrol.body);
      assert.match(enrol.json().message, /is a device: it has no agent to enrol/);
      // Viewers read, administrators edit.
      assert.equal((await call(api, 'viewer', 'POST', '/api/hosts', { name: 'x', kind: 'device', address: '192.0.2.3' })).statusCode, 403);
      assert.equal((await call(api, 'operator', 'PUT', `/api/hosts/${printer}`, { name: 'printer-1', address: '192.0.2.11' })).statusCode, 403);
      assert.equal((await call(api, 'viewer', 'GET', `/api/hosts/${printer}`)).json().address, '192.0.2.10', 'unchanged');
    });

    it("lists a collector's devices, its own and those inherited from a group's collector", async () => {
      const ups = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'ups-1', kind: 'device', address: '192.0.2.20', deviceType: 'ups' })).json();
      assert.equal(ups.collector, null, 'no collector yet');
      const badGroup = await call(api, 'admin', 'POST', '/api/groups', { name: 'site-x', hostIds: [ups.id], collectorId: printer });
      assert.equal(badGroup.statusCode, 400);
      assert.equal(badGroup.json().details.field, 'collectorId');
      const group = await call(api, 'admin', 'POST', '/api/groups', { name: 'site-a', hostIds: [ups.id], collectorId: ids.other });
      assert.equal(group.statusCode, 201, group.body);
      assert.equal(group.json().collectorId, ids.other);
      assert.deepEqual((await call(api, 'viewer', 'GET', `/api/hosts/${ups.id}`)).json().collector, { id: ids.other, name: 'collector-2', unreachable: false, via: 'group' });
      const list = await call(api, 'viewer', 'GET', `/api/hosts/${ids.other}/devices`);
      assert.equal(list.statusCode, 200);
      assert.deepEqual(list.json().map((h: { name: string }) => h.name), ['ups-1']);
      const mine = (await call(api, 'viewer', 'GET', `/api/hosts/${ids.collector}/devices`)).json().map((h: { name: string }) => h.name);
      assert.deepEqual(mine, ['printer-1', 'switch-1']);
      assert.equal((await call(api, 'viewer', 'GET', '/api/hosts/999999/devices')).statusCode, 404);
      // A PUT of the group without collectorId keeps it; null removes it.
      await call(api, 'admin', 'PUT', `/api/groups/${group.json().id}`, { name: 'site-a', hostIds: [ups.id] });
      assert.equal((await call(api, 'viewer', 'GET', `/api/groups/${group.json().id}`)).json().collectorId, ids.other);
      await call(api, 'admin', 'PUT', `/api/groups/${group.json().id}`, { name: 'site-a', hostIds: [ups.id], collectorId: null });
      assert.equal((await call(api, 'viewer', 'GET', `/api/hosts/${ups.id}`)).json().collector, null);
    });

    it('shows "collector unreachable" on its devices, which are not marked down', async () => {
      await api.db.models.Host.update({ unreachableSince: Date.now(), connectedSince: null }, { where: { id: ids.collector } });
      const device = (await call(api, 'viewer', 'GET', `/api/hosts/${printer}`)).json();
      assert.equal(device.collector.unreachable, true);
      const report = (await call(api, 'viewer', 'GET', '/api/reports/hosts')).json() as { items?: { id: number; severity: string }[] } | { id: number; severity: string }[];
      const items = Array.isArray(report) ? report : (report.items ?? []);
      const collector = items.find((h) => h.id === ids.collector);
      const printerHealth = items.find((h) => h.id === printer);
      assert.ok(printerHealth, 'the device is in the host report');
      assert.equal(collector?.severity, 'major', 'the collector itself is unreachable');
      assert.notEqual(printerHealth?.severity, 'major', 'its device is not');
      await api.db.models.Host.update({ unreachableSince: null, connectedSince: Date.now() }, { where: { id: ids.collector } });
    });

    it('keeps secret parameters sealed: never in the raw row, the API or the audit trail; the plan carries them; a PUT without them keeps them', async () => {
      const created = await call(api, 'admin', 'POST', '/api/checks', { name: 'printer snmp', hostIds: [printer], plugins: [{ pluginId: SNMP, params: { community: COMMUNITY, oid: '1.3.6.1.2.1.1.3.0' } }] });
      assert.equal(created.statusCode, 201, created.body);
      const check = created.json();
      assert.deepEqual(check.plugins[0].params, { oid: '1.3.6.1.2.1.1.3.0', community: { set: true } });
      assert.ok(!created.body.includes(COMMUNITY));
      const raw = async () => JSON.stringify(await api.db.sequelize.query('SELECT * FROM check_plugins', { type: QueryTypes.SELECT }));
      assert.ok(!(await raw()).includes(COMMUNITY), 'the raw row holds no plaintext');
      assert.ok((await raw()).includes('v1:'), 'it holds the sealed value');
      const audit = JSON.stringify(await api.db.sequelize.query('SELECT * FROM audit_log', { type: QueryTypes.SELECT }));
      assert.ok(audit.includes('printer snmp') && !audit.includes(COMMUNITY), 'the audit trail names the check, not the secret');
      for (const url of [`/api/checks/${check.id}`, '/api/checks']) assert.ok(!(await call(api, 'viewer', 'GET', url)).body.includes(COMMUNITY), url);

      const planned = async () => {
        const rows = await loadConfigRows(api.db, box);
        return rows.input.checkPlugins.find((c) => c.checkId === check.id)?.params;
      };
      assert.equal((await planned())?.['community'], COMMUNITY, 'the plan carries it, opened');

      // A PUT without it (or with the { set: true } it was shown) keeps it.
      const put = await call(api, 'admin', 'PUT', `/api/checks/${check.id}`, { name: 'printer snmp', hostIds: [printer], plugins: [{ pluginId: SNMP, params: { oid: '1.3.6.1.2.1.1.5.0' } }] });
      assert.equal(put.statusCode, 200, put.body);
      assert.deepEqual(put.json().plugins[0].params, { oid: '1.3.6.1.2.1.1.5.0', community: { set: true } });
      assert.equal((await planned())?.['community'], COMMUNITY);
      await call(api, 'admin', 'PUT', `/api/checks/${check.id}`, { name: 'printer snmp', hostIds: [printer], plugins: [{ pluginId: SNMP, params: { oid: '1', community: { set: true } } }] });
      assert.equal((await planned())?.['community'], COMMUNITY);
      // A new value replaces it; a non-string is refused naming the field; null removes it.
      await call(api, 'admin', 'PUT', `/api/checks/${check.id}`, { name: 'printer snmp', hostIds: [printer], plugins: [{ pluginId: SNMP, params: { oid: '1', community: 'another' } }] });
      assert.equal((await planned())?.['community'], 'another');
      const bad = await call(api, 'admin', 'PUT', `/api/checks/${check.id}`, { name: 'printer snmp', hostIds: [printer], plugins: [{ pluginId: SNMP, params: { community: 42 } }] });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().details.field, 'plugins[0].params.community');
      assert.equal((await planned())?.['community'], 'another', 'the refused PUT changed nothing');
      await call(api, 'admin', 'PUT', `/api/checks/${check.id}`, { name: 'printer snmp', hostIds: [printer], plugins: [{ pluginId: SNMP, params: { oid: '1', community: null } }] });
      assert.equal((await planned())?.['community'], undefined);
      assert.deepEqual((await call(api, 'viewer', 'GET', `/api/checks/${check.id}`)).json().plugins[0].params, { oid: '1' });
    });

    it('exports a secret parameter as ${secret:NAME}, never its value; applying the file keeps it, or sets it from PROPHASIS_SECRET_NAME', async () => {
      const check = (await api.db.models.Check.findOne({ where: { name: 'printer snmp' } }))!;
      await call(api, 'admin', 'PUT', `/api/checks/${check.id}`, { name: 'printer snmp', hostIds: [printer], plugins: [{ pluginId: SNMP, params: { oid: '1', community: COMMUNITY } }] });
      const planned = async () => (await loadConfigRows(api.db, box)).input.checkPlugins.find((c) => c.checkId === check.id)?.params['community'];
      const NAME = 'CHECK_PRINTER_SNMP_IO_PROPHASIS_SNMP_TEST_COMMUNITY';
      const cac = createConfigAsCode(configAsCodeParts(api.db, undefined, undefined, box), { env: {} });
      const yaml = await cac.exportYaml();
      assert.ok(yaml.includes(`\${secret:${NAME}}`), yaml);
      assert.ok(!yaml.includes(COMMUNITY));
      const kept = await cac.apply(yaml, { dryRun: false, prune: false, actor: 'test' });
      assert.ok(kept, 'applied');
      assert.equal(await planned(), COMMUNITY, 'applying the exported file keeps the secret');
      const withEnv = createConfigAsCode(configAsCodeParts(api.db, undefined, undefined, box), { env: { [`PROPHASIS_SECRET_${NAME}`]: 'from-the-environment' } });
      // An unchanged check is not rewritten (the core cannot compare a secret it does not export); a changed one takes the variable.
      await withEnv.apply(yaml, { dryRun: false, prune: false, actor: 'test' });
      assert.equal(await planned(), COMMUNITY);
      const changed = yaml.replace(/oid: ["']?1["']?\n/, "oid: '2'\n");
      assert.notEqual(changed, yaml);
      await withEnv.apply(changed, { dryRun: false, prune: false, actor: 'test' });
      assert.equal(await planned(), 'from-the-environment');
    });

    it("plans the device's check on its collector with the target", async () => {
      await call(api, 'admin', 'PUT', `/api/checks/${(await api.db.models.Check.findOne({ where: { name: 'printer snmp' } }))!.id}`, {
        name: 'printer snmp',
        hostIds: [printer],
        plugins: [{ pluginId: SNMP, params: { community: COMMUNITY } }],
      });
      const built = buildPlans({ ...(await loadConfigRows(api.db, box)).input, usable: () => true });
      // No schedule yet: nothing planned; the device's collector is resolved all the same.
      assert.equal(built.collectors.get(printer), ids.collector);
    });

    it('deleting the collector leaves the device without one (not deleted)', async () => {
      const c3 = (await api.db.models.Host.create({ name: 'collector-3', agentId: 'agent-c3', enrolmentState: 'enrolled' })).id;
      const nas = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'nas-1', kind: 'device', address: '192.0.2.30', deviceType: 'nas', collectorId: c3 })).json();
      assert.equal((await call(api, 'admin', 'DELETE', `/api/hosts/${c3}`)).statusCode, 204);
      const after = (await call(api, 'viewer', 'GET', `/api/hosts/${nas.id}`)).json();
      assert.equal(after.collectorId, null);
      assert.equal(after.collector, null);
    });
  });
}
