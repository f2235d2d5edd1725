import assert from 'node:assert/strict';
import { querySparklines } from '../../src/reports/sparklines.js';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const NOW = 1_767_225_600_000 + 30 * MIN + 15_000; // 2026-01-01T00:30:15Z

for (const dialect of DIALECTS) {
  describe(`API host sparklines (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    let a: number;
    let b: number;
    let cpu: number;
    let disk: number;

    before(async () => {
      api = await createTestApi(dialect, { dbPrefix: 'prophasis_test_spark' });
      a = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'a' })).json().id;
      b = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'b' })).json().id;
      cpu = (await api.db.models.Plugin.create({ pluginId: 'io.prophasis.cpu-load', name: 'CPU load' })).id;
      disk = (await api.db.models.Plugin.create({ pluginId: 'io.prophasis.disk-usage', name: '' })).id;
      const other = (await api.db.models.Plugin.create({ pluginId: 'com.example.other', name: 'Other' })).id;
      const version = { bundleSha256: 'a'.repeat(64), publisher: 'p', publisherKeyFingerprint: 'b'.repeat(64), requestedCapabilities: [], defaultClassifier: 'return "ok"' };
      await api.db.models.PluginVersion.bulkCreate([
        { ...version, pluginId: disk, version: '1.0.0', manifest: { chart: { unit: 'GB', label: 'Old' } } },
        { ...version, pluginId: disk, version: '1.2.0', bundleSha256: 'c'.repeat(64), manifest: { chart: { unit: '%', min: 0, max: 100, label: 'Disk used' } } },
      ]);
      const to = Math.floor(NOW / MIN) * MIN + MIN; // end of the last minute point
      const rollup = (hostId: number, pluginId: number, bucketStart: number, sum: number, count: number) => ({ hostId, pluginId, bucketStart, valueMin: 0, valueMax: sum, valueSum: sum, valueCount: count });
      await api.db.models.RollupMinute.bulkCreate([
        rollup(a, cpu, to - MIN, 90, 2), // last point: average 45
        rollup(a, cpu, to - 60 * MIN, 10, 1), // first point
        rollup(a, cpu, to - 61 * MIN, 99, 1), // before the range: left out
        rollup(a, disk, to - 2 * MIN, 70, 1),
        rollup(b, other, to - MIN, 5, 1), // not a sparkline plugin
      ]);
      const hourTo = Math.floor(NOW / HOUR) * HOUR + HOUR;
      await api.db.models.RollupHour.bulkCreate([
        rollup(a, cpu, hourTo - HOUR, 60, 3), // 20
        rollup(b, cpu, hourTo - 24 * HOUR, 8, 2), // 4, first point
        // week: two hourly buckets in the same 4-hour point (21:00 and 22:00 UTC the day before) average by their counts: (40 + 10) / (1 + 4) = 10.
        rollup(b, disk, hourTo - 28 * HOUR, 40, 1),
        rollup(b, disk, hourTo - 27 * HOUR, 10, 4),
      ]);
    });
    after(async () => api?.close());

    it('averages minute rollups into 60 points for the last hour, in the order asked, with chart hints', async () => {
      const out = await querySparklines(api.db, [b, a, 999], 'hour', NOW);
      assert.equal(out.stepMs, MIN);
      assert.equal(out.to - out.from, 60 * MIN);
      assert.ok(out.to > NOW && out.to - NOW <= MIN);
      assert.deepEqual(out.plugins, [
        { pluginId: 'io.prophasis.cpu-load', name: 'CPU load', unit: null, min: null, max: null },
        // The newest version's hints (1.2.0), its label where the plugin has no name.
        { pluginId: 'io.prophasis.disk-usage', name: 'Disk used', unit: '%', min: 0, max: 100 },
      ]);
      assert.deepEqual(out.hosts.map((h) => h.hostId), [b, a, 999]);
      assert.deepEqual(out.hosts[0]!.series, [], 'b has values of another plugin only');
      assert.deepEqual(out.hosts[2]!.series, [], 'an unknown host has no series');
      const [cpuSeries, diskSeries] = out.hosts[1]!.series;
      assert.equal(cpuSeries!.pluginId, 'io.prophasis.cpu-load');
      assert.equal(cpuSeries!.values.length, 60);
      assert.equal(cpuSeries!.values[0], 10);
      assert.equal(cpuSeries!.values[59], 45);
      assert.equal(cpuSeries!.values.filter((v) => v !== null).length, 2, 'points without values are null (holes)');
      assert.equal(diskSeries!.values[58], 70);
    });

    it('reads hourly rollups for a day and four-hour points for a week', async () => {
      const day = await querySparklines(api.db, [a, b], 'day', NOW);
      assert.equal(day.stepMs, HOUR);
      assert.equal(day.hosts[0]!.series[0]!.values.length, 24);
      assert.equal(day.hosts[0]!.series[0]!.values[23], 20);
      assert.equal(day.hosts[1]!.series[0]!.values[0], 4);
      const week = await querySparklines(api.db, [b], 'week', NOW);
      assert.equal(week.stepMs, 4 * HOUR);
      const diskWeek = week.hosts[0]!.series.find((s) => s.pluginId === 'io.prophasis.disk-usage')!;
      assert.equal(diskWeek.values.length, 42);
      // Points are aligned to whole 4-hour steps (UTC): 21:00 and 22:00 fall into the 20:00–24:00 point.
      const point = Math.floor((Math.floor(NOW / HOUR) * HOUR + HOUR - 28 * HOUR - week.from) / (4 * HOUR));
      assert.equal(week.from % (4 * HOUR), 0);
      assert.equal(diskWeek.values[point], 10);
    });

    it('answers GET /api/reports/sparklines to a viewer in one request for many hosts', async () => {
      const res = await call(api, 'viewer', 'GET', `/api/reports/sparklines?hostIds=${a},${b}&range=hour`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(body.hosts.map((h: { hostId: number }) => h.hostId), [a, b]);
      assert.equal(body.stepMs, MIN);
      const byDefault = await call(api, 'viewer', 'GET', `/api/reports/sparklines?hostIds=${a}`);
      assert.equal(byDefault.json().stepMs, HOUR, 'the default range is a day');
    });

    it('refuses a missing or malformed host list, too many hosts and an unknown range, naming the field', async () => {
      const refusals: [string, string, string][] = [
        ['/api/reports/sparklines', 'CORE_VALIDATION', 'hostIds'],
        ['/api/reports/sparklines?hostIds=1,x', 'CORE_VALIDATION', 'hostIds'],
        ['/api/reports/sparklines?hostIds=1&range=year', 'CORE_VALIDATION', 'range'],
        [`/api/reports/sparklines?hostIds=${Array.from({ length: 201 }, (_, i) => i + 1).join(',')}`, 'CORE_API_BAD_REQUEST', 'hostIds'],
        ['/api/reports/sparklines?hostIds=0', 'CORE_API_BAD_REQUEST', 'hostIds'],
      ];
      for (const [url, code, field] of refusals) {
        const res = await call(api, 'viewer', 'GET', url);
        assert.equal(res.statusCode, 400, url);
        assert.equal(res.json().code, code, url);
        assert.equal(res.json().details.field, field, `${url}: ${res.body}`);
      }
    });

    it('is refused without a session', async () => {
      const res = await api.app.inject({ method: 'GET', url: `/api/reports/sparklines?hostIds=${a}` });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'CORE_API_UNAUTHENTICATED');
    });
  });
}
