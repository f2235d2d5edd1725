// The core's marketplace side end to end: a REAL marketplace runs as the core's local child
// process (createLocalMarketplace, port 0 on 127.0.0.1) with a first-party bundle published
// to it; a third-party publisher publishes over HTTP; the administrator browses and installs
// through the core's routes (the real API app), trusts the publisher explicitly, approves.
import { generatePublisherKeys, silentLogger, writePublisherKeys, type PublisherKeyPair } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstPartyOutDir, trustDirectory, SITE_PUBLIC_KEY_FILE } from '../../src/plugins/index.js';
import { createLocalMarketplace, localMarketplaceConfig, type LocalMarketplace } from '../../src/marketplace/index.js';
import { signedBundle } from '../plugins/helpers.js';
import { call } from '../api/helpers.js';
import { createMarketFixture, type MarketFixture } from './helpers.js';

describe('marketplace: publish → browse → install through the core', function () {
  this.timeout(120_000);
  let f: MarketFixture;
  let local: LocalMarketplace;
  let acme: PublisherKeyPair;
  let acmeToken: string;

  const publish = async (zip: Buffer) => {
    const res = await fetch(`${local.url}/api/v1/plugins`, { method: 'POST', headers: { authorization: `Bearer ${acmeToken}`, 'content-type': 'application/zip' }, body: zip });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    return JSON.parse(text) as { sha256: string };
  };
  const install = (body: Record<string, unknown>, role: 'admin' | 'viewer' | 'operator' = 'admin') => call(f, role, 'POST', '/api/marketplace/install', { registry: 'local', ...body });
  const v1 = () => signedBundle(acme, { id: 'com.acme.raid', version: '1.0.0', capabilities: ['fs.read:/proc/mdstat'] });

  before(async () => {
    f = await createMarketFixture('sqlite', () => local?.url);
    // A first-party bundle, signed with the site key, where the core's builder puts them.
    mkdirSync(firstPartyOutDir(f.dataDir), { recursive: true });
    writeFileSync(join(firstPartyOutDir(f.dataDir), 'io.prophasis.uptime-1.0.0.zip'), signedBundle(f.siteKey, { id: 'io.prophasis.uptime', capabilities: ['os.info'] }));
    local = createLocalMarketplace(
      { ...localMarketplaceConfig({ dataDir: f.dataDir, marketplacePort: 0 }, {}), logLevel: 'warn' },
      { logger: silentLogger(), sitePublicKeyPath: join(trustDirectory(f.dataDir), SITE_PUBLIC_KEY_FILE), bundlesDir: firstPartyOutDir(f.dataDir) },
    );
    await local.start();
    assert.match(local.url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    acme = generatePublisherKeys();
    writePublisherKeys(f.dir, acme);
    acmeToken = await local.addPublisher('Acme', join(f.dir, 'publisher.pub'));
  });
  after(async () => {
    await local?.stop();
    await f?.close();
  });

  it('runs the local marketplace with the first-party plugins published under the site key', async () => {
    const page = (await (await fetch(`${local.url}/api/v1/plugins/io.prophasis.uptime`)).json()) as { publisher: { name: string; keys: { keyId: string }[] } };
    assert.equal(page.publisher.name, 'prophasis-site');
    assert.deepEqual(page.publisher.keys.map((k) => k.keyId), [f.siteKey.keyId]);
    const token = readFileSync(join(f.dataDir, 'marketplace-local-token'), 'utf8');
    assert.match(token, /^pmk_\d+_/);
    const registries = await call(f, 'viewer', 'GET', '/api/marketplace/registries');
    assert.deepEqual(registries.json().items, [{ name: 'local', url: local.url, local: true }]);
  });

  it('browses, installs after an explicit trust of the fingerprint, and makes the plugin usable only after approval', async () => {
    await publish(v1());
    const browse = await call(f, 'viewer', 'GET', '/api/marketplace/plugins?q=acme');
    assert.equal(browse.statusCode, 200, browse.body);
    assert.deepEqual(browse.json().items.map((p: { id: string; registry: string; installedVersion: null }) => [p.id, p.registry, p.installedVersion]), [['com.acme.raid', 'local', null]]);
    const page = await call(f, 'viewer', 'GET', '/api/marketplace/registries/local/plugins/com.acme.raid');
    assert.equal(page.statusCode, 200, page.body);
    assert.equal(page.json().publisher.keys[0].keyId, acme.keyId);
    assert.deepEqual(page.json().trustedKeyIds, []);

    assert.equal((await install({ pluginId: 'com.acme.raid' }, 'operator')).statusCode, 403);

    // First request: the publisher is unknown, so the answer is its fingerprint and what it asks for.
    const first = await install({ pluginId: 'com.acme.raid' });
    assert.equal(first.statusCode, 409, first.body);
    assert.equal(first.json().code, 'CORE_MARKET_PUBLISHER_NOT_TRUSTED');
    assert.equal(first.json().details.keyId, acme.keyId);
    assert.deepEqual(first.json().details.requestedCapabilities, ['fs.read:/proc/mdstat']);
    assert.equal(f.trust.isTrusted(acme.keyId), false);
    assert.equal((await call(f, 'viewer', 'GET', '/api/plugins/com.acme.raid/versions')).statusCode, 404, 'nothing stored');

    // Trusting needs the fingerprint that was shown.
    const wrong = await install({ pluginId: 'com.acme.raid', trustPublisher: true, publisherKeyId: 'f'.repeat(64) });
    assert.equal(wrong.json().code, 'CORE_MARKET_TRUST_KEY_MISMATCH');
    assert.equal(f.trust.isTrusted(acme.keyId), false);

    const ok = await install({ pluginId: 'com.acme.raid', trustPublisher: true, publisherKeyId: acme.keyId });
    assert.equal(ok.statusCode, 201, ok.body);
    const result = ok.json();
    assert.equal(result.plugin.version, '1.0.0');
    assert.equal(result.plugin.approval, 'pending');
    assert.equal(result.approvalRequired, true);
    assert.deepEqual(result.addedCapabilities, ['fs.read:/proc/mdstat']);
    assert.deepEqual(result.publisher, { name: 'Acme', keyId: acme.keyId, trustedNow: true });
    assert.equal(f.trust.isTrusted(acme.keyId), true);
    assert.equal(await f.repository.isUsable('com.acme.raid', '1.0.0'), false);

    const approve = await call(f, 'admin', 'POST', '/api/plugins/com.acme.raid/versions/1.0.0/approve', { capabilities: ['fs.read:/proc/mdstat'] });
    assert.equal(approve.statusCode, 200, approve.body);
    assert.equal(await f.repository.isUsable('com.acme.raid', '1.0.0'), true);
    const audit = await f.db.models.AuditLog.findAll({ where: { action: 'marketplace.install' } });
    assert.equal(audit.length, 1);

    const listed = await call(f, 'viewer', 'GET', '/api/marketplace/plugins?q=acme');
    assert.equal(listed.json().items[0].installedVersion, '1.0.0');
  });

  it('offers an upgrade; one asking for a new capability is stored but not usable until approved, with the new capability highlighted', async () => {
    await publish(signedBundle(acme, { id: 'com.acme.raid', version: '1.1.0', capabilities: ['fs.read:/proc/mdstat', 'exec:/sbin/mdadm'] }));
    const updates = await call(f, 'viewer', 'GET', '/api/marketplace/updates');
    assert.deepEqual(updates.json().items, [{ pluginId: 'com.acme.raid', installedVersion: '1.0.0', latestVersion: '1.1.0', registry: 'local' }]);

    const up = await install({ pluginId: 'com.acme.raid' });
    assert.equal(up.statusCode, 201, up.body);
    assert.deepEqual(up.json().addedCapabilities, ['exec:/sbin/mdadm']);
    assert.equal(up.json().approvalRequired, true);
    assert.equal(up.json().publisher.trustedNow, false);
    assert.equal(await f.repository.isUsable('com.acme.raid', '1.1.0'), false);
    assert.equal((await f.repository.newestUsable('com.acme.raid'))?.version, '1.0.0', 'plans keep the approved version');
    assert.deepEqual((await call(f, 'viewer', 'GET', '/api/marketplace/updates')).json().items, []);

    await call(f, 'admin', 'POST', '/api/plugins/com.acme.raid/versions/1.1.0/approve', { capabilities: ['exec:/sbin/mdadm', 'fs.read:/proc/mdstat'] });
    assert.equal((await f.repository.newestUsable('com.acme.raid'))?.version, '1.1.0');
  });

  it('does not offer a yanked version', async () => {
    await publish(signedBundle(acme, { id: 'com.acme.raid', version: '1.2.0' }));
    const yank = await fetch(`${local.url}/api/v1/plugins/com.acme.raid/versions/1.2.0/yank`, { method: 'POST', headers: { authorization: `Bearer ${acmeToken}` } });
    assert.equal(yank.status, 200);
    assert.equal((await call(f, 'viewer', 'GET', '/api/marketplace/plugins?q=acme')).json().items[0].latestVersion, '1.1.0');
    assert.deepEqual((await call(f, 'viewer', 'GET', '/api/marketplace/updates')).json().items, []);
    const refused = await install({ pluginId: 'com.acme.raid', version: '1.2.0' });
    assert.equal(refused.statusCode, 404);
    assert.equal(refused.json().code, 'CORE_MARKET_VERSION_NOT_OFFERED');
    assert.match(refused.json().message, /yanked/);
    assert.ok(!(await f.repository.listVersions('com.acme.raid')).some((v) => v.version === '1.2.0'));
  });

  it("refuses a bundle altered on the registry's disk, and still installs the next one", async () => {
    const { sha256 } = await publish(signedBundle(acme, { id: 'com.acme.ups', capabilities: ['net.connect:*:3493'] }));
    const file = join(f.dataDir, 'marketplace', 'bundles', `${sha256}.zip`);
    const bytes = readFileSync(file);
    const at = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    writeFileSync(file, bytes);
    const res = await install({ pluginId: 'com.acme.ups' });
    assert.equal(res.statusCode, 502, res.body);
    assert.equal(res.json().code, 'CORE_MARKET_HASH_MISMATCH');
    assert.match(res.json().message, new RegExp(sha256));
    assert.equal((await call(f, 'viewer', 'GET', '/api/plugins/com.acme.ups/versions')).statusCode, 404);
    const logged = await f.db.models.SystemLog.findAll({ where: { component: 'marketplace' } });
    assert.ok(logged.some((r) => (r.context as { code?: string } | null)?.code === 'CORE_MARKET_HASH_MISMATCH'));

    await publish(signedBundle(acme, { id: 'com.acme.fans' }));
    assert.equal((await install({ pluginId: 'com.acme.fans' })).statusCode, 201);
  });

  it('reports a registry that cannot be reached without failing the others, and validates the registry list', async () => {
    const put = await call(f, 'admin', 'PUT', '/api/marketplace/registries', { registries: [{ name: 'down', url: 'http://127.0.0.1:1' }] });
    assert.equal(put.statusCode, 200, put.body);
    const browse = (await call(f, 'viewer', 'GET', '/api/marketplace/plugins')).json();
    assert.ok(browse.items.some((p: { id: string }) => p.id === 'com.acme.raid'));
    assert.deepEqual(browse.errors.map((e: { registry: string; code: string }) => [e.registry, e.code]), [['down', 'CORE_MARKET_REGISTRY_UNREACHABLE']]);
    assert.equal((await install({ registry: 'down', pluginId: 'x.y' })).json().code, 'CORE_MARKET_REGISTRY_UNREACHABLE');
    assert.equal((await install({ registry: 'nowhere', pluginId: 'x.y' })).json().code, 'CORE_MARKET_REGISTRY_NOT_FOUND');
    const local_ = await call(f, 'admin', 'PUT', '/api/marketplace/registries', { registries: [{ name: 'local', url: 'http://example.com' }] });
    assert.equal(local_.json().code, 'CORE_MARKET_INVALID_REGISTRIES');
    assert.equal((await call(f, 'admin', 'PUT', '/api/marketplace/registries', { registries: [{ name: 'x', url: 'file:///etc' }] })).statusCode, 400);
    assert.equal((await call(f, 'operator', 'PUT', '/api/marketplace/registries', { registries: [] })).statusCode, 403);
    assert.equal((await call(f, 'admin', 'PUT', '/api/marketplace/registries', { registries: [] })).statusCode, 200);
  });

  it('stores staged rollouts for the plan builder and promotes them', async () => {
    const group = await f.db.models.HostGroup.create({ name: 'canary' } as never);
    const set = await call(f, 'admin', 'PUT', '/api/marketplace/rollouts/com.acme.raid', { version: '1.1.0', groups: [group.id] });
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(
      set.json().items.map(({ pluginId, version, groups }: { pluginId: string; version: string; groups: number[] }) => ({ pluginId, version, groups })),
      [{ pluginId: 'com.acme.raid', version: '1.1.0', groups: [group.id] }],
    );
    assert.equal((await call(f, 'admin', 'PUT', '/api/marketplace/rollouts/com.acme.raid', { version: '9.9.9', groups: [group.id] })).json().code, 'CORE_MARKET_INVALID_ROLLOUT');
    assert.equal((await call(f, 'admin', 'PUT', '/api/marketplace/rollouts/com.acme.raid', { version: '1.1.0', groups: [999_999] })).json().code, 'CORE_MARKET_INVALID_ROLLOUT');
    const promoted = await call(f, 'admin', 'DELETE', '/api/marketplace/rollouts/com.acme.raid');
    assert.deepEqual(promoted.json().items, []);
  });

  it('stops the child with the core, and a restart reuses the account and publishes nothing twice', async () => {
    const before = local.url!;
    await local.stop();
    assert.equal(local.url, undefined);
    await assert.rejects(fetch(`${before}/api/v1/plugins`));
    await local.start();
    const page = (await (await fetch(`${local.url}/api/v1/plugins/io.prophasis.uptime`)).json()) as { versions: unknown[] };
    assert.equal(page.versions.length, 1);
  });
});

describe('local marketplace: disabled or broken', function () {
  this.timeout(30_000);

  it('is off with PROPHASIS_LOCAL_MARKETPLACE=off, and starts nothing', async () => {
    const config = localMarketplaceConfig({ dataDir: '/nonexistent/prophasis' }, { PROPHASIS_LOCAL_MARKETPLACE: 'off' });
    assert.equal(config.enabled, false);
    assert.equal(localMarketplaceConfig({ dataDir: '/x' }, {}).port, 8090);
    const local = createLocalMarketplace(config, { logger: silentLogger(), sitePublicKeyPath: '/nonexistent', bundlesDir: '/nonexistent' });
    await local.start();
    assert.equal(local.url, undefined);
    await local.stop();
  });

  it('does not stop the core when the marketplace cannot start; it just has no URL', async () => {
    const dir = join(tmpdir(), `prophasis-market-broken-${process.pid}`);
    const local = createLocalMarketplace(
      { ...localMarketplaceConfig({ dataDir: dir, marketplacePort: 0 }, {}), startTimeoutMs: 10_000 },
      { logger: silentLogger(), sitePublicKeyPath: join(dir, 'missing.pub'), bundlesDir: dir, command: [process.execPath, '-e', 'process.exit(3)'] },
    );
    await local.start();
    assert.equal(local.url, undefined);
    await local.stop();
    rmSync(dir, { recursive: true, force: true });
  });
});
