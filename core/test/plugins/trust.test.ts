import { generatePublisherKeys, silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileTrustStore, loadOrCreateSiteKey, PUBLISHERS_FILE, trustDirectory } from '../../src/plugins/index.js';

const pem = (k: ReturnType<typeof generatePublisherKeys>) => k.publicKey.export({ format: 'pem', type: 'spki' }).toString();

describe('site key and trusted publishers', () => {
  let dataDir: string;
  const logger = silentLogger();
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'prophasis-trust-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('generates the site key once (0600, folder 0700) and loads the same key afterwards', () => {
    const first = loadOrCreateSiteKey(dataDir, { logger });
    assert.equal(first.created, true);
    assert.equal(statSync(first.path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'trust')).mode & 0o777, 0o700);
    assert.match(readFileSync(join(dataDir, 'trust', 'site-publisher.pub'), 'utf8'), /BEGIN PUBLIC KEY/);
    const second = loadOrCreateSiteKey(dataDir, { logger });
    assert.equal(second.created, false);
    assert.equal(second.keyId, first.keyId);
  });

  it('refuses a site key file that others can read', () => {
    const { path } = loadOrCreateSiteKey(dataDir, { logger });
    chmodSync(path, 0o644);
    assert.throws(() => loadOrCreateSiteKey(dataDir, { logger }), { code: 'BUNDLE_KEY_PERMISSIONS' });
  });

  it('trusts the site key implicitly and persists added keys across restarts', async () => {
    const site = loadOrCreateSiteKey(dataDir, { logger });
    const dir = trustDirectory(dataDir);
    const store = createFileTrustStore({ dir, siteKey: site.privateKey }, { logger });
    assert.equal(store.isTrusted(site.keyId), true);
    assert.equal(store.trustedKeys(site.keyId)?.type, 'public', 'never hands out the private key');
    const other = generatePublisherKeys();
    assert.equal(store.trustedKeys(other.keyId), undefined);
    const added = await store.add({ name: '  ACME  ', publicKeyPem: pem(other) }, 'admin');
    assert.equal(added.name, 'ACME');
    assert.equal(store.isTrusted(other.keyId), true);
    await assert.rejects(store.add({ name: '', publicKeyPem: pem(generatePublisherKeys()) }, 'admin'), { code: 'CORE_PLUGIN_BAD_PUBLISHER_NAME' });

    const reopened = createFileTrustStore({ dir, siteKey: site.publicKey }, { logger });
    assert.deepEqual(reopened.list().map((p) => [p.keyId, p.site]), [[site.keyId, true], [other.keyId, false]]);
    assert.equal(statSync(join(dir, PUBLISHERS_FILE)).mode & 0o777, 0o600);
    await reopened.remove(other.keyId);
    assert.equal(createFileTrustStore({ dir, siteKey: site.publicKey }, { logger }).isTrusted(other.keyId), false);
  });

  it('serialises concurrent additions so none is lost', async () => {
    const site = loadOrCreateSiteKey(dataDir, { logger });
    const dir = trustDirectory(dataDir);
    const store = createFileTrustStore({ dir, siteKey: site.privateKey }, { logger });
    const keys = Array.from({ length: 8 }, () => generatePublisherKeys());
    await Promise.all(keys.map((k, i) => store.add({ name: `p${i}`, publicKeyPem: pem(k) }, 'admin')));
    const reopened = createFileTrustStore({ dir, siteKey: site.privateKey }, { logger });
    assert.equal(reopened.list().length, 9);
  });

  it('drops an entry whose key does not match its fingerprint, and refuses a corrupt file', () => {
    const site = loadOrCreateSiteKey(dataDir, { logger });
    const dir = trustDirectory(dataDir);
    const a = generatePublisherKeys();
    const b = generatePublisherKeys();
    writeFileSync(join(dir, PUBLISHERS_FILE), JSON.stringify({ version: 1, publishers: [{ keyId: a.keyId, name: 'lies', publicKeyPem: pem(b), addedBy: 'x', addedAt: 1 }] }));
    const store = createFileTrustStore({ dir, siteKey: site.privateKey }, { logger });
    assert.equal(store.isTrusted(a.keyId), false);
    assert.equal(store.isTrusted(b.keyId), false);
    writeFileSync(join(dir, PUBLISHERS_FILE), '{ not json');
    assert.throws(() => createFileTrustStore({ dir, siteKey: site.privateKey }, { logger }), { code: 'CORE_PLUGIN_TRUST_STORE' });
  });
});
