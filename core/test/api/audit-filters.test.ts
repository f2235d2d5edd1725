import assert from 'node:assert/strict';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

for (const dialect of DIALECTS) {
  describe(`API audit trail filters (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;

    before(async () => {
      api = await createTestApi(dialect, { dbPrefix: 'prophasis_test_audit' });
      const entry = { userId: null, summary: null };
      await api.db.models.AuditLog.bulkCreate([
        { ...entry, at: T0, userName: 'ann', action: 'hosts.create', targetKind: 'host', targetId: '7' },
        { ...entry, at: T0 + 1000, userName: 'ann', action: 'hosts.update', targetKind: 'host', targetId: '7' },
        { ...entry, at: T0 + 2000, userName: 'bob', action: 'hosts.update', targetKind: 'host', targetId: '8' },
        { ...entry, at: T0 + 3000, userName: 'bob', action: 'publishers.remove', targetKind: 'publisher', targetId: 'ab'.repeat(32) },
        { ...entry, at: T0 + 4000, userName: 'ann', action: 'marketplace.rollout', targetKind: 'plugin', targetId: 'io.prophasis.cpu-load' },
      ]);
    });
    after(async () => api?.close());

    const ids = async (query: string) => {
      const res = await call(api, 'admin', 'GET', `/api/audit?${query}`);
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json() as { items: { action: string; targetId: string; time: number }[]; total: number };
      return { total: page.total, ids: page.items.filter((e) => e.time < T0 + 10_000).map((e) => `${e.action}:${e.targetId}`) };
    };

    it('filters by the kind and id of the object changed', async () => {
      assert.deepEqual((await ids('targetKind=host&targetId=7')).ids, ['hosts.update:7', 'hosts.create:7']);
      assert.deepEqual((await ids('targetKind=plugin')).ids, ['marketplace.rollout:io.prophasis.cpu-load']);
      assert.deepEqual((await ids(`targetId=${'ab'.repeat(32)}`)).ids, [`publishers.remove:${'ab'.repeat(32)}`]);
    });

    it('filters by a time range [from, to), combined with the user', async () => {
      const { ids: inRange, total } = await ids(`from=${T0 + 1000}&to=${T0 + 4000}`);
      assert.deepEqual(inRange, [`publishers.remove:${'ab'.repeat(32)}`, 'hosts.update:8', 'hosts.update:7']);
      assert.equal(total, 3);
      assert.deepEqual((await ids(`user=ann&from=${T0 + 1000}&to=${T0 + 5000}`)).ids, ['marketplace.rollout:io.prophasis.cpu-load', 'hosts.update:7']);
      assert.deepEqual((await ids(`to=${T0 + 1}`)).ids, ['hosts.create:7']);
    });

    it('pages with the total of every match', async () => {
      const res = await call(api, 'admin', 'GET', `/api/audit?targetKind=host&limit=2&offset=2&to=${T0 + 10_000}`);
      assert.equal(res.json().total, 3);
      assert.deepEqual(res.json().items.map((e: { targetId: string }) => e.targetId), ['7']);
    });

    it('refuses a backwards range, an unknown filter and a too long id, naming the field', async () => {
      for (const [query, code, field] of [
        [`from=${T0 + 5}&to=${T0}`, 'CORE_API_BAD_REQUEST', 'from'],
        ['object=host', 'CORE_VALIDATION', 'object'],
        [`targetId=${'x'.repeat(65)}`, 'CORE_VALIDATION', 'targetId'],
      ] as const) {
        const res = await call(api, 'admin', 'GET', `/api/audit?${query}`);
        assert.equal(res.statusCode, 400, query);
        assert.equal(res.json().code, code, query);
        assert.equal(res.json().details.field, field, res.body);
      }
    });

    it('is for administrators only', async () => {
      const res = await call(api, 'operator', 'GET', '/api/audit?targetKind=host');
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'CORE_API_FORBIDDEN');
    });
  });
}
