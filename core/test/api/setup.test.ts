import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCoreConfig } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';
import { DIALECTS } from '../db/helpers.js';
import { createTestApi, sessionCookie, type TestApi } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`first-run setup (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    before(async () => {
      api = await createTestApi(dialect, { withUsers: false });
    });
    after(async () => api?.close());

    it('creates the first administrator with the one-time link, exactly once', async () => {
      assert.deepEqual((await api.app.inject({ method: 'GET', url: '/api/setup' })).json(), { required: true });
      const issued = await api.auth.issueSetupToken();
      assert.ok(issued);
      const body = { token: issued.token, name: 'root', password: 'the first admin password' };
      const forged = await api.app.inject({ method: 'POST', url: '/api/setup', payload: { ...body, token: 'forged' } });
      assert.equal(forged.statusCode, 403);
      assert.equal(forged.json().code, 'CORE_API_SETUP_TOKEN_INVALID');
      const weak = await api.app.inject({ method: 'POST', url: '/api/setup', payload: { ...body, password: 'short' } });
      assert.equal(weak.json().code, 'CORE_API_WEAK_PASSWORD', 'a weak password does not burn the link');
      const ok = await api.app.inject({ method: 'POST', url: '/api/setup', payload: body });
      assert.equal(ok.statusCode, 201, ok.body);
      assert.equal(ok.json().role, 'admin');
      const me = await api.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: sessionCookie(ok) } });
      assert.equal(me.json().name, 'root');
      const again = await api.app.inject({ method: 'POST', url: '/api/setup', payload: { ...body, name: 'root2' } });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'CORE_API_SETUP_DONE');
      assert.equal(await api.auth.issueSetupToken(), undefined, 'no new link once a user exists');
      assert.deepEqual((await api.app.inject({ method: 'GET', url: '/api/setup' })).json(), { required: false });
      assert.equal(await api.db.models.User.count(), 1);
      const audit = await api.db.models.AuditLog.findAll();
      assert.deepEqual(audit.map((a) => [a.action, a.userName]), [['users.setup', 'root']]);
    });
  });
}

describe('startCore', function () {
  this.timeout(60_000);
  let dir: string;
  let core: Core | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'prophasis-core-'));
  });
  after(async () => {
    await core?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts on port 0 with a fresh SQLite data dir, answers /api/health over HTTP, offers a setup link', async () => {
    const config = readCoreConfig({ PROPHASIS_DATA_DIR: dir }, { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' });
    core = await startCore(config, silentLogger());
    assert.ok(core.httpPort > 0);
    const res = await fetch(`http://127.0.0.1:${core.httpPort}/api/health`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
    const link = core.setupLink();
    assert.match(link ?? '', new RegExp(`^http://localhost:${core.httpPort}/setup\\?token=[A-Za-z0-9_-]{43}$`));
    const token = new URL(link!).searchParams.get('token');
    const created = await fetch(`http://127.0.0.1:${core.httpPort}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, name: 'owner', password: 'a sturdy first password' }),
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(created.status, 201);
    assert.equal(core.setupLink(), undefined);
    await core.stop();
    core = undefined;
  });

  it('refuses to start with a clear error when the database cannot be used', async () => {
    const config = readCoreConfig({ PROPHASIS_DATA_DIR: dir }, { httpPort: 0, httpHost: '127.0.0.1', databaseUrl: 'mysql://nope', logLevel: 'silent' });
    await assert.rejects(startCore(config, silentLogger()), { code: 'CORE_DB_UNSUPPORTED_URL' });
  });
});
