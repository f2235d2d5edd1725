import assert from 'node:assert/strict';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

const HOUR = 3_600_000;
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const zero = { critical: 0, major: 0, minor: 0, degraded: 0, unknown: 0 };

for (const dialect of DIALECTS) {
  describe(`API dashboard reports (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    const host: Record<string, number> = {};
    let cpu: number;
    let disk: number;
    let serviceId: number;

    before(async () => {
      api = await createTestApi(dialect, { dbPrefix: 'prophasis_test_api_dash' });
      for (const name of ['web-1', 'web-2', 'db-1', 'idle']) host[name] = (await call(api, 'admin', 'POST', '/api/hosts', { name })).json().id;
      cpu = (await api.db.models.Plugin.create({ pluginId: 'io.prophasis.cpu-load', name: 'CPU load' })).id;
      disk = (await api.db.models.Plugin.create({ pluginId: 'io.prophasis.disk-usage', name: 'Disk usage' })).id;
      serviceId = (await call(api, 'admin', 'POST', '/api/services', { name: 'shop', dependencies: [{ kind: 'host', id: host['db-1'] }] })).json().id;
      const now = Date.now();
      const insert = 'INSERT INTO current_states (host_id, plugin_id, severity, since) VALUES (?, ?, ?, ?)';
      for (const [name, plugin, severity, since] of [
        ['web-1', cpu, 'minor', now - 2 * HOUR],
        ['web-2', cpu, 'ok', now - HOUR],
        ['db-1', cpu, 'major', now - HOUR],
        ['db-1', disk, 'critical', now - 3 * HOUR],
        ['idle', cpu, 'ok', now - HOUR],
      ] as const) {
        await api.db.sequelize.query(insert, { replacements: [host[name], plugin, severity, since] });
      }
      await api.db.models.Host.update({ enrolmentState: 'enrolled', unreachableSince: now - 4 * HOUR }, { where: { id: host['web-2']! } });
      // CPU values: web-1's newest result failed (no value), so its newest value is the one before.
      const results: { host: string; plugin: number; at: number; value: number | null }[] = [
        { host: 'web-1', plugin: cpu, at: now - 120_000, value: 97 },
        { host: 'web-1', plugin: cpu, at: now - 60_000, value: null },
        { host: 'web-2', plugin: cpu, at: now - 120_000, value: 99 },
        { host: 'web-2', plugin: cpu, at: now - 60_000, value: 40 },
        { host: 'db-1', plugin: cpu, at: now - 60_000, value: 60.5 },
        // Measured earlier but delivered later (a late result): not the newest.
        { host: 'db-1', plugin: cpu, at: now - 600_000, value: 100 },
        { host: 'db-1', plugin: disk, at: now - 60_000, value: 91 },
        { host: 'idle', plugin: cpu, at: now - 60_000, value: 3 },
      ];
      await api.db.models.Result.bulkCreate(
        results.map((r, i) => ({
          resultId: `dash-${i}`,
          hostId: host[r.host]!,
          pluginId: r.plugin,
          checkId: null,
          measuredAt: r.at,
          receivedAt: now,
          value: r.value,
          message: null,
          resultType: r.value === null ? ('connection_timeout' as const) : ('plugin' as const),
          severity: 'ok' as const,
          late: false,
        })),
      );
      // History: db-1's CPU was major from before T0 until T0 + 30 min; web-1's CPU minor for 5 min
      // inside the second hour, then major at T0 + 2 h 30; the service critical from T0 + 1 h 10.
      const t = (hostName: string | null, pluginId: number | null, from: string, to: string, at: number, service?: number) => ({
        hostId: hostName ? host[hostName]! : null,
        pluginId,
        serviceId: service ?? null,
        fromState: from as 'ok',
        toState: to as 'ok',
        at,
      });
      await api.db.models.StateTransition.bulkCreate([
        t('db-1', cpu, 'ok', 'minor', T0 - 2 * HOUR),
        t('db-1', cpu, 'minor', 'major', T0 - HOUR),
        t('db-1', cpu, 'major', 'ok', T0 + 30 * 60_000),
        // db-1's own state followed its CPU: not a problem of its own.
        t('db-1', null, 'ok', 'major', T0 - HOUR),
        t('db-1', null, 'major', 'ok', T0 + 30 * 60_000),
        // web-2's agent unreachable from 02:10: the host's own problem, its plugins were fine.
        t('web-2', null, 'ok', 'major', T0 + 2 * HOUR + 10 * 60_000),
        t('web-1', cpu, 'ok', 'minor', T0 + HOUR + 10 * 60_000),
        t('web-1', cpu, 'minor', 'ok', T0 + HOUR + 15 * 60_000),
        t('web-1', cpu, 'ok', 'major', T0 + 2 * HOUR + 30 * 60_000),
        t(null, null, 'ok', 'critical', T0 + HOUR + 10 * 60_000, serviceId),
        // A host's own change counts as its own problem; no_data is not a problem.
        t('idle', null, 'ok', 'no_data', T0 + 10 * 60_000),
        // After the range: not counted.
        t('web-2', cpu, 'ok', 'degraded', T0 + 3 * HOUR),
      ]);
      await call(api, 'operator', 'POST', '/api/acknowledgements', { problem: { hostId: host['db-1'], pluginId: disk }, comment: 'new disk ordered' });
    });
    after(async () => api?.close());

    describe('GET /api/reports/problems-over-time', () => {
      it('counts each problem once per bucket at its worst state, from the state before the range; a host only for a problem of its own', async () => {
        const res = await call(api, 'viewer', 'GET', `/api/reports/problems-over-time?from=${T0}&to=${T0 + 3 * HOUR}&buckets=3`);
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json(), {
          from: T0,
          to: T0 + 3 * HOUR,
          bucketMs: HOUR,
          buckets: [
            // db-1's CPU was major when the range began and until 00:30.
            { t: T0, counts: { ...zero, major: 1 } },
            // web-1 minor for 5 minutes; the service critical from 01:10 on.
            { t: T0 + HOUR, counts: { ...zero, critical: 1, minor: 1 } },
            { t: T0 + 2 * HOUR, counts: { ...zero, critical: 1, major: 2 } },
          ],
        });
      });

      it('cuts the last bucket at `to` and defaults to 48 buckets', async () => {
        const odd = (await call(api, 'viewer', 'GET', `/api/reports/problems-over-time?from=${T0}&to=${T0 + 100_000}&buckets=3`)).json();
        assert.equal(odd.bucketMs, 33_334);
        assert.deepEqual(odd.buckets.map((b: { t: number }) => b.t), [T0, T0 + 33_334, T0 + 66_668]);
        const day = (await call(api, 'viewer', 'GET', `/api/reports/problems-over-time?from=${T0}&to=${T0 + 24 * HOUR}`)).json();
        assert.equal(day.buckets.length, 48);
        assert.equal(day.bucketMs, 30 * 60_000);
        assert.deepEqual(day.buckets[0].counts, { ...zero, major: 1 });
        // 00:30–01:00: db-1 back to ok at 00:30 exactly, nothing else yet.
        assert.deepEqual(day.buckets[1].counts, zero);
      });

      it('refuses an empty or too long range and bad bucket counts', async () => {
        const empty = await call(api, 'viewer', 'GET', `/api/reports/problems-over-time?from=${T0}&to=${T0}`);
        assert.equal(empty.statusCode, 400);
        assert.equal(empty.json().code, 'CORE_API_BAD_REQUEST');
        assert.equal(empty.json().details.field, 'from');
        const long = await call(api, 'viewer', 'GET', `/api/reports/problems-over-time?from=${T0 - 401 * 24 * HOUR}&to=${T0}`);
        assert.equal(long.statusCode, 400);
        assert.match(long.json().message, /400 days/);
        for (const buckets of ['0', '501', 'x']) {
          const res = await call(api, 'viewer', 'GET', `/api/reports/problems-over-time?buckets=${buckets}`);
          assert.equal(res.statusCode, 400, buckets);
          assert.equal(res.json().code, 'CORE_VALIDATION');
        }
        assert.equal((await call(api, undefined, 'GET', '/api/reports/problems-over-time')).statusCode, 401);
      });
    });

    describe('GET /api/reports/problems', () => {
      it('lists plugins, unreachable hosts and services in a problem state, worst first, with their marks', async () => {
        const res = await call(api, 'viewer', 'GET', '/api/reports/problems');
        assert.equal(res.statusCode, 200, res.body);
        const { items, total } = res.json();
        assert.equal(total, 5);
        assert.deepEqual(
          items.map((p: { kind: string; hostName: string | null; pluginId: string | null; serviceName: string | null; severity: string }) => [p.kind, p.serviceName ?? p.hostName, p.pluginId, p.severity]),
          [
            // The service depends on db-1, which is critical through its disk.
            ['service', 'shop', null, 'critical'],
            ['plugin', 'db-1', 'io.prophasis.disk-usage', 'critical'],
            // Major: the unreachable host (longest first), then db-1's CPU.
            ['host', 'web-2', null, 'major'],
            ['plugin', 'db-1', 'io.prophasis.cpu-load', 'major'],
            ['plugin', 'web-1', 'io.prophasis.cpu-load', 'minor'],
          ],
        );
        const diskProblem = items[1];
        assert.equal(diskProblem.problem, `h:${host['db-1']}:p:${disk}`);
        assert.equal(diskProblem.pluginName, 'Disk usage');
        assert.equal(diskProblem.acknowledged.by, 'operator');
        assert.equal(diskProblem.maintenance, null);
        assert.equal(diskProblem.flapping, false);
        assert.equal(items[2].problem, `h:${host['web-2']}`);
        assert.equal(typeof items[2].since, 'number');
        assert.equal(items[0].since, T0 + HOUR + 10 * 60_000);
      });

      it('pages with limit and refuses a bad one', async () => {
        const two = (await call(api, 'viewer', 'GET', '/api/reports/problems?limit=2')).json();
        assert.equal(two.items.length, 2);
        assert.equal(two.total, 5);
        const bad = await call(api, 'viewer', 'GET', '/api/reports/problems?limit=0');
        assert.equal(bad.statusCode, 400);
        assert.equal(bad.json().code, 'CORE_VALIDATION');
      });
    });

    describe('GET /api/reports/top-hosts', () => {
      it("lists the hosts by their newest value, highest first, skipping results without a value", async () => {
        const res = await call(api, 'viewer', 'GET', '/api/reports/top-hosts?pluginId=io.prophasis.cpu-load&limit=3');
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(
          res.json().map((h: { hostName: string; value: number; severity: string }) => [h.hostName, h.value, h.severity]),
          [
            ['web-1', 97, 'minor'],
            ['db-1', 60.5, 'major'],
            ['web-2', 40, 'ok'],
          ],
        );
        assert.equal(typeof res.json()[0].measuredAt, 'number');
        assert.equal(res.json()[0].hostId, host['web-1']);
        assert.equal((await call(api, 'viewer', 'GET', '/api/reports/top-hosts?pluginId=io.prophasis.cpu-load')).json().length, 4);
      });

      it('answers nothing for a plugin that is not installed and refuses bad input', async () => {
        assert.deepEqual((await call(api, 'viewer', 'GET', '/api/reports/top-hosts?pluginId=io.prophasis.memory-usage')).json(), []);
        for (const query of ['', '?pluginId=not a plugin', '?pluginId=io.prophasis.cpu-load&limit=101']) {
          const res = await call(api, 'viewer', 'GET', `/api/reports/top-hosts${query}`);
          assert.equal(res.statusCode, 400, query);
          assert.equal(res.json().code, 'CORE_VALIDATION');
        }
      });
    });
    describe('plugin chart hints', () => {
      it('carry the threshold bands of the manifest and leave malformed ones out', async () => {
        const plugin = (await api.db.models.Plugin.create({ pluginId: 'io.example.queue', name: 'Queue' })).id;
        const bands = [
          { from: 100, to: 1000, severity: 'minor' },
          { from: 1000, severity: 'major' },
        ];
        await api.db.models.PluginVersion.create({
          pluginId: plugin,
          version: '1.0.0',
          bundleSha256: 'a'.repeat(64),
          publisher: 'test',
          publisherKeyFingerprint: 'f'.repeat(64),
          requestedCapabilities: [],
          defaultClassifier: 'return "ok"',
          manifest: { chart: { unit: 'jobs', min: 0, bands: [...bands, { from: 'x', severity: 'major' }, 'junk'] } },
          createdAt: T0,
        });
        const res = await call(api, 'viewer', 'GET', `/api/plugins/${plugin}`);
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json().chart, { unit: 'jobs', min: 0, bands });
      });
    });
  });
}
