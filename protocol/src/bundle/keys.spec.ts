import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleErrors } from './errors.js';
import {
  generatePublisherKeys,
  loadPrivateKey,
  loadPublicKey,
  parsePublicKey,
  publicKeyFingerprint,
  trustKeys,
  writePublisherKeys,
} from './keys.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prophasis-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('bundle: publisher keys', () => {
  it('fingerprints the raw 32-byte public key', () => {
    const keys = generatePublisherKeys();
    // The SPKI DER of an Ed25519 key is a fixed 12-byte prefix followed by the raw key.
    const raw = keys.publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    assert.equal(raw.length, 32);
    assert.equal(keys.keyId, createHash('sha256').update(raw).digest('hex'));
    assert.equal(publicKeyFingerprint(keys.privateKey), keys.keyId);
  });

  it('writes publisher.key owner-only and publisher.pub, and reads them back', () => {
    const keys = generatePublisherKeys();
    const { privateKeyPath, publicKeyPath } = writePublisherKeys(dir, keys);
    assert.equal(statSync(privateKeyPath).mode & 0o777, 0o600);
    assert.match(readFileSync(privateKeyPath, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    assert.match(readFileSync(publicKeyPath, 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
    assert.equal(publicKeyFingerprint(loadPrivateKey(privateKeyPath)), keys.keyId);
    assert.equal(publicKeyFingerprint(loadPublicKey(publicKeyPath)), keys.keyId);
  });

  it('never overwrites a key, nor writes through a symlink', () => {
    writePublisherKeys(dir, generatePublisherKeys());
    const before = readFileSync(join(dir, 'publisher.key'));
    assert.equal(code(() => writePublisherKeys(dir, generatePublisherKeys())), BundleErrors.KEY_EXISTS.code);
    assert.deepEqual(readFileSync(join(dir, 'publisher.key')), before);
    const other = mkdtempSync(join(tmpdir(), 'prophasis-keys-'));
    try {
      symlinkSync(join(other, 'target'), join(other, 'publisher.key'));
      assert.equal(code(() => writePublisherKeys(other, generatePublisherKeys())), BundleErrors.KEY_EXISTS.code);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses a private key file that others may read', () => {
    const { privateKeyPath } = writePublisherKeys(dir, generatePublisherKeys());
    chmodSync(privateKeyPath, 0o644);
    assert.equal(code(() => loadPrivateKey(privateKeyPath)), BundleErrors.KEY_PERMISSIONS.code);
  });

  it('refuses keys that are not Ed25519, garbage and missing files', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.equal(code(() => parsePublicKey(publicKey.export({ format: 'pem', type: 'spki' }))), BundleErrors.BAD_KEY.code);
    writeFileSync(join(dir, 'ec.key'), privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    assert.equal(code(() => loadPrivateKey(join(dir, 'ec.key'))), BundleErrors.BAD_KEY.code);
    assert.equal(code(() => parsePublicKey('not a key')), BundleErrors.BAD_KEY.code);
    assert.equal(code(() => loadPublicKey(join(dir, 'absent.pub'))), BundleErrors.BAD_KEY.code);
  });

  it('looks trusted keys up by fingerprint', () => {
    const a = generatePublisherKeys();
    const b = generatePublisherKeys();
    const trusted = trustKeys([a.publicKey]);
    assert.equal(publicKeyFingerprint(trusted(a.keyId)!), a.keyId);
    assert.equal(trusted(b.keyId), undefined);
  });
});
