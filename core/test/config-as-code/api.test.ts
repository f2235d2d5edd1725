import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type ConfigApplyResult } from '@prophasis/protocol';
import { createApiTokens } from '../../src/auth/api-tokens.js';
import { hashPassword } from '../../src/auth/password.js';
import { readCoreConfig } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';

const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

/** A core of its own (SQLite in a temporary data directory) with an administrator and a viewer, each with an API token. */
async function coreWithTokens(): Promise<{ core: Core; dir: string; admin: string; viewer: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'prophasis-cac-'));
  const config = readCoreConfig(
    { PROPHASIS_DATA_DIR: dir, PROPHASIS_PKI_HOSTNAMES: 'localhost', PROPHASIS_PKI_IPS: '127.0.0.1' },
    { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' },
  );
  const core = await startCore(config, silentLogger());
  const tokens = createApiTokens({ sequelize: core.db.sequelize });
  const passwordHash = await hashPassword('correct horse battery staple');
  const token = async (role: 'admin' | 'viewer') => {
    const user = await core.db.models.User.create({ name: `${role}-user`, role, passwordHash });
    return (await tokens.create({ id: user.id, name: user.name, role }, { name: 'ci', expiresInDays: 1 })).token;
  };
  return { core, dir, admin: await token('admin'), viewer: await token('viewer') };
}

/** Issue #20, "Done when": a script with a token exports the configuration of one core and applies it to another. */
describe('configuration as code over the API with an API token (issue #20)', function () {
  this.timeout(120_000);
  let a: Awaited<ReturnType<typeof coreWithTokens>>;
  let b: Awaited<ReturnType<typeof coreWithTokens>>;
  before(async () => {
    a = await coreWithTokens();
    b = await coreWithTokens();
  });
  after(async () => {
    for (const c of [a, b]) {
      await c?.core.stop();
      if (c) rmSync(c.dir, { recursive: true, force: true });
    }
  });

  const call = (c: { core: Core }, token: string, method: 'GET' | 'POST', path: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${c.core.httpPort}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  it('exports from one core and applies to another (dry run first), audited, and the second export is the same file', async () => {
    // Core A gets some configuration through its ordinary API, with the token.
    const group = await json<{ id: number }>(await call(a, a.admin, 'POST', '/api/groups', { name: 'web', hostIds: [], groupIds: [] }));
    const host = await json<{ id: number }>(await call(a, a.admin, 'POST', '/api/hosts', { name: 'web1', tags: ['prod'] }));
    assert.equal((await call(a, a.admin, 'POST', '/api/checks', { name: 'load', hostIds: [host.id], groupIds: [group.id], plugins: [{ pluginId: 'io.prophasis.cpu-load' }] })).status, 201);

    const exported = await call(a, a.admin, 'GET', '/api/config/export');
    assert.equal(exported.status, 200);
    assert.match(exported.headers.get('content-type') ?? '', /^text\/yaml/);
    const yaml = await exported.text();
    assert.match(yaml, /^version: 1\n/);
    assert.match(yaml, /plugin: io\.prophasis\.cpu-load/);

    const quiet: string[] = [];
    const stopListening = b.core.events.on('config.changed', (e) => quiet.push(e.resource));
    const dry = await call(b, b.admin, 'POST', '/api/config/apply?dryRun=true', { yaml });
    stopListening();
    assert.deepEqual(quiet, [], 'a dry run tells nobody');
    assert.equal(dry.status, 200, await dry.clone().text());
    const planned = await json<ConfigApplyResult>(dry);
    assert.equal(planned.dryRun, true);
    assert.ok(planned.changes.some((c) => c.action === 'create' && c.kind === 'checks' && c.name === 'load'));
    assert.equal((await json<{ total: number }>(await call(b, b.admin, 'GET', '/api/hosts'))).total, 0, 'a dry run writes nothing');

    // The running core hears of what the apply changed (plans, alert rules, service health follow).
    const changed: string[] = [];
    const unsubscribe = b.core.events.on('config.changed', (e) => changed.push(e.resource));
    const applied = await json<ConfigApplyResult>(await call(b, b.admin, 'POST', '/api/config/apply', { yaml }));
    unsubscribe();
    assert.equal(applied.changed, true);
    assert.deepEqual(changed.sort(), ['checks', 'groups', 'hosts']);
    assert.equal(await (await call(b, b.admin, 'GET', '/api/config/export')).text(), yaml);
    const again = await json<ConfigApplyResult>(await call(b, b.admin, 'POST', '/api/config/apply', { yaml }));
    assert.equal(again.changed, false);

    const trail = await json<{ items: { action: string; userName: string; summary: { created: number } }[] }>(await call(b, b.admin, 'GET', '/api/audit?limit=50'));
    // Newest first: the apply that changed nothing, the one that created, the dry run.
    const [noop, first] = trail.items.filter((e) => e.action === 'config.apply');
    assert.equal(first?.userName, 'admin-user (token ci)');
    assert.equal(first!.summary.created, 3, 'the group, the host and the check');
    assert.equal(noop!.summary.created, 0);
    assert.ok(trail.items.some((e) => e.action === 'config.dry-run'));
  });

  it('refuses a viewer token, a file with an error (naming its place) and a body that is not JSON', async () => {
    assert.equal((await call(b, b.viewer, 'GET', '/api/config/export')).status, 403);
    assert.equal((await call(b, b.viewer, 'POST', '/api/config/apply', { yaml: 'version: 1\n' })).status, 403);
    const bad = await call(b, b.admin, 'POST', '/api/config/apply', { yaml: 'version: 1\nchecks:\n  - name: c\n    plugins: [{ plugin: com.nowhere.x }]\n' });
    assert.equal(bad.status, 400);
    const body = await json<{ code: string; details: { path: string } }>(bad);
    assert.equal(body.code, 'CORE_CONFIG_INVALID');
    assert.equal(body.details.path, 'checks[0].plugins[0].plugin');
    const raw = await fetch(`http://127.0.0.1:${b.core.httpPort}/api/config/apply`, { method: 'POST', headers: { authorization: `Bearer ${b.admin}`, 'content-type': 'text/yaml' }, body: 'version: 1\n' });
    assert.equal(raw.status, 415);
  });
});
