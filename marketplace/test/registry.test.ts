// The registry server through its HTTP API (fastify inject on the real app, SQLite always and
// PostgreSQL when PROPHASIS_TEST_POSTGRES_URL is set): publish, browse, download, yank, keys,
// and every publishing refusal with its reason, each followed by proof the server still works.
import { generatePublisherKeys, sha256Hex, type PublisherKeyPair } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { randomBytes, sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { Sequelize } from 'sequelize';
import { keyAdditionMessage } from '../src/schemas.js';
import { bundle, pem } from './support/bundles.js';
import { DIALECTS, openTestMarket, type TestMarket } from './support/market.js';

for (const dialect of DIALECTS) {
  describe(`marketplace registry API (${dialect})`, function () {
    this.timeout(60_000);
    let t: TestMarket;
    let market: TestMarket['market'];
    let databaseUrl = '';
    let acme: PublisherKeyPair;
    let other: PublisherKeyPair;
    let acmeToken: string;
    let otherToken: string;

    before(async () => {
      t = await openTestMarket(dialect);
      ({ market, databaseUrl } = t);
      acme = generatePublisherKeys();
      other = generatePublisherKeys();
      acmeToken = (await market.registry.addPublisher('Acme', pem(acme))).token;
      otherToken = (await market.registry.addPublisher('Other Corp', pem(other))).token;
    });
    after(() => t?.close());

    const publish = (zip: Buffer, token = acmeToken, contentType = 'application/zip') =>
      market.app.inject({ method: 'POST', url: '/api/v1/plugins', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, payload: zip });
    const get = (url: string) => market.app.inject({ method: 'GET', url });
    const yank = (id: string, version: string, token = acmeToken) =>
      market.app.inject({ method: 'POST', url: `/api/v1/plugins/${id}/versions/${version}/yank`, headers: { authorization: `Bearer ${token}` } });

    /** After a refusal the registry still answers and still accepts a good bundle. */
    async function stillHealthy(): Promise<void> {
      assert.equal((await get('/api/v1/plugins')).statusCode, 200);
      const probe = bundle(acme, { id: `com.example.health${randomBytes(3).toString('hex')}` });
      assert.equal((await publish(probe)).statusCode, 201);
    }

    function refused(res: { statusCode: number; json(): { code: string; message: string } }, status: number, code: string, mentions?: string): void {
      assert.equal(res.statusCode, status, JSON.stringify(res.json()));
      assert.equal(res.json().code, code, res.json().message);
      if (mentions) assert.ok(res.json().message.includes(mentions), `"${res.json().message}" should mention "${mentions}"`);
    }

    it('publishes a bundle, stores it by hash, and shows it in the index with README, capabilities, publisher key and downloads', async () => {
      const zip = bundle(acme, { version: '1.0.0', tags: ['storage', 'raid'], platforms: ['linux'], changelog: 'First release' });
      const res = await publish(zip);
      assert.equal(res.statusCode, 201, res.body);
      const published = res.json();
      assert.equal(published.created, true);
      assert.equal(published.sha256, sha256Hex(zip));
      assert.equal(published.keyId, acme.keyId);
      assert.deepEqual(published.capabilities, ['fs.read:/proc/mdstat']);
      assert.deepEqual(readFileSync(join(t.dataDir, 'bundles', `${published.sha256}.zip`)), zip);

      // The same bundle again is a harmless no-op.
      const again = await publish(zip);
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().created, false);

      const search = async (query: string) => (await get(`/api/v1/plugins${query}`)).json().items.map((p: { id: string }) => p.id);
      assert.deepEqual(await search('?q=software%20raid'), ['com.example.raid']);
      assert.deepEqual(await search('?q=RAID&tag=storage&platform=linux'), ['com.example.raid']);
      assert.deepEqual(await search('?tag=network'), []);
      assert.deepEqual(await search('?platform=windows'), []);
      assert.deepEqual(await search('?q=nothing-like-this'), []);
      const summary = (await get('/api/v1/plugins?q=raid')).json().items[0];
      assert.equal(summary.publisher, 'Acme');
      assert.equal(summary.latestVersion, '1.0.0');

      const page = (await get('/api/v1/plugins/com.example.raid')).json();
      assert.match(page.readme, /^# RAID health/);
      assert.equal(page.publisher.name, 'Acme');
      assert.deepEqual(page.publisher.keys.map((k: { keyId: string }) => k.keyId), [acme.keyId]);
      assert.equal(page.versions[0].changelog, 'First release');
      assert.deepEqual(page.versions[0].capabilities, ['fs.read:/proc/mdstat']);
      assert.equal(page.downloads, 0);

      const byVersion = await get('/api/v1/plugins/com.example.raid/versions/1.0.0/bundle');
      assert.equal(byVersion.statusCode, 200);
      assert.equal(byVersion.headers['content-type'], 'application/zip');
      assert.deepEqual(byVersion.rawPayload, zip);
      const byHash = await get(`/api/v1/bundles/${published.sha256}`);
      assert.deepEqual(byHash.rawPayload, zip);
      const after = (await get('/api/v1/plugins/com.example.raid')).json();
      assert.equal(after.downloads, 2);
      assert.equal(after.versions[0].downloads, 2);

      refused(await get(`/api/v1/bundles/${'0'.repeat(64)}`), 404, 'MKT_NOT_FOUND');
      refused(await get('/api/v1/bundles/..%2F..%2Fetc%2Fpasswd'), 400, 'MKT_INVALID_REQUEST');
      refused(await get('/api/v1/plugins/com.example.none'), 404, 'MKT_NOT_FOUND');
    });

    it('refuses publishing without a valid token, before reading the bundle', async () => {
      const zip = bundle(acme, { id: 'com.example.token' });
      refused(await market.app.inject({ method: 'POST', url: '/api/v1/plugins', headers: { 'content-type': 'application/zip' }, payload: zip }), 401, 'MKT_UNAUTHENTICATED');
      refused(await publish(zip, `${acmeToken.slice(0, -2)}xx`), 401, 'MKT_UNAUTHENTICATED');
      refused(await publish(zip, 'pmk_999_' + 'a'.repeat(43)), 401, 'MKT_UNAUTHENTICATED');
      refused(await publish(zip, acmeToken, 'application/json'), 415, 'MKT_UNSUPPORTED_MEDIA_TYPE');
      assert.equal((await get('/api/v1/plugins/com.example.token')).statusCode, 404, 'nothing was stored');
      await stillHealthy();
    });

    it('refuses a bundle with a bad signature, naming the reason', async () => {
      // Signed by a key that is not registered to this account (another publisher's key).
      refused(await publish(bundle(other, { id: 'com.example.sig' })), 403, 'MKT_KEY_NOT_REGISTERED', other.keyId);
      // A signature that does not match the manifest: re-sign, then change one manifest byte.
      const good = new AdmZip(bundle(acme, { id: 'com.example.sig' }));
      const manifest = good.getEntry('manifest.json')!;
      good.updateFile(manifest, Buffer.from(manifest.getData().toString().replace('RAID health', 'RAID hea1th')));
      refused(await publish(good.toBuffer()), 400, 'BUNDLE_BAD_SIGNATURE');
      // No signature at all.
      const unsigned = new AdmZip(bundle(acme, { id: 'com.example.sig' }));
      unsigned.deleteFile('manifest.sig');
      refused(await publish(unsigned.toBuffer()), 400, 'BUNDLE_MISSING_SIGNATURE');
      assert.equal((await get('/api/v1/plugins/com.example.sig')).statusCode, 404);
      await stillHealthy();
    });

    it('refuses a malformed bundle: not a zip, a file that does not match its hash', async () => {
      refused(await publish(Buffer.from('this is not a zip file')), 400, 'BUNDLE_NOT_A_ZIP');
      const zip = new AdmZip(bundle(acme, { id: 'com.example.malformed' }));
      zip.updateFile(zip.getEntry('plugin.js')!, Buffer.from('export default async function run() { return { value: 666 }; }\n'));
      refused(await publish(zip.toBuffer()), 400, 'BUNDLE_HASH_MISMATCH', 'plugin.js');
      refused(await publish(Buffer.alloc(0)), 400, 'BUNDLE_NOT_A_ZIP');
      await stillHealthy();
    });

    it('never overwrites a published version, and accepts only versions greater than every published one', async () => {
      assert.equal((await publish(bundle(acme, { id: 'com.example.versions', version: '2.0.0' }))).statusCode, 201);
      const reused = bundle(acme, { id: 'com.example.versions', version: '2.0.0', code: 'export default async function run() { return { value: 2 }; }\n' });
      refused(await publish(reused), 409, 'MKT_VERSION_EXISTS', '2.0.0');
      refused(await publish(bundle(acme, { id: 'com.example.versions', version: '1.9.9' })), 409, 'MKT_VERSION_NOT_GREATER', '2.0.0');
      refused(await publish(bundle(acme, { id: 'com.example.versions', version: '2.0.0-rc.1' })), 409, 'MKT_VERSION_NOT_GREATER');
      const page = (await get('/api/v1/plugins/com.example.versions')).json();
      assert.deepEqual(page.versions.map((v: { version: string }) => v.version), ['2.0.0']);
      assert.equal((await publish(bundle(acme, { id: 'com.example.versions', version: '2.0.1' }))).statusCode, 201);
      await stillHealthy();
    });

    it("refuses another publisher's plugin id, even signed correctly by that other publisher", async () => {
      const res = await publish(bundle(other, { id: 'com.example.raid', version: '9.0.0' }), otherToken);
      refused(res, 403, 'MKT_PLUGIN_OWNED', 'com.example.raid');
      refused(await yank('com.example.raid', '1.0.0', otherToken), 403, 'MKT_NOT_OWNER');
      assert.equal((await get('/api/v1/plugins/com.example.raid')).json().latestVersion, '1.0.0');
      await stillHealthy();
    });

    it('yanks a version: no longer offered nor latest, still downloadable by hash, its number never reused', async () => {
      const v1 = bundle(acme, { id: 'com.example.yank', version: '1.0.0' });
      const v2 = bundle(acme, { id: 'com.example.yank', version: '1.1.0' });
      assert.equal((await publish(v1)).statusCode, 201);
      assert.equal((await publish(v2)).statusCode, 201);
      const res = await yank('com.example.yank', '1.1.0');
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().yanked, true);
      const summary = (await get('/api/v1/plugins?q=com.example.yank')).json().items[0];
      assert.equal(summary.latestVersion, '1.0.0');
      const page = (await get('/api/v1/plugins/com.example.yank')).json();
      assert.equal(page.latestVersion, '1.0.0');
      assert.deepEqual(page.versions.map((v: { version: string; yanked: boolean }) => [v.version, v.yanked]), [['1.1.0', true], ['1.0.0', false]]);
      refused(await get('/api/v1/plugins/com.example.yank/versions/1.1.0/bundle'), 410, 'MKT_VERSION_YANKED');
      assert.deepEqual((await get(`/api/v1/bundles/${sha256Hex(v2)}`)).rawPayload, v2);
      refused(await publish(bundle(acme, { id: 'com.example.yank', version: '1.1.0', code: '// again\n' })), 409, 'MKT_VERSION_EXISTS');

      // Yanking every version takes the plugin out of the listing.
      assert.equal((await yank('com.example.yank', '1.0.0')).statusCode, 200);
      assert.deepEqual((await get('/api/v1/plugins?q=com.example.yank')).json().items, []);
      assert.equal((await get('/api/v1/plugins/com.example.yank')).json().latestVersion, null);
      refused(await yank('com.example.yank', '7.0.0'), 404, 'MKT_NOT_FOUND');
    });

    it('adds a key only when signed by an existing one, then accepts bundles signed by it; revokes all but the last', async () => {
      const fresh = generatePublisherKeys();
      const addKey = (body: unknown) =>
        market.app.inject({ method: 'POST', url: '/api/v1/publishers/me/keys', headers: { authorization: `Bearer ${acmeToken}` }, payload: body as object });
      const signature = (signer: PublisherKeyPair, publisher = 'Acme') => sign(null, keyAdditionMessage(publisher, fresh.keyId), signer.privateKey).toString('base64');

      refused(await addKey({ publicKeyPem: pem(fresh), signedBy: acme.keyId, signature: signature(other) }), 400, 'MKT_BAD_KEY_SIGNATURE');
      refused(await addKey({ publicKeyPem: pem(fresh), signedBy: acme.keyId, signature: signature(acme, 'Other Corp') }), 400, 'MKT_BAD_KEY_SIGNATURE');
      refused(await addKey({ publicKeyPem: pem(fresh), signedBy: other.keyId, signature: signature(other) }), 400, 'MKT_BAD_KEY_SIGNATURE', 'not one of your active keys');
      refused(await addKey({ publicKeyPem: 'not a key', signedBy: acme.keyId, signature: signature(acme) }), 400, 'BUNDLE_BAD_KEY');
      refused(await publish(bundle(fresh, { id: 'com.example.rotated' })), 403, 'MKT_KEY_NOT_REGISTERED');

      const added = await addKey({ publicKeyPem: pem(fresh), signedBy: acme.keyId, signature: signature(acme) });
      assert.equal(added.statusCode, 201, added.body);
      assert.equal(added.json().keyId, fresh.keyId);
      refused(await addKey({ publicKeyPem: pem(fresh), signedBy: acme.keyId, signature: signature(acme) }), 409, 'MKT_KEY_EXISTS');
      assert.equal((await publish(bundle(fresh, { id: 'com.example.rotated' }))).statusCode, 201);

      const revoke = (keyId: string) => market.app.inject({ method: 'DELETE', url: `/api/v1/publishers/me/keys/${keyId}`, headers: { authorization: `Bearer ${acmeToken}` } });
      assert.equal((await revoke(acme.keyId)).statusCode, 200);
      refused(await publish(bundle(acme, { id: 'com.example.rotated', version: '1.0.1' })), 403, 'MKT_KEY_NOT_REGISTERED');
      refused(await revoke(fresh.keyId), 409, 'MKT_LAST_KEY');
      const page = (await get('/api/v1/plugins/com.example.rotated')).json();
      assert.deepEqual(page.publisher.keys.map((k: { keyId: string; revokedAt: number | null }) => [k.keyId, k.revokedAt === null]), [[acme.keyId, false], [fresh.keyId, true]]);
      assert.equal((await publish(bundle(fresh, { id: 'com.example.rotated', version: '1.0.1' }))).statusCode, 201);
    });

    it('keeps tokens only hashed, and documents the API with OpenAPI', async () => {
      const rows = await market.registry.publisherInfo(await market.registry.authenticate(`Bearer ${acmeToken}`));
      assert.equal(rows.name, 'Acme');
      const reader = databaseUrl ? new Sequelize(databaseUrl, { logging: false }) : new Sequelize({ dialect: 'sqlite', storage: join(t.dataDir, 'marketplace.sqlite'), logging: false });
      try {
        const [hashes] = (await reader.query("SELECT token_hash FROM publishers WHERE name = 'Acme'")) as [{ token_hash: string }[], unknown];
        assert.match(hashes[0]!.token_hash, /^hmac-sha256\$[a-f0-9]{32}\$[a-f0-9]{64}$/);
        // The secret is everything after `pmk_<publisherId>_`; base64url may itself contain `_`.
        const secret = acmeToken.split('_').slice(2).join('_');
        assert.equal(secret.length, 43);
        assert.ok(!hashes[0]!.token_hash.includes(secret), 'the token secret is not stored');
      } finally {
        await reader.close();
      }
      const doc = await get('/api/docs/json');
      assert.equal(doc.statusCode, 200);
      assert.ok(doc.json().paths['/api/v1/plugins/{id}/versions/{version}/yank']);
      assert.ok(existsSync(join(t.dataDir, 'bundles')));
    });
  });
}
