import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleErrors } from './errors.js';
import { verifyBundle } from './bundle.js';
import { extractVerified } from './extract.js';
import { generatePublisherKeys, trustKeys } from './keys.js';
import { craftBundle, TEST_FILES } from './zip-craft.testing.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prophasis-extract-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function rejectsWith(promise: Promise<unknown>, expected: string): Promise<void> {
  await assert.rejects(promise, (err: Error & { code?: string }) => {
    assert.equal(err.code, expected, err.message);
    return true;
  });
}

describe('bundle: extractVerified', () => {
  it('writes the verified files, nested folders included', async () => {
    const keys = generatePublisherKeys();
    const files = { ...TEST_FILES, 'lib/deep/util.js': Buffer.from('export const x = 1;\n') };
    const bundle = verifyBundle(craftBundle({ key: keys.privateKey, files }), { trustedKeys: trustKeys([keys.publicKey]) });
    const dest = join(dir, 'v1');
    await extractVerified(bundle.files, dest);
    for (const [path, data] of Object.entries(files)) assert.deepEqual(readFileSync(join(dest, path)), data);
    assert.equal(statSync(join(dest, 'plugin.js')).mode & 0o777 & ~process.umask(), 0o644 & ~process.umask());
  });

  it('accepts an existing empty directory, refuses a non-empty one or a symlink to one', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await extractVerified(new Map([['a.js', Buffer.from('a')]]), empty);
    assert.equal(readFileSync(join(empty, 'a.js'), 'utf8'), 'a');

    await rejectsWith(extractVerified(new Map([['b.js', Buffer.from('b')]]), empty), BundleErrors.EXTRACT_TARGET.code);
    assert.ok(existsSync(join(empty, 'a.js')), 'a refused extraction leaves a folder it did not create alone');

    const target = join(dir, 'target');
    mkdirSync(target);
    symlinkSync(target, join(dir, 'link'));
    await rejectsWith(extractVerified(new Map([['c.js', Buffer.from('c')]]), join(dir, 'link')), BundleErrors.EXTRACT_TARGET.code);
    assert.equal(existsSync(join(target, 'c.js')), false);
  });

  it('re-checks every path and removes the folder it created on refusal', async () => {
    const dest = join(dir, 'evil');
    const files = new Map([
      ['a.js', Buffer.from('a')],
      ['../escaped.js', Buffer.from('x')],
    ]);
    await rejectsWith(extractVerified(files, dest), BundleErrors.PATH_TRAVERSAL.code);
    assert.equal(existsSync(join(dir, 'escaped.js')), false);
    assert.equal(existsSync(dest), false);
    await rejectsWith(extractVerified(new Map([['/etc/x', Buffer.from('x')]]), dest), BundleErrors.ABSOLUTE_PATH.code);
  });

  it('refuses a file that is also a folder rather than overwrite', async () => {
    const files = new Map([
      ['lib', Buffer.from('file')],
      ['lib/a.js', Buffer.from('a')],
    ]);
    await rejectsWith(extractVerified(files, join(dir, 'clash')), BundleErrors.EXTRACT_TARGET.code);
    assert.equal(existsSync(join(dir, 'clash')), false);
    // and the process goes on extracting fine
    await extractVerified(new Map([['ok.js', Buffer.from('ok')]]), join(dir, 'ok'));
    assert.ok(lstatSync(join(dir, 'ok', 'ok.js')).isFile());
  });
});
