import assert from 'node:assert/strict';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`API: a check's own flap thresholds (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;

    before(async () => {
      api = await createTestApi(dialect, { dbPrefix: 'prophasis_test_api_flap' });
    });
    after(async () => api?.close());

    it('stores both thresholds with the check, reads them back, and null (or left out) means the global settings', async () => {
      const created = await call(api, 'admin', 'POST', '/api/checks', { name: 'cpu', flapLowPercent: 10, flapHighPercent: 45.5 });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().flapLowPercent, 10);
      assert.equal(created.json().flapHighPercent, 45.5);
      const id = created.json().id as number;
      assert.equal((await call(api, 'viewer', 'GET', `/api/checks/${id}`)).json().flapHighPercent, 45.5);
      const cleared = await call(api, 'admin', 'PUT', `/api/checks/${id}`, { name: 'cpu', flapLowPercent: null, flapHighPercent: null });
      assert.equal(cleared.statusCode, 200, cleared.body);
      assert.deepEqual([cleared.json().flapLowPercent, cleared.json().flapHighPercent], [null, null]);
      const plain = await call(api, 'admin', 'POST', '/api/checks', { name: 'disk' });
      assert.deepEqual([plain.json().flapLowPercent, plain.json().flapHighPercent], [null, null]);
    });

    it('refuses thresholds out of range, only one of them, or the high one below the low one: 400 naming the field, nothing stored', async () => {
      const id = (await call(api, 'admin', 'POST', '/api/checks', { name: 'mem', flapLowPercent: 20, flapHighPercent: 30 })).json().id as number;
      const cases: [Record<string, unknown>, string][] = [
        [{ flapLowPercent: -1, flapHighPercent: 30 }, 'flapLowPercent'],
        [{ flapLowPercent: 20, flapHighPercent: 101 }, 'flapHighPercent'],
        [{ flapLowPercent: 20 }, 'flapHighPercent'],
        [{ flapHighPercent: 30 }, 'flapLowPercent'],
        [{ flapLowPercent: 40, flapHighPercent: 30 }, 'flapHighPercent'],
      ];
      for (const [thresholds, field] of cases) {
        for (const [method, url] of [['POST', '/api/checks'], ['PUT', `/api/checks/${id}`]] as const) {
          const res = await call(api, 'admin', method, url, { name: method === 'POST' ? 'refused' : 'mem', ...thresholds });
          assert.equal(res.statusCode, 400, `${method} ${JSON.stringify(thresholds)}: ${res.body}`);
          assert.equal(res.json().details.field, field, `${method} ${JSON.stringify(thresholds)}: ${res.body}`);
          assert.match(res.json().message, new RegExp(field));
        }
      }
      const after = (await call(api, 'viewer', 'GET', `/api/checks/${id}`)).json();
      assert.deepEqual([after.flapLowPercent, after.flapHighPercent], [20, 30]);
      const names = ((await call(api, 'viewer', 'GET', '/api/checks')).json() as { items: { name: string }[] }).items.map((c) => c.name);
      assert.ok(!names.includes('refused'), names.join(', '));
    });
  });
}
