import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyPassword } from '../../src/auth/password.js';
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
