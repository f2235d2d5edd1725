import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyPassword } from '../../src/auth/password.js';
import { createApiTokens } from '../../src/auth/api-tokens.js';
import { createDatabase } from '../../src/db/index.js';

const BIN = fileURLToPath(new URL('../../bin/prophasis.mjs', import.meta.url));

function run(args: string[], input: string, dataDir: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PROPHASIS_DATA_DIR: dataDir, DATABASE_URL: '' }, stdio: 'pipe' });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    child.stdin.end(input);
  });
}

describe('prophasis user add', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'prophasis-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a weak password and an unknown role, then creates the user from stdin', async () => {
    const weak = await run(['user', 'add', 'alice', '--role', 'admin'], 'short\n', dir);
    assert.equal(weak.code, 1);
    assert.match(weak.err, /at least 12 characters/);
    const role = await run(['user', 'add', 'alice', '--role', 'root'], 'a good long password\n', dir);
    assert.equal(role.code, 2);
    assert.match(role.err, /Unknown role/);
    const ok = await run(['user', 'add', 'alice', '--role', 'operator'], 'a good long password\n', dir);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /User alice \(operator\) created/);
    const twice = await run(['user', 'add', 'alice', '--role', 'operator'], 'a good long password\n', dir);
    assert.equal(twice.code, 1);
    const db = await createDatabase({ url: '', sqlitePath: join(dir, 'prophasis.sqlite') }, { logger: silentLogger() });
    try {
      const users = await db.models.User.findAll();
      assert.equal(users.length, 1);
      assert.equal(users[0]!.role, 'operator');
      assert.equal(await verifyPassword('a good long password', users[0]!.passwordHash), true);
    } finally {
      await db.close();
    }
  });
});

describe('prophasis token', function () {
  this.timeout(90_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'prophasis-cli-token-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a token for a user, lists and revokes it; refuses an unknown user and a role above theirs', async () => {
    assert.equal((await run(['user', 'add', 'deployer', '--role', 'operator'], 'a good long password\n', dir)).code, 0);
    const unknown = await run(['token', 'create', 'ci', '--user', 'nobody'], '', dir);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /No user named "nobody"/);
    const tooHigh = await run(['token', 'create', 'ci', '--user', 'deployer', '--role', 'admin'], '', dir);
    assert.equal(tooHigh.code, 1);
    assert.match(tooHigh.err, /more rights than its creator/);
    const badDays = await run(['token', 'create', 'ci', '--user', 'deployer', '--days', '1000'], '', dir);
    assert.equal(badDays.code, 2);
    assert.match(badDays.err, /expiresInDays/);
    const made = await run(['token', 'create', 'ci', '--user', 'deployer', '--days', '7'], '', dir);
    assert.equal(made.code, 0, made.err);
    const token = /\n {2}(pht_\S+)\n/.exec(made.out)?.[1];
    assert.ok(token, made.out);
    const db = await createDatabase({ url: '', sqlitePath: join(dir, 'prophasis.sqlite') }, { logger: silentLogger() });
    try {
      const tokens = createApiTokens({ sequelize: db.sequelize });
      assert.deepEqual(await tokens.authenticate(token), { id: 1, name: 'deployer (token ci)', role: 'operator' });
      const list = await run(['token', 'list'], '', dir);
      assert.match(list.out, /^1\tci\tdeployer\toperator\texpires /m);
      const revoked = await run(['token', 'revoke', '1'], '', dir);
      assert.equal(revoked.code, 0, revoked.err);
      assert.equal(await tokens.authenticate(token), undefined, 'revoked');
    } finally {
      await db.close();
    }
  });
});
