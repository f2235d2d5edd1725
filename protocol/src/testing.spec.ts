import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePublisherKeys, sha256Hex, trustKeys, verifyBundle } from './bundle/index.js';
import { signedTestBundle, tamperBundle, testManifest, writePluginFolder } from './testing.js';

// The core's and the agent's refusal tests lean on these helpers: a tampered bundle must fail
// for the one reason the test names, and an untouched one must still verify.
describe('protocol test support (@prophasis/protocol/testing)', () => {
  const publisher = generatePublisherKeys();
  const trustedKeys = trustKeys([publisher.publicKey]);
  const files = { 'plugin.js': 'export async function measure() { return { value: 1 }; }\n', 'classifier.lua': 'return "ok"\n' };
  const good = signedTestBundle(publisher, testManifest({}, { id: 'io.prophasis.helper-test' }), files);

  it('signedTestBundle packs and signs what it is given', () => {
    const verified = verifyBundle(good, { trustedKeys });
    assert.equal(verified.manifest.id, 'io.prophasis.helper-test');
    assert.equal(verified.keyId, publisher.keyId);
    assert.deepEqual([...verified.files.keys()].sort(), ['classifier.lua', 'plugin.js']);
    assert.equal(verified.files.get('plugin.js')!.toString(), files['plugin.js']);
  });

  it('writePluginFolder writes the manifest and files, sub-folders included', () => {
    const root = mkdtempSync(join(tmpdir(), 'prophasis-folder-spec-'));
    try {
      const dir = writePluginFolder(join(root, 'p'), { id: 'x' }, { 'src/plugin.ts': 'export {};\n' });
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')), { id: 'x' });
      assert.equal(readFileSync(join(dir, 'src', 'plugin.ts'), 'utf8'), 'export {};\n');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('tamperBundle keeps the signature, so only the change it makes is refused', () => {
    const untouched = tamperBundle(good, {});
    assert.notEqual(sha256Hex(untouched), sha256Hex(good), 'rewritten entry by entry');
    assert.equal(verifyBundle(untouched, { trustedKeys }).manifest.id, 'io.prophasis.helper-test');
    const lying = tamperBundle(good, { replace: { 'plugin.js': Buffer.from('export async function measure() { return { value: 666 }; }\n') } });
    assert.throws(() => verifyBundle(lying, { trustedKeys }), (err: Error & { code?: string }) => err.code === 'BUNDLE_HASH_MISMATCH' && err.message.includes('plugin.js'));
    const slip = tamperBundle(good, { extra: [{ name: '../../escaped.js', data: Buffer.from('pwned') }] });
    assert.throws(() => verifyBundle(slip, { trustedKeys }), (err: Error & { code?: string }) => err.code === 'BUNDLE_PATH_TRAVERSAL');
  });
});
