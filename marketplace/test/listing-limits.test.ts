// The registry refuses to create a listing the core would refuse to read: real HTTP on
// 127.0.0.1, SQLite always and PostgreSQL when PROPHASIS_TEST_POSTGRES_URL is set. Each refusal
// stores nothing (no row, no bundle file) and is followed by proof the registry still works; the
// limits come from the protocol's read shapes, and every answer is checked against them as the
// core checks it.
import { generatePublisherKeys, RegistryPluginPage, RegistrySearchResponse, sha256Hex, type PublisherKeyPair } from '@prophasis/protocol';
import { craftBundle, TEST_FILES, testManifest } from '@prophasis/protocol/testing';
import { Value } from '@sinclair/typebox/value';
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { keyAdditionMessage } from '../src/schemas.js';
import { bundle, pem } from './support/bundles.js';
import { DIALECTS, openTestMarket, type TestMarket } from './support/market.js';

const README_LIMIT = RegistryPluginPage.properties.readme.maxLength!;
const KEYS_LIMIT = RegistryPluginPage.properties.publisher.properties.keys.maxItems!;

for (const dialect of DIALECTS) {
  describe(`marketplace listing limits over HTTP (${dialect})`, function () {
    this.timeout(120_000);
    let t: TestMarket;
    let url: string;
    let acme: PublisherKeyPair;
    let acmeToken: string;

    before(async () => {
      t = await openTestMarket(dialect);
      url = (await t.market.start()).url;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      acme = generatePublisherKeys();
      acmeToken = (await t.market.registry.addPublisher('Acme', pem(acme))).token;
    });
    after(() => t?.close());

    const publish = (zip: Buffer, token = acmeToken) =>
      fetch(`${url}/api/v1/plugins`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' }, body: zip });
    const get = async (path: string) => {
      const res = await fetch(`${url}${path}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    /** The search answer, checked as the core checks it. */
    const search = async (q: string): Promise<string[]> => {
      const { status, body } = await get(`/api/v1/plugins?q=${encodeURIComponent(q)}`);
      assert.equal(status, 200);
      assert.ok(Value.Check(RegistrySearchResponse, body), 'the core accepts the search answer');
      return (body as RegistrySearchResponse).items.map((p) => p.id);
    };
    /** The plugin page, checked as the core checks it. */
    const page = async (id: string): Promise<RegistryPluginPage> => {
      const { status, body } = await get(`/api/v1/plugins/${id}`);
      assert.equal(status, 200, JSON.stringify(body));
      assert.ok(Value.Check(RegistryPluginPage, body), 'the core accepts the plugin page');
      return body as RegistryPluginPage;
    };
    async function refused(res: Response, status: number, code: string, mentions: string[]): Promise<void> {
      const body = (await res.json()) as { code: string; message: string };
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(body.code, code, body.message);
      for (const m of mentions) assert.ok(body.message.includes(m), `"${body.message.slice(0, 300)}" should mention "${m}"`);
    }
    /** Nothing of `id version` was stored: not listed, no page or no such version, no bundle file. */
    async function nothingStored(id: string, version: string, zip: Buffer, listedBefore: boolean): Promise<void> {
      assert.equal((await search(id)).includes(id), listedBefore);
      if (listedBefore) assert.ok(!(await page(id)).versions.some((v) => v.version === version));
      else assert.equal((await get(`/api/v1/plugins/${id}`)).status, 404);
      assert.equal((await get(`/api/v1/plugins/${id}/versions/${version}/bundle`)).status, 404);
      assert.equal((await get(`/api/v1/bundles/${sha256Hex(zip)}`)).status, 404);
      assert.equal(existsSync(join(t.dataDir, 'bundles', `${sha256Hex(zip)}.zip`)), false, 'no bundle file');
    }

    it('refuses a README over the limit with the field, the limit and its size, stores nothing, and publishes a good bundle right after', async () => {
      const big = bundle(acme, { id: 'com.example.bigreadme', readme: 'x'.repeat(README_LIMIT + 1) });
      await refused(await publish(big), 413, 'MKT_LISTING_TOO_LARGE', ['com.example.bigreadme 1.0.0', `readme has ${README_LIMIT + 1} characters, the limit is ${README_LIMIT}`]);
      await nothingStored('com.example.bigreadme', '1.0.0', big, false);

      // The refused version number was never used: the same id and version publish fine once within the limit.
      const exact = 'y'.repeat(README_LIMIT);
      assert.equal((await publish(bundle(acme, { id: 'com.example.bigreadme', readme: exact }))).status, 201);
      assert.deepEqual(await search('com.example.bigreadme'), ['com.example.bigreadme']);
      assert.equal((await page('com.example.bigreadme')).readme.length, README_LIMIT);
    });

    it('refuses a new version whose README is over the limit and keeps serving the previous one', async () => {
      assert.equal((await publish(bundle(acme, { id: 'com.example.grows', version: '1.0.0' }))).status, 201);
      const big = bundle(acme, { id: 'com.example.grows', version: '1.1.0', readme: '\u00e9'.repeat(README_LIMIT + 10) });
      await refused(await publish(big), 413, 'MKT_LISTING_TOO_LARGE', [`readme has ${README_LIMIT + 10} characters`]);
      await nothingStored('com.example.grows', '1.1.0', big, true);
      const kept = await page('com.example.grows');
      assert.equal(kept.latestVersion, '1.0.0');
      assert.match(kept.readme, /^# RAID health\n\nVersion 1\.0\.0\./);
      assert.equal((await publish(bundle(acme, { id: 'com.example.grows', version: '1.1.0' }))).status, 201);
      assert.equal((await page('com.example.grows')).latestVersion, '1.1.0');
    });

    it('refuses more tags than a listing may have (the manifest schema already bounds them), storing nothing', async () => {
      const tags = Array.from({ length: RegistryPluginPage.properties.tags.maxItems! + 1 }, (_, i) => `tag${i}`);
      const zip = craftBundle({ key: acme.privateKey, manifest: testManifest(TEST_FILES, { id: 'com.example.tags', tags }) });
      await refused(await publish(zip), 400, 'BUNDLE_INVALID_MANIFEST', ['/tags']);
      await nothingStored('com.example.tags', '1.0.0', zip, false);
      assert.equal((await publish(bundle(acme, { id: 'com.example.tags', tags: ['storage'] }))).status, 201);
      assert.deepEqual(await search('com.example.tags'), ['com.example.tags']);
    });

    it('refuses a key past the number of keys a plugin page lists (revoked ones count), and keeps publishing', async () => {
      const first = generatePublisherKeys();
      const token = (await t.market.registry.addPublisher('Many Keys', pem(first))).token;
      assert.equal((await publish(bundle(first, { id: 'com.example.keys' }), token)).status, 201);
      const addKey = (key: PublisherKeyPair) =>
        fetch(`${url}/api/v1/publishers/me/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ publicKeyPem: pem(key), signedBy: first.keyId, signature: sign(null, keyAdditionMessage('Many Keys', key.keyId), first.privateKey).toString('base64') }),
        });
      for (let i = 1; i < KEYS_LIMIT; i++) {
        const res = await addKey(generatePublisherKeys());
        assert.equal(res.status, 201, await res.text());
      }
      const extra = generatePublisherKeys();
      await refused(await addKey(extra), 413, 'MKT_LISTING_TOO_LARGE', [`key ${extra.keyId}`, `keys has ${KEYS_LIMIT + 1} items, the limit is ${KEYS_LIMIT}`]);

      const me = await fetch(`${url}/api/v1/publishers/me`, { headers: { authorization: `Bearer ${token}` } });
      const keys = ((await me.json()) as { keys: { keyId: string }[] }).keys;
      assert.equal(keys.length, KEYS_LIMIT);
      assert.ok(!keys.some((k) => k.keyId === extra.keyId), 'the refused key was not stored');
      assert.equal((await page('com.example.keys')).publisher.keys.length, KEYS_LIMIT);
      assert.equal((await publish(bundle(first, { id: 'com.example.keys', version: '1.0.1' }), token)).status, 201);
      await refused(await publish(bundle(extra, { id: 'com.example.keys', version: '1.0.2' }), token), 403, 'MKT_KEY_NOT_REGISTERED', [extra.keyId]);
    });
  });
}
