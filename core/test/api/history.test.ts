import assert from 'node:assert/strict';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

/** Counts the SQL statements `work` causes (sequelize reads `options.logging` per query). */
async function countQueries<T>(api: TestApi, work: () => Promise<T>): Promise<{ result: T; queries: number }> {
  const options = (api.db.sequelize as unknown as { options: { logging?: unknown } }).options;
  const before = options.logging;
  let queries = 0;
  options.logging = () => {
    queries += 1;
  };
  try {
    return { result: await work(), queries };
  } finally {
    options.logging = before;
  }
}

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

for (const dialect of DIALECTS) {
  describe(`API history reports (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    const hosts: number[] = [];
    let serviceId: number;
    let cpu: number;
    let disk: number;

    before(async () => {
      api = await createTestApi(dialect, { dbPrefix: 'prophasis_test_api2' });
      for (let i = 0; i < 10; i++) hosts.push((await call(api, 'admin', 'POST', '/api/hosts', { name: `h-${i}` })).json().id);
      serviceId = (await call(api, 'admin', 'POST', '/api/services', { name: 'shop' })).json().id;
      cpu = (await api.db.models.Plugin.create({ pluginId: 'io.prophasis.cpu-load', name: 'CPU load' })).id;
      disk = (await api.db.models.Plugin.create({ pluginId: 'io.prophasis.disk', name: '' })).id;
      // 30 plugin transitions (3 per host, alternating plugins), one host-level and one service transition.
      const rows = [];
      for (let i = 0; i < 30; i++) {
        rows.push({ hostId: hosts[i % 10]!, pluginId: i % 2 ? disk : cpu, fromState: 'ok' as const, toState: 'major' as const, at: T0 + i * 1000, late: i === 29 });
      }
      rows.push({ hostId: hosts[0]!, fromState: 'ok' as const, toState: 'minor' as const, at: T0 + 40_000 });
      rows.push({ serviceId, fromState: 'ok' as const, toState: 'critical' as const, at: T0 + 50_000 });
      await api.db.models.StateTransition.bulkCreate(rows);
      const results = [];
      for (let i = 0; i < 12; i++) {
        results.push({
          resultId: `r-${i}`,
          hostId: hosts[0]!,
          pluginId: i % 3 === 0 ? disk : cpu,
          checkId: null,
          measuredAt: T0 + i * 60_000,
          receivedAt: T0 + i * 60_000 + 5,
          value: i,
          // Every other result has a message; one has an empty one (not a message).
          message: i % 2 === 0 ? `message ${i}` : i === 5 ? '' : null,
          resultType: 'plugin' as const,
          severity: 'ok' as const,
          late: i === 10,
        });
      }
      results.push({ ...results[0]!, resultId: 'other-host', hostId: hosts[1]!, message: 'not this host' });
      await api.db.models.Result.bulkCreate(results);
    });
    after(async () => api?.close());

    describe('GET /api/reports/transitions', () => {
      it('lists newest first with names resolved, the late flag and the total', async () => {
        const res = await call(api, 'viewer', 'GET', '/api/reports/transitions?limit=3');
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json();
        assert.equal(page.total, 32);
        assert.equal(page.limit, 3);
        assert.equal(page.offset, 0);
        assert.deepEqual(page.items[0], {
          id: page.items[0].id,
          at: T0 + 50_000,
          hostId: null,
          hostName: null,
          serviceId,
          serviceName: 'shop',
          pluginId: null,
          pluginName: null,
          from: 'ok',
          to: 'critical',
          late: false,
          problem: `s:${serviceId}`,
          acknowledged: null,
          maintenance: null,
          causedBy: null,
          flapping: false,
        });
        assert.equal(page.items[1].hostName, 'h-0');
        assert.equal(page.items[1].pluginId, null);
        assert.equal(page.items[1].to, 'minor');
        assert.deepEqual(
          { host: page.items[2].hostName, plugin: page.items[2].pluginId, name: page.items[2].pluginName, late: page.items[2].late, at: page.items[2].at },
          { host: 'h-9', plugin: 'io.prophasis.disk', name: 'io.prophasis.disk', late: true, at: T0 + 29_000 },
        );
      });

      it('filters by host, service, plugin and time, and pages', async () => {
        const byHost = (await call(api, 'viewer', 'GET', `/api/reports/transitions?hostId=${hosts[0]}`)).json();
        assert.equal(byHost.total, 4);
        assert.ok(byHost.items.every((t: { hostId: number }) => t.hostId === hosts[0]));
        const byService = (await call(api, 'viewer', 'GET', `/api/reports/transitions?serviceId=${serviceId}`)).json();
        assert.deepEqual(byService.items.map((t: { serviceName: string }) => t.serviceName), ['shop']);
        const byPlugin = (await call(api, 'viewer', 'GET', '/api/reports/transitions?pluginId=io.prophasis.cpu-load&limit=500')).json();
        assert.equal(byPlugin.total, 15);
        assert.ok(byPlugin.items.every((t: { pluginName: string }) => t.pluginName === 'CPU load'));
        const range = (await call(api, 'viewer', 'GET', `/api/reports/transitions?from=${T0 + 10_000}&to=${T0 + 20_000}`)).json();
        assert.equal(range.total, 10);
        assert.deepEqual([range.items[0].at, range.items.at(-1).at], [T0 + 19_000, T0 + 10_000]);
        const second = (await call(api, 'viewer', 'GET', `/api/reports/transitions?from=${T0 + 10_000}&to=${T0 + 20_000}&limit=4&offset=8`)).json();
        assert.deepEqual(second.items.map((t: { at: number }) => t.at), [T0 + 11_000, T0 + 10_000]);
        assert.equal(second.total, 10);
        const none = (await call(api, 'viewer', 'GET', '/api/reports/transitions?pluginId=io.example.gone')).json();
        assert.deepEqual(none, { items: [], total: 0, limit: 50, offset: 0 });
      });

      it('filters by host group (nested groups included) and by the severity changed to', async () => {
        const outer = (await call(api, 'admin', 'POST', '/api/groups', { name: 'outer', hostIds: [hosts[0]] })).json().id as number;
        const inner = (await call(api, 'admin', 'POST', '/api/groups', { name: 'inner', hostIds: [hosts[1]] })).json().id as number;
        const linked = await call(api, 'admin', 'PUT', `/api/groups/${outer}`, { name: 'outer', hostIds: [hosts[0]], groupIds: [inner] });
        assert.equal(linked.statusCode, 200, linked.body);
        const byGroup = (await call(api, 'viewer', 'GET', `/api/reports/transitions?groupId=${outer}&limit=500`)).json();
        // h-0: 3 plugin transitions and its own; h-1: 3 plugin transitions; the service is in no group.
        assert.equal(byGroup.total, 7);
        assert.deepEqual([...new Set(byGroup.items.map((t: { hostName: string }) => t.hostName))].sort(), ['h-0', 'h-1']);
        const minor = (await call(api, 'viewer', 'GET', '/api/reports/transitions?severity=minor')).json();
        assert.deepEqual(minor.items.map((t: { hostName: string; to: string }) => [t.hostName, t.to]), [['h-0', 'minor']]);
        const critical = (await call(api, 'viewer', 'GET', `/api/reports/transitions?severity=critical&groupId=${outer}`)).json();
        assert.equal(critical.total, 0);
        const empty = (await call(api, 'admin', 'POST', '/api/groups', { name: 'empty' })).json().id as number;
        assert.equal((await call(api, 'viewer', 'GET', `/api/reports/transitions?groupId=${empty}`)).json().total, 0);
      });

      it('marks each row with its problem now (acknowledged by whom, in maintenance, flapping) and filters on each mark both ways', async () => {
        const now = Date.now();
        // h-2's cpu is major now and acknowledged; h-3 is in a maintenance window; h-4's cpu flaps.
        await api.db.sequelize.query('INSERT INTO current_states (host_id, plugin_id, severity, since) VALUES (?, ?, ?, ?)', { replacements: [hosts[2], cpu, 'major', T0] });
        const ack = await call(api, 'operator', 'POST', '/api/acknowledgements', { problem: { hostId: hosts[2], pluginId: cpu }, comment: 'on it' });
        assert.equal(ack.statusCode, 201, ack.body);
        const silence = await call(api, 'operator', 'POST', '/api/silences', { name: 'h-3 patching', kind: 'once', startsAt: now - 60_000, endsAt: now + 3_600_000, scopes: { hostIds: [hosts[3]] } });
        assert.equal(silence.statusCode, 201, silence.body);
        await api.db.sequelize.query('INSERT INTO alert_flapping (series_key, host_id, plugin_id, from_state, started_at) VALUES (?, ?, ?, ?, ?)', { replacements: [`h:${hosts[4]}:p:${cpu}`, hosts[4], cpu, 'ok', T0] });
        type Row = { hostName: string | null; pluginId: string | null; problem: string; acknowledged: { by: string; comment: string } | null; maintenance: { name: string } | null; flapping: boolean };
        const list = async (query: string) => {
          const res = await call(api, 'viewer', 'GET', `/api/reports/transitions?limit=500&${query}`);
          assert.equal(res.statusCode, 200, res.body);
          return res.json() as { items: Row[]; total: number };
        };
        const acked = await list('acknowledged=true');
        assert.equal(acked.total, 3);
        assert.ok(acked.items.every((t) => t.hostName === 'h-2' && t.pluginId === 'io.prophasis.cpu-load' && t.acknowledged?.by === 'operator' && t.acknowledged.comment === 'on it'), JSON.stringify(acked.items));
        assert.equal((await list('acknowledged=false')).total, 32 - 3);
        const inMaintenance = await list('maintenance=true');
        assert.equal(inMaintenance.total, 3);
        assert.ok(inMaintenance.items.every((t) => t.hostName === 'h-3' && t.maintenance?.name === 'h-3 patching'));
        const notInMaintenance = await list('maintenance=false');
        assert.equal(notInMaintenance.total, 32 - 3);
        assert.ok(notInMaintenance.items.some((t) => t.hostName === null), 'the service transition (no host) is kept by a false filter');
        const flapping = await list('flapping=true');
        assert.deepEqual(flapping.items.map((t) => [t.problem, t.flapping]), [2, 1, 0].map(() => [`h:${hosts[4]}:p:${cpu}`, true]));
        assert.equal((await list('flapping=false')).total, 32 - 3);
        // Marks combine with each other and with the other filters.
        assert.equal((await list(`acknowledged=true&flapping=false&hostId=${hosts[2]}`)).total, 3);
        assert.equal((await list('acknowledged=true&maintenance=true')).total, 0);
        // The rows without a filter carry the same marks.
        const all = await list('');
        assert.equal(all.items.filter((t) => t.acknowledged !== null).length, 3);
        assert.equal(all.items.filter((t) => t.maintenance !== null).length, 3);
        assert.equal(all.items.filter((t) => t.flapping).length, 3);
      });

      it('resolves names with a fixed number of queries, whatever the page size (no N+1)', async () => {
        const small = await countQueries(api, () => call(api, 'viewer', 'GET', '/api/reports/transitions?limit=1'));
        const large = await countQueries(api, () => call(api, 'viewer', 'GET', '/api/reports/transitions?limit=40'));
        assert.equal(large.result.json().items.length, 32);
        assert.ok(large.queries <= small.queries + 2, `${large.queries} queries for 32 rows vs ${small.queries} for 1`);
        // 11: the marks read host parents too (one query, docs/alerts.md "Dependencies").
        assert.ok(large.queries <= 11, `${large.queries} queries`);
      });

      it('refuses bad filters naming the field, and still answers afterwards', async () => {
        for (const [query, field] of [
          ['hostId=abc', 'hostId'],
          ['pluginId=Not%20A%20Plugin', 'pluginId'],
          ['limit=501', 'limit'],
          ['colour=red', 'colour'],
          ['severity=bad', 'severity'],
          ['acknowledged=maybe', 'acknowledged'],
          ['groupId=x', 'groupId'],
        ] as const) {
          const res = await call(api, 'viewer', 'GET', `/api/reports/transitions?${query}`);
          assert.equal(res.statusCode, 400, query);
          assert.equal(res.json().code, 'CORE_VALIDATION');
          assert.equal(res.json().details.field, field);
        }
        const unknownGroup = await call(api, 'viewer', 'GET', '/api/reports/transitions?groupId=99999');
        assert.equal(unknownGroup.statusCode, 400, unknownGroup.body);
        assert.equal(unknownGroup.json().details.field, 'groupId');
        const empty = await call(api, 'viewer', 'GET', `/api/reports/transitions?from=${T0}&to=${T0}`);
        assert.equal(empty.statusCode, 400);
        assert.equal(empty.json().details.field, 'from');
        assert.equal((await call(api, undefined, 'GET', '/api/reports/transitions')).statusCode, 401);
        assert.equal((await call(api, 'viewer', 'GET', '/api/reports/transitions')).statusCode, 200);
      });
    });

    describe('GET /api/reports/hosts/:id/messages', () => {
      it('lists the host results that carry a message, newest first', async () => {
        const res = await call(api, 'viewer', 'GET', `/api/reports/hosts/${hosts[0]}/messages`);
        assert.equal(res.statusCode, 200, res.body);
        const items = res.json();
        assert.deepEqual(
          items.map((m: { message: string }) => m.message),
          ['message 10', 'message 8', 'message 6', 'message 4', 'message 2', 'message 0'],
        );
        assert.deepEqual(items[0], {
          resultId: 'r-10',
          pluginId: 'io.prophasis.cpu-load',
          pluginName: 'CPU load',
          checkId: null,
          measuredAt: T0 + 600_000,
          severity: 'ok',
          resultType: 'plugin',
          value: 10,
          message: 'message 10',
          late: true,
        });
      });

      it('filters by plugin and time and limits', async () => {
        const disks = (await call(api, 'viewer', 'GET', `/api/reports/hosts/${hosts[0]}/messages?pluginId=io.prophasis.disk`)).json();
        assert.deepEqual(disks.map((m: { resultId: string }) => m.resultId), ['r-6', 'r-0']);
        const range = (await call(api, 'viewer', 'GET', `/api/reports/hosts/${hosts[0]}/messages?from=${T0 + 120_000}&to=${T0 + 480_000}&limit=2`)).json();
        assert.deepEqual(range.map((m: { resultId: string }) => m.resultId), ['r-6', 'r-4']);
        const gone = (await call(api, 'viewer', 'GET', `/api/reports/hosts/${hosts[0]}/messages?pluginId=io.example.gone`)).json();
        assert.deepEqual(gone, []);
        const quiet = (await call(api, 'viewer', 'GET', `/api/reports/hosts/${hosts[5]}/messages`)).json();
        assert.deepEqual(quiet, []);
      });

      it('refuses an unknown host and bad queries, and still answers afterwards', async () => {
        const missing = await call(api, 'viewer', 'GET', '/api/reports/hosts/99999/messages');
        assert.equal(missing.statusCode, 404);
        assert.equal(missing.json().code, 'CORE_API_NOT_FOUND');
        const big = await call(api, 'viewer', 'GET', `/api/reports/hosts/${hosts[0]}/messages?limit=1001`);
        assert.equal(big.statusCode, 400);
        assert.equal(big.json().details.field, 'limit');
        const backwards = await call(api, 'viewer', 'GET', `/api/reports/hosts/${hosts[0]}/messages?from=${T0 + 10}&to=${T0}`);
        assert.equal(backwards.statusCode, 400);
        assert.equal(backwards.json().details.field, 'from');
        assert.equal((await call(api, 'viewer', 'GET', `/api/reports/hosts/${hosts[0]}/messages?limit=1`)).json().length, 1);
      });
    });

    it('documents the new routes in the OpenAPI document', async () => {
      const doc = (await api.app.inject({ method: 'GET', url: '/api/docs/json' })).json();
      for (const [path, method] of [
        ['/api/reports/transitions', 'get'],
        ['/api/reports/hosts/{id}/messages', 'get'],
        ['/api/hosts/{id}/run', 'post'],
        ['/api/hosts/{id}/enrolment', 'post'],
        ['/api/hosts/{id}/revoke', 'post'],
        ['/api/alert-modules', 'get'],
        ['/api/alerts/test', 'post'],
        ['/api/alerts/{id}/test', 'post'],
      ] as const) {
        assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
      }
      assert.ok(doc.paths['/api/plugins/{id}'].get.responses['200'].content['application/json'].schema.properties.chart, 'Plugin has chart');
    });

    describe('plugin chart hints', () => {
      it("carry the newest version's manifest chart and each version's parameters and default classifier", async () => {
        const base = { bundleSha256: 'a'.repeat(64), publisher: 'test', publisherKeyFingerprint: 'f'.repeat(64), requestedCapabilities: ['os.info'], defaultClassifier: 'return "ok"' };
        const parameters = { type: 'object', properties: { warn: { type: 'number' } } };
        await api.db.models.PluginVersion.create({ ...base, pluginId: cpu, version: '1.0.0', manifest: { chart: { unit: 'ms' } }, createdAt: T0 });
        await api.db.models.PluginVersion.create({
          ...base,
          pluginId: cpu,
          version: '1.1.0',
          manifest: { parameters, chart: { unit: '%', kind: 'area', min: 0, max: 100, label: 'Load', colour: 'red' } },
          defaultClassifier: 'if values[1] > 90 then return "major" end return "ok"',
          createdAt: T0 + 1,
        });
        const res = await call(api, 'viewer', 'GET', `/api/plugins/${cpu}`);
        assert.equal(res.statusCode, 200, res.body);
        const plugin = res.json();
        assert.equal(plugin.version, '1.1.0');
        assert.deepEqual(plugin.chart, { unit: '%', kind: 'area', min: 0, max: 100, label: 'Load' });
        assert.deepEqual(plugin.versions[0].parameters, parameters);
        assert.equal(plugin.versions[1].parameters, undefined);
        assert.deepEqual(
          plugin.versions.map((v: { defaultClassifier: string }) => v.defaultClassifier),
          ['if values[1] > 90 then return "major" end return "ok"', 'return "ok"'],
        );
        // A plugin whose manifest declares no chart has none; the list carries the same.
        const list = (await call(api, 'viewer', 'GET', '/api/plugins?sort=pluginId')).json();
        assert.deepEqual(list.items.map((p: { chart?: unknown }) => p.chart), [{ unit: '%', kind: 'area', min: 0, max: 100, label: 'Load' }, undefined]);
      });
    });
  });
}
