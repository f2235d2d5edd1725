import assert from 'node:assert/strict';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from '../api/helpers.js';

for (const dialect of DIALECTS) {
  describe(`API host dependencies (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    const id: Record<string, number> = {};

    before(async () => {
      api = await createTestApi(dialect, { dbPrefix: 'prophasis_test_api_dep' });
      for (const name of ['router-1', 'switch-1', 'web-1', 'db-1']) {
        const res = await call(api, 'admin', 'POST', '/api/hosts', { name });
        assert.equal(res.statusCode, 201, res.body);
        id[name] = res.json().id;
      }
    });
    after(async () => api?.close());

    const parents = (host: string, parentIds: unknown, role: 'admin' | 'operator' | 'viewer' = 'admin') => call(api, role, 'PUT', `/api/hosts/${id[host]}/parents`, { parentIds });

    it('an administrator sets parents; the chain reads back (ancestors nearest first, children); the change is audited', async () => {
      assert.equal((await parents('switch-1', [id['router-1']])).statusCode, 200);
      const web = await parents('web-1', [id['switch-1']]);
      assert.equal(web.statusCode, 200, web.body);
      assert.deepEqual(web.json(), {
        parents: [{ hostId: id['switch-1'], name: 'switch-1', down: false }],
        ancestors: [
          { hostId: id['switch-1'], name: 'switch-1', down: false },
          { hostId: id['router-1'], name: 'router-1', down: false },
        ],
        children: [],
        causedBy: null,
      });
      assert.equal((await parents('db-1', [id['switch-1']])).statusCode, 200);
      const sw = await call(api, 'viewer', 'GET', `/api/hosts/${id['switch-1']}/dependencies`);
      assert.equal(sw.statusCode, 200);
      assert.deepEqual(sw.json().children.map((c: { name: string }) => c.name), ['web-1', 'db-1']);
      const audit = (await call(api, 'admin', 'GET', '/api/audit?action=hosts')).json() as { items: { action: string; targetId: string | null }[] };
      assert.ok(audit.items.some((e) => e.action === 'hosts.parents' && e.targetId === String(id['web-1'])), JSON.stringify(audit.items.slice(0, 5)));
    });

    it('the router down (its agent unreachable): the chain says so, the hosts behind it are caused by it', async () => {
      await api.db.sequelize.query('UPDATE hosts SET unreachable_since = ? WHERE id = ?', { replacements: [Date.now(), id['router-1']] });
      try {
        const web = (await call(api, 'viewer', 'GET', `/api/hosts/${id['web-1']}/dependencies`)).json();
        assert.deepEqual(web.causedBy, { hostId: id['router-1'], name: 'router-1' });
        assert.equal(web.ancestors[1].down, true);
        // The host list marks the host's own problem as caused by the router.
        const health = (await call(api, 'viewer', 'GET', '/api/reports/hosts')).json() as { items?: { id: number; causedBy: unknown }[] } | { id: number; causedBy: unknown }[];
        const rows = Array.isArray(health) ? health : (health.items ?? []);
        const row = rows.find((h) => h.id === id['web-1']);
        assert.deepEqual(row?.causedBy, { hostId: id['router-1'], name: 'router-1' }, JSON.stringify(rows));
        assert.equal(rows.find((h) => h.id === id['router-1'])?.causedBy ?? null, null);
      } finally {
        await api.db.sequelize.query('UPDATE hosts SET unreachable_since = NULL WHERE id = ?', { replacements: [id['router-1']] });
      }
    });

    it('refuses self-parenting, a cycle (naming the chain), an unknown id and a malformed list with 400s naming parentIds, and keeps the parents', async () => {
      const self = await parents('web-1', [id['web-1']]);
      assert.equal(self.statusCode, 400, self.body);
      assert.equal(self.json().details.field, 'parentIds');
      const cycle = await parents('router-1', [id['web-1']]);
      assert.equal(cycle.statusCode, 400, cycle.body);
      assert.equal(cycle.json().details.field, 'parentIds');
      assert.match(cycle.json().message, /cycle \(router-1 → web-1 → switch-1 → router-1\)/);
      const unknown = await parents('web-1', [99_999]);
      assert.equal(unknown.statusCode, 400, unknown.body);
      assert.equal(unknown.json().details.field, 'parentIds');
      assert.match(unknown.json().message, /99999/);
      const twice = await parents('web-1', [id['switch-1'], id['switch-1']]);
      assert.equal(twice.statusCode, 400, twice.body);
      assert.match(twice.body, /parentIds/);
      const notIds = await parents('web-1', ['router']);
      assert.equal(notIds.statusCode, 400, notIds.body);
      assert.match(notIds.body, /parentIds/);
      const web = (await call(api, 'viewer', 'GET', `/api/hosts/${id['web-1']}/dependencies`)).json();
      assert.deepEqual(web.parents.map((p: { name: string }) => p.name), ['switch-1'], 'nothing changed');
      const router = (await call(api, 'viewer', 'GET', `/api/hosts/${id['router-1']}/dependencies`)).json();
      assert.deepEqual(router.parents, []);
    });

    it('only administrators set parents; an unknown host is 404; a deleted parent leaves no edge', async () => {
      assert.equal((await parents('web-1', [], 'operator')).statusCode, 403);
      assert.equal((await call(api, 'admin', 'PUT', '/api/hosts/99999/parents', { parentIds: [] })).statusCode, 404);
      assert.equal((await call(api, 'viewer', 'GET', '/api/hosts/99999/dependencies')).statusCode, 404);
      const tmp = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'tmp-switch' })).json().id as number;
      assert.equal((await parents('db-1', [id['switch-1'], tmp])).statusCode, 200);
      assert.equal((await call(api, 'admin', 'DELETE', `/api/hosts/${tmp}`)).statusCode, 204);
      const db = (await call(api, 'viewer', 'GET', `/api/hosts/${id['db-1']}/dependencies`)).json();
      assert.deepEqual(db.parents.map((p: { name: string }) => p.name), ['switch-1']);
      // Emptying the list removes the parents.
      assert.deepEqual((await parents('db-1', [])).json().parents, []);
    });
  });
}
