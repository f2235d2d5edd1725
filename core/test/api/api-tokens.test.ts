import assert from 'node:assert/strict';
import { createTestApi, type TestApi } from './helpers.js';

/** Issue #20, "API tokens": scripts use the API with a bearer token; every change is audited under the token's name. */
for (const dialect of ['sqlite', 'postgres'] as const) {
  if (dialect === 'postgres' && !process.env.PROPHASIS_TEST_POSTGRES_URL) continue;
  describe(`API tokens (${dialect})`, function () {
    this.timeout(30_000);
    let api: TestApi;
    beforeEach(async () => {
      api = await createTestApi(dialect, { dbPrefix: 'prophasis_test_api_tokens' });
    });
    afterEach(async () => api.close());

    const create = (role: 'viewer' | 'operator' | 'admin', body: unknown) =>
      api.app.inject({ method: 'POST', url: '/api/tokens', headers: { cookie: api.cookies[role] }, payload: body as object });
    const withToken = (token: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
      api.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });

    it('a token is shown once, stored as a hash, and lets a script use the API with its role; its changes are audited under its name', async () => {
      const res = await create('admin', { name: 'ci-deploy', expiresInDays: 30 });
      assert.equal(res.statusCode, 201, res.body);
      const created = res.json();
      assert.match(created.token, /^pht_[A-Za-z0-9_-]{43}$/);
      assert.equal(created.role, 'admin');
      assert.equal(created.userName, 'admin');
      assert.ok(Math.abs(created.expiresAt - Date.now() - 30 * 86_400_000) < 60_000);
      const [stored] = await api.db.sequelize.query<{ token_hash: string }>('SELECT token_hash FROM api_tokens', { type: 'SELECT' as never });
      assert.match(stored!.token_hash, /^[0-9a-f]{64}$/);
      assert.ok(!JSON.stringify(stored).includes(created.token.slice(4)), 'only the hash is stored');
      const listed = await api.app.inject({ method: 'GET', url: '/api/tokens', headers: { cookie: api.cookies.admin } });
      assert.equal(listed.json()[0].name, 'ci-deploy');
      assert.equal(listed.json()[0].token, undefined, 'the list never shows the token');

      // A script: no cookie, the token only.
      const host = await withToken(created.token, 'POST', '/api/hosts', { name: 'made-by-ci' });
      assert.equal(host.statusCode, 201, host.body);
      const trail = await api.app.inject({ method: 'GET', url: '/api/audit?limit=50', headers: { cookie: api.cookies.admin } });
      const entry = (trail.json().items as { userName: string; action: string; summary: unknown }[]).find((e) => e.action.includes('hosts') && JSON.stringify(e.summary).includes('made-by-ci'));
      assert.equal(entry?.userName, 'admin (token ci-deploy)');
      assert.ok(!JSON.stringify(trail.json()).includes(created.token), 'the trail never holds a token');
      const tokenTrail = (trail.json().items as { action: string }[]).find((e) => e.action === 'tokens.create');
      assert.ok(tokenTrail, 'the creation is audited');
      // lastUsedAt is recorded.
      const after = await api.app.inject({ method: 'GET', url: '/api/tokens', headers: { cookie: api.cookies.admin } });
      assert.ok(after.json()[0].lastUsedAt > 0);
    });

    it('a token never has more rights than its creator, and not more than its owner has now', async () => {
      const refused = await create('operator', { name: 'sneaky', role: 'admin', expiresInDays: 1 });
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().details.field, 'role');
      assert.match(refused.json().message, /more rights than its creator/);
      const viewerToken = (await create('operator', { name: 'read-only', role: 'viewer', expiresInDays: 1 })).json().token as string;
      assert.equal((await withToken(viewerToken, 'GET', '/api/hosts')).statusCode, 200);
      assert.equal((await withToken(viewerToken, 'POST', '/api/hosts', { name: 'nope' })).statusCode, 403, 'a viewer token cannot change');
      // The owner demoted to viewer: an operator token acts as a viewer from now on.
      const opToken = (await create('operator', { name: 'ops', expiresInDays: 1 })).json().token as string;
      await api.db.models.User.update({ role: 'viewer' }, { where: { name: 'operator' } });
      const ack = await withToken(opToken, 'POST', '/api/hosts', { name: 'nope-2' });
      assert.equal(ack.statusCode, 403);
      // Bad input: 400 naming the field, nothing stored.
      const bad = await create('admin', { name: 'x', expiresInDays: 9999 });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().details.field, 'expiresInDays');
    });

    it('an unknown, expired or revoked token is refused with 401; users see and revoke only their own', async () => {
      const mine = (await create('viewer', { name: 'laptop', expiresInDays: 1 })).json();
      const theirs = (await create('admin', { name: 'server', expiresInDays: 1 })).json();
      const own = await api.app.inject({ method: 'GET', url: '/api/tokens', headers: { cookie: api.cookies.viewer } });
      assert.deepEqual(own.json().map((t: { name: string }) => t.name), ['laptop']);
      assert.equal((await api.app.inject({ method: 'DELETE', url: `/api/tokens/${theirs.id}`, headers: { cookie: api.cookies.viewer } })).statusCode, 404, 'not another user\'s token');
      const revoked = await api.app.inject({ method: 'DELETE', url: `/api/tokens/${mine.id}`, headers: { cookie: api.cookies.viewer } });
      assert.equal(revoked.statusCode, 200);
      assert.ok(revoked.json().revokedAt > 0);
      for (const token of [mine.token, 'pht_unknown', 'not-even-a-token']) {
        const res = await withToken(token, 'GET', '/api/hosts');
        assert.equal(res.statusCode, 401, token);
        assert.match(res.json().message, /unknown, expired or revoked/);
      }
      await api.db.sequelize.query('UPDATE api_tokens SET expires_at = 1 WHERE id = :id', { replacements: { id: theirs.id } });
      assert.equal((await withToken(theirs.token, 'GET', '/api/hosts')).statusCode, 401, 'expired');
      // The process is healthy: a good token still works.
      const fresh = (await create('admin', { name: 'fresh', expiresInDays: 1 })).json().token as string;
      assert.equal((await withToken(fresh, 'GET', '/api/hosts')).statusCode, 200);
    });

    it('the OpenAPI document describes both schemes', async () => {
      const doc = (await api.app.inject({ method: 'GET', url: '/api/docs/json' })).json();
      assert.deepEqual(doc.components.securitySchemes.token, { type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.token.description });
      assert.deepEqual(doc.security, [{ session: [] }, { token: [] }]);
    });
  });
}
