import { verifyBundle, trustKeys, type PublisherKeyPair } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { call } from '../api/helpers.js';
import { DIALECTS } from '../db/helpers.js';
import { createFixture, handcraftedBundle, newPublisher, signedBundle, upload, type Fixture } from './helpers.js';

/** The system-log rows the repository wrote with the given error code. */
async function refusalsLogged(f: Fixture, code: string): Promise<number> {
  const rows = await f.db.models.SystemLog.findAll({ where: { component: 'plugins' } });
  return rows.filter((r) => (r.context as { code?: string } | null)?.code === code).length;
}

async function trustPublisher(f: Fixture, key: PublisherKeyPair, name = 'Example Ltd'): Promise<void> {
  const res = await call(f, 'admin', 'POST', '/api/publishers', { name, publicKeyPem: key.publicKey.export({ format: 'pem', type: 'spki' }).toString() });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().keyId, key.keyId);
}

for (const dialect of DIALECTS) {
  describe(`plugin repository through the API (${dialect})`, function () {
    this.timeout(60_000);
    let f: Fixture;
    let publisher: PublisherKeyPair;
    before(async () => {
      f = await createFixture(dialect);
      publisher = newPublisher();
      await trustPublisher(f, publisher);
    });
    after(async () => f?.close());

    it('uploads a bundle, shows what it asks for, and makes it usable only once an administrator approved exactly that', async () => {
      const zip = signedBundle(publisher, { id: 'com.example.load', capabilities: ['os.info', 'fs.read:/proc/loadavg'] });
      const res = await upload(f, zip);
      assert.equal(res.statusCode, 201, res.body);
      const up = res.json();
      assert.equal(up.pluginId, 'com.example.load');
      assert.equal(up.version, '1.0.0');
      assert.equal(up.created, true);
      assert.equal(up.publisherKeyId, publisher.keyId);
      assert.equal(up.sha256, verifyBundle(zip, { trustedKeys: trustKeys([publisher.publicKey]) }).sha256);
      assert.deepEqual(up.requestedCapabilities, ['fs.read:/proc/loadavg', 'os.info']);
      assert.deepEqual(up.addedCapabilities, ['fs.read:/proc/loadavg', 'os.info'], 'a first version: everything is new');
      assert.equal(up.approval, 'pending');
      assert.equal(up.approvedCapabilities, null);
      assert.equal(up.usable, false);
      assert.equal(up.historyCount, 3);
      assert.equal(await f.repository.isUsable('com.example.load', '1.0.0'), false);

      // What was stored: the manifest, the default classifier and the bundle bytes themselves.
      const row = await f.db.models.PluginVersion.findOne({ where: { bundleSha256: up.sha256 } });
      assert.match(row!.defaultClassifier, /return "ok"/);
      assert.equal(row!.publisherKeyFingerprint, publisher.keyId);
      assert.deepEqual(await f.repository.getBundle(up.sha256), zip);
      assert.equal(await f.repository.getBundle('0'.repeat(64)), undefined);

      // Viewers and operators can neither upload nor approve.
      assert.equal((await upload(f, zip, 'operator')).statusCode, 403);
      const approveUrl = `/api/plugins/com.example.load/versions/1.0.0/approve`;
      assert.equal((await call(f, 'operator', 'POST', approveUrl, { capabilities: up.requestedCapabilities })).statusCode, 403);

      // Partial approval (or approving something not asked for) is refused and changes nothing.
      const partial = await call(f, 'admin', 'POST', approveUrl, { capabilities: ['os.info'] });
      assert.equal(partial.statusCode, 400);
      assert.equal(partial.json().code, 'CORE_PLUGIN_APPROVAL_MISMATCH');
      assert.deepEqual(partial.json().details.missing, ['fs.read:/proc/loadavg']);
      const extra = await call(f, 'admin', 'POST', approveUrl, { capabilities: [...up.requestedCapabilities, 'exec:/bin/sh'] });
      assert.deepEqual(extra.json().details.unexpected, ['exec:/bin/sh']);
      assert.equal(await f.repository.isUsable('com.example.load', '1.0.0'), false);

      const ok = await call(f, 'admin', 'POST', approveUrl, { capabilities: ['os.info', 'fs.read:/proc/loadavg'] });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().approval, 'approved');
      assert.equal(ok.json().approvedBy, 'admin');
      assert.equal(ok.json().usable, true);
      assert.equal(await f.repository.isUsable('com.example.load', '1.0.0'), true);

      // The same bundle again is a no-op; the listing (by reverse-DNS id or row id) shows one version.
      const again = await upload(f, zip);
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().created, false);
      const list = await call(f, 'viewer', 'GET', `/api/plugins/${up.id}/versions`);
      assert.equal(list.statusCode, 200);
      assert.deepEqual(list.json().items.map((v: { version: string }) => v.version), ['1.0.0']);

      // Both changes are in the audit trail.
      const audit = await f.db.models.AuditLog.findAll({ where: { targetId: 'com.example.load' } });
      assert.deepEqual(audit.map((a) => a.action).sort(), ['plugins.approve', 'plugins.upload', 'plugins.upload']);
    });

    it('lets an upgrade asking for the same or fewer capabilities inherit the approval', async () => {
      const res = await upload(f, signedBundle(publisher, { id: 'com.example.load', version: '1.1.0', capabilities: ['os.info'] }));
      assert.equal(res.statusCode, 201, res.body);
      const v = res.json();
      assert.equal(v.approval, 'inherited');
      assert.equal(v.approvedBy, 'inherited:1.0.0');
      assert.equal(v.previousApprovedVersion, '1.0.0');
      assert.deepEqual(v.addedCapabilities, []);
      assert.deepEqual(v.approvedCapabilities, ['os.info'], 'only what it asks for, not what 1.0.0 had');
      assert.equal(v.usable, true);
      assert.equal(await f.repository.isUsable('com.example.load', '1.1.0'), true);
    });

    it('holds back an upgrade asking for a new capability until it is approved, listing the added ones', async () => {
      const res = await upload(f, signedBundle(publisher, { id: 'com.example.load', version: '2.0.0', capabilities: ['os.info', 'exec:/usr/bin/uptime'] }));
      assert.equal(res.statusCode, 201, res.body);
      const v = res.json();
      assert.equal(v.approval, 'pending');
      assert.equal(v.usable, false);
      assert.equal(v.previousApprovedVersion, '1.1.0');
      assert.deepEqual(v.addedCapabilities, ['exec:/usr/bin/uptime']);
      assert.equal(await f.repository.isUsable('com.example.load', '2.0.0'), false);
      assert.equal((await f.repository.newestUsable('com.example.load'))?.version, '1.1.0', 'plans keep the previous version');

      const list = (await call(f, 'viewer', 'GET', '/api/plugins/com.example.load/versions')).json().items;
      assert.deepEqual(list.map((x: { version: string }) => x.version), ['2.0.0', '1.1.0', '1.0.0']);
      assert.deepEqual(list[0].addedCapabilities, ['exec:/usr/bin/uptime']);

      const ok = await call(f, 'admin', 'POST', '/api/plugins/com.example.load/versions/2.0.0/approve', { capabilities: v.requestedCapabilities });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(await f.repository.isUsable('com.example.load', '2.0.0'), true);
      assert.equal((await f.repository.newestUsable('com.example.load'))?.version, '2.0.0');
      const plugin = await f.db.models.Plugin.findOne({ where: { pluginId: 'com.example.load' } });
      assert.equal(plugin!.name, 'Example probe');
    });

    it('never lets another trusted key inherit an approval for the same plugin id', async () => {
      const other = newPublisher();
      await trustPublisher(f, other, 'Other Ltd');
      const res = await upload(f, signedBundle(other, { id: 'com.example.load', version: '3.0.0', capabilities: ['os.info'] }));
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().approval, 'pending');
      assert.equal(res.json().previousApprovedVersion, null);
      assert.equal(res.json().usable, false);
    });

    it('refuses the same version with different bytes, and logs it', async () => {
      const res = await upload(f, signedBundle(publisher, { id: 'com.example.load', version: '1.0.0', code: 'export function measure() { return { value: 2 }; }\n' }));
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, 'CORE_PLUGIN_VERSION_EXISTS');
      assert.equal(await refusalsLogged(f, 'CORE_PLUGIN_VERSION_EXISTS'), 1);
    });

    const refusals: { name: string; code: string; status: number; zip: () => Buffer }[] = [
      { name: 'a tampered bundle', code: 'BUNDLE_HASH_MISMATCH', status: 400, zip: () => handcraftedBundle(publisher, { replace: { 'plugin.js': Buffer.from('export function measure() { return { value: 666 }; }\n') } }) },
      { name: 'a bundle signed by an unknown key', code: 'BUNDLE_UNKNOWN_PUBLISHER', status: 403, zip: () => signedBundle(newPublisher(), { id: 'com.example.stranger' }) },
      { name: 'a zip-slip bundle', code: 'BUNDLE_PATH_TRAVERSAL', status: 400, zip: () => handcraftedBundle(publisher, { extra: [{ name: '../../evil.js', data: Buffer.from('boom') }] }) },
      { name: 'non-zip garbage', code: 'BUNDLE_NOT_A_ZIP', status: 400, zip: () => Buffer.from('this is not a zip file, just some text') },
      { name: 'an oversize upload', code: 'BUNDLE_TOO_LARGE', status: 413, zip: () => Buffer.alloc(5 * 1024 * 1024 + 1, 7) },
    ];
    for (const [index, r] of refusals.entries()) {
      it(`refuses ${r.name} with ${r.code}, logs it, and still accepts a good upload`, async () => {
        const before = await refusalsLogged(f, r.code);
        const stored = await f.db.models.PluginVersion.count();
        const res = await upload(f, r.zip());
        assert.equal(res.statusCode, r.status, res.body);
        assert.equal(res.json().code, r.code);
        assert.equal(await refusalsLogged(f, r.code), before + 1, 'a system-log entry');
        if (r.code === 'BUNDLE_UNKNOWN_PUBLISHER') {
          // What the bundle claims, so an administrator can decide whether to trust the key.
          assert.equal(res.json().details.pluginId, 'com.example.stranger');
          assert.match(res.json().details.keyId, /^[a-f0-9]{64}$/);
        }
        assert.equal(await f.db.models.PluginVersion.count(), stored, 'nothing stored');
        const good = await upload(f, signedBundle(publisher, { id: `com.example.after-${index}` }));
        assert.equal(good.statusCode, 201, good.body);
      });
    }

    it('refuses a body that is not base64 and one beyond the body limit, logging both', async () => {
      const bad = await call(f, 'admin', 'POST', '/api/plugins/upload', { bundle: '%%% not base64 %%%' });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'CORE_PLUGIN_BAD_UPLOAD');
      assert.equal(await refusalsLogged(f, 'CORE_PLUGIN_BAD_UPLOAD'), 1);
      const huge = await upload(f, Buffer.alloc(11 * 1024 * 1024, 1));
      assert.equal(huge.statusCode, 413);
      assert.equal(huge.json().code, 'CORE_API_BODY_TOO_LARGE');
      assert.equal(await refusalsLogged(f, 'CORE_API_BODY_TOO_LARGE'), 1);
      // Strangers are turned away before their body is read.
      const stranger = await f.app.inject({ method: 'POST', url: '/api/plugins/upload', headers: { 'content-type': 'application/json' }, payload: '{"bundle":"AAAA"}' });
      assert.equal(stranger.statusCode, 401);
      assert.equal((await upload(f, signedBundle(publisher, { id: 'com.example.after2' }))).statusCode, 201);
    });

    it('manages trusted publishers: lists the site key, refuses bad or duplicate keys, protects the site key', async () => {
      const list = (await call(f, 'viewer', 'GET', '/api/publishers')).json().items;
      assert.equal(list[0].site, true);
      assert.equal(list[0].keyId, f.siteKey.keyId);
      assert.ok(list.some((p: { keyId: string }) => p.keyId === publisher.keyId));

      const bad = await call(f, 'admin', 'POST', '/api/publishers', { name: 'Junk', publicKeyPem: 'not a key' });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'BUNDLE_BAD_KEY');
      const dup = await call(f, 'admin', 'POST', '/api/publishers', { name: 'Again', publicKeyPem: publisher.publicKey.export({ format: 'pem', type: 'spki' }).toString() });
      assert.equal(dup.statusCode, 409);
      assert.equal(dup.json().code, 'CORE_PLUGIN_PUBLISHER_EXISTS');
      assert.equal((await call(f, 'operator', 'POST', '/api/publishers', { name: 'x', publicKeyPem: 'x' })).statusCode, 403);
      const site = await call(f, 'admin', 'DELETE', `/api/publishers/${f.siteKey.keyId}`);
      assert.equal(site.statusCode, 409);
      assert.equal(site.json().code, 'CORE_PLUGIN_SITE_KEY_PROTECTED');
      assert.equal((await call(f, 'admin', 'DELETE', `/api/publishers/${'a'.repeat(64)}`)).json().code, 'CORE_PLUGIN_PUBLISHER_NOT_FOUND');
    });

    it('stops a removed publisher key: its versions are no longer usable and cannot be approved', async () => {
      const gone = newPublisher();
      await trustPublisher(f, gone, 'Soon gone');
      const up = (await upload(f, signedBundle(gone, { id: 'com.example.gone', capabilities: ['os.info'] }))).json();
      const approveUrl = '/api/plugins/com.example.gone/versions/1.0.0/approve';
      assert.equal((await call(f, 'admin', 'POST', approveUrl, { capabilities: up.requestedCapabilities })).statusCode, 200);
      assert.equal(await f.repository.isUsable('com.example.gone', '1.0.0'), true);

      assert.equal((await call(f, 'admin', 'DELETE', `/api/publishers/${gone.keyId}`)).statusCode, 204);
      assert.equal(await f.repository.isUsable('com.example.gone', '1.0.0'), false);
      const [v] = (await call(f, 'viewer', 'GET', '/api/plugins/com.example.gone/versions')).json().items;
      assert.equal(v.publisherTrusted, false);
      assert.equal(v.usable, false);
      const again = await call(f, 'admin', 'POST', approveUrl, { capabilities: up.requestedCapabilities });
      assert.equal(again.json().code, 'CORE_PLUGIN_PUBLISHER_NOT_TRUSTED');
      const refused = await upload(f, signedBundle(gone, { id: 'com.example.gone', version: '1.0.1' }));
      assert.equal(refused.json().code, 'BUNDLE_UNKNOWN_PUBLISHER');
      assert.equal((await call(f, 'viewer', 'GET', '/api/plugins/com.example.nothing/versions')).json().code, 'CORE_PLUGIN_NOT_FOUND');
    });
  });
}
