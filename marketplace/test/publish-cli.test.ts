// The authors' `prophasis-plugin publish` and `yank` against a real registry: the marketplace
// runs as its own process (`prophasis-marketplace start`, port 0 on 127.0.0.1), the publisher
// account comes from `prophasis-marketplace publisher add`, as an operator would do it.
import { generatePublisherKeys, RegistryPluginPage, sha256Hex, writePublisherKeys } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { bundle } from './support/bundles.js';

const MARKET_BIN = fileURLToPath(new URL('../bin/prophasis-marketplace.mjs', import.meta.url));
const PLUGIN_BIN = fileURLToPath(new URL('../bin/prophasis-plugin.mjs', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

describe('prophasis-plugin publish / yank against a running marketplace', function () {
  this.timeout(60_000);
  let dir: string;
  let child: ChildProcess;
  let url: string;
  let token: string;
  const env = () => ({ PROPHASIS_DATA_DIR: join(dir, 'market'), PROPHASIS_MARKETPLACE_PORT: '0', PROPHASIS_MARKETPLACE_HOST: '127.0.0.1', PROPHASIS_LOG_LEVEL: 'warn', DATABASE_URL: '' });
  const keys = generatePublisherKeys();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prophasis-mk-cli-'));
    writePublisherKeys(dir, keys);
    const added = await run(MARKET_BIN, ['publisher', 'add', 'Acme', '--key', join(dir, 'publisher.pub')], env());
    assert.equal(added.code, 0, added.stderr);
    token = /^token: (\S+)$/m.exec(added.stdout)![1]!;
    const again = await run(MARKET_BIN, ['publisher', 'add', 'Acme', '--key', join(dir, 'publisher.pub')], env());
    assert.equal(again.code, 1);
    assert.match(again.stderr, /\(MKT_PUBLISHER_EXISTS\)/);

    child = spawn(process.execPath, [MARKET_BIN, 'start'], { env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'inherit'] });
    url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`no URL within 20 s: ${seen}`)), 20_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const m = /listening at (http:\/\/\S+)/.exec(seen);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`marketplace exited with ${code}: ${seen}`)));
    });
  });

  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a bundle and yanks a version, printing what happened', async () => {
    const v1 = join(dir, 'raid-1.0.0.zip');
    const v2 = join(dir, 'raid-1.1.0.zip');
    writeFileSync(v1, bundle(keys, { version: '1.0.0' }));
    writeFileSync(v2, bundle(keys, { version: '1.1.0' }));
    const first = await run(PLUGIN_BIN, ['publish', v1, '--registry', url, '--token', token]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /published com\.example\.raid 1\.0\.0/);
    assert.ok(first.stdout.includes(keys.keyId));
    assert.equal((await run(PLUGIN_BIN, ['publish', v2, '--registry', url, '--token', token])).code, 0);

    const page = (await (await fetch(`${url}/api/v1/plugins/com.example.raid`)).json()) as { latestVersion: string };
    assert.equal(page.latestVersion, '1.1.0');

    const yanked = await run(PLUGIN_BIN, ['yank', 'com.example.raid', '1.1.0', '--registry', url, '--token', token]);
    assert.equal(yanked.code, 0, yanked.stderr);
    assert.match(yanked.stdout, /yanked com\.example\.raid 1\.1\.0/);
    const after = (await (await fetch(`${url}/api/v1/plugins/com.example.raid`)).json()) as { latestVersion: string };
    assert.equal(after.latestVersion, '1.0.0');
  });

  it("prints the registry's code and message and exits 1 when it refuses", async () => {
    const reused = join(dir, 'raid-1.0.0-other.zip');
    writeFileSync(reused, bundle(keys, { version: '1.0.0', code: '// other bytes\n' }));
    const refused = await run(PLUGIN_BIN, ['publish', reused, '--registry', url, '--token', token]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: registry refused \(HTTP 409\): .*1\.0\.0.* \(MKT_VERSION_EXISTS\)$/m);

    const lower = join(dir, 'raid-0.9.0.zip');
    writeFileSync(lower, bundle(keys, { version: '0.9.0' }));
    const low = await run(PLUGIN_BIN, ['publish', lower, '--registry', url, '--token', token]);
    assert.equal(low.code, 1);
    assert.match(low.stderr, /\(MKT_VERSION_NOT_GREATER\)/);

    const badToken = await run(PLUGIN_BIN, ['yank', 'com.example.raid', '1.0.0', '--registry', url, '--token', 'pmk_1_' + 'x'.repeat(43)]);
    assert.equal(badToken.code, 1);
    assert.match(badToken.stderr, /\(MKT_UNAUTHENTICATED\)/);

    const missing = await run(PLUGIN_BIN, ['yank', 'com.example.raid', '9.9.9', '--registry', url, '--token', token]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /\(MKT_NOT_FOUND\)/);

    // A listing the core could not read: the field, its limit (from the protocol) and its size.
    const limit = RegistryPluginPage.properties.readme.maxLength!;
    const big = join(dir, 'big-readme.zip');
    writeFileSync(big, bundle(keys, { id: 'com.example.bigreadme', readme: 'x'.repeat(limit + 1) }));
    const tooLarge = await run(PLUGIN_BIN, ['publish', big, '--registry', url, '--token', token]);
    assert.equal(tooLarge.code, 1);
    assert.equal(tooLarge.stdout, '');
    assert.match(tooLarge.stderr, new RegExp(`^error: registry refused \\(HTTP 413\\): .*com\\.example\\.bigreadme 1\\.0\\.0: readme has ${limit + 1} characters, the limit is ${limit} \\(MKT_LISTING_TOO_LARGE\\)$`, 'm'));
    assert.equal((await fetch(`${url}/api/v1/plugins/com.example.bigreadme`)).status, 404);

    const usage = await run(PLUGIN_BIN, ['publish', lower, '--registry', url]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /needs --token/);

    // Still healthy: the version the refusals were about is untouched, the registry still answers.
    const bytes = Buffer.from(await (await fetch(`${url}/api/v1/plugins/com.example.raid/versions/1.0.0/bundle`)).arrayBuffer());
    assert.equal(sha256Hex(bytes), sha256Hex(bundle(keys, { version: '1.0.0' })));
  });

  it('says so when the registry cannot be reached', async () => {
    const res = await run(PLUGIN_BIN, ['yank', 'com.example.raid', '1.0.0', '--registry', 'http://127.0.0.1:1', '--token', token]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /cannot reach http:\/\/127\.0\.0\.1:1.*\(MKT_UNREACHABLE\)/);
  });
});
