// One plugin a registry lists in a shape the core refuses (here: over the protocol's limits) must
// not hide the others: a stub registry on 127.0.0.1 serves a search answer with bad hits between
// good ones; the core's routes (the real API app) list the good ones, report each bad one in
// `errors` and log it, and only the bad plugin's own page is refused.
import { createLogger, RegistryPluginPage, RegistryPluginSummary, type RegistryPluginSummary as Summary } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { marketplaceRoutes } from '../../src/marketplace/index.js';
import { call } from '../api/helpers.js';
import { createFixture, signedBundle, upload, type Fixture } from '../plugins/helpers.js';

const summary = (id: string, overrides: Partial<Summary> = {}): Summary => ({
  id,
  name: id,
  description: `the ${id} plugin`,
  publisher: 'Stub Ltd',
  tags: ['storage'],
  platforms: [],
  latestVersion: '1.1.0',
  latestSha256: 'a'.repeat(64),
  capabilities: ['os.info'],
  downloads: 0,
  updatedAt: 1,
  ...overrides,
});
const page = (s: Summary, readme: string): RegistryPluginPage => ({
  id: s.id,
  name: s.name,
  description: s.description,
  readme,
  tags: s.tags,
  platforms: s.platforms,
  downloads: 0,
  latestVersion: s.latestVersion,
  publisher: { name: s.publisher, keys: [] },
  versions: [],
});

const TAGS_LIMIT = RegistryPluginSummary.properties.tags.maxItems!;
const README_LIMIT = RegistryPluginPage.properties.readme.maxLength!;

describe('marketplace: a registry listing one bad plugin among good ones', function () {
  this.timeout(60_000);
  let f: Fixture;
  let server: Server;
  const logged: { level: number; msg: string; code?: string; registry?: string }[] = [];

  const good = [summary('com.good.one'), summary('com.good.two')];
  const tooManyTags = summary('com.bad.tags', { tags: Array.from({ length: TAGS_LIMIT + 1 }, (_, i) => `t${i}`) });
  const items: unknown[] = [good[0], tooManyTags, { name: 'no id at all' }, good[1]];
  const pages: Record<string, RegistryPluginPage> = {
    'com.good.one': page(good[0]!, '# One\n'),
    'com.bad.readme': page(summary('com.bad.readme'), 'x'.repeat(README_LIMIT + 1)),
  };

  before(async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0]!;
      const id = /^\/api\/v1\/plugins\/([^/]+)$/.exec(path)?.[1];
      const body = path === '/api/v1/plugins' ? { items } : id !== undefined && pages[id] ? pages[id] : undefined;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { code: 'MKT_NOT_FOUND', message: 'Not found' }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const logger = createLogger({ name: 'core', level: 'warn', destination: { write: (line: string) => void logged.push(JSON.parse(line)) } });
    f = await createFixture('sqlite', { routes: (parts) => marketplaceRoutes({ ...parts, logger, client: { timeoutMs: 10_000 } }) });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const put = await call(f, 'admin', 'PUT', '/api/marketplace/registries', { registries: [{ name: 'stub', url }] });
    assert.equal(put.statusCode, 200, put.body);
  });
  after(async () => {
    await f?.close();
    server?.close();
  });

  it('lists the good plugins and reports each bad one, by name and reason, in errors and in the log', async () => {
    const res = await call(f, 'viewer', 'GET', '/api/marketplace/plugins?registry=stub');
    assert.equal(res.statusCode, 200, res.body);
    const browse = res.json() as { items: { id: string; registry: string }[]; errors: { registry: string; code: string; message: string }[] };
    assert.deepEqual(browse.items.map((p) => [p.id, p.registry]), [['com.good.one', 'stub'], ['com.good.two', 'stub']]);
    assert.deepEqual(browse.errors.map((e) => [e.registry, e.code]), [['stub', 'CORE_MARKET_LISTING_INVALID'], ['stub', 'CORE_MARKET_LISTING_INVALID']]);
    assert.match(browse.errors[0]!.message, /stub lists "com\.bad\.tags" with an unexpected shape \(\/tags: .*32/);
    assert.match(browse.errors[1]!.message, /stub lists hit #2 with an unexpected shape/);
    const warned = logged.filter((l) => l.code === 'CORE_MARKET_LISTING_INVALID');
    assert.equal(warned.length, 2);
    assert.ok(warned.every((l) => l.level === 40 && l.registry === 'stub'));
    assert.match(warned[0]!.msg, /com\.bad\.tags/);
  });

  it('still offers the good plugins as updates', async () => {
    assert.equal((await upload(f, signedBundle(f.siteKey, { id: 'com.good.two', version: '1.0.0' }))).statusCode, 201);
    const updates = (await call(f, 'viewer', 'GET', '/api/marketplace/updates')).json() as { items: unknown[]; errors: { code: string }[] };
    assert.deepEqual(updates.items, [{ pluginId: 'com.good.two', installedVersion: '1.0.0', latestVersion: '1.1.0', registry: 'stub' }]);
    assert.deepEqual(updates.errors.map((e) => e.code), ['CORE_MARKET_LISTING_INVALID', 'CORE_MARKET_LISTING_INVALID']);
  });

  it("refuses only the bad plugin's own page", async () => {
    const bad = await call(f, 'viewer', 'GET', '/api/marketplace/registries/stub/plugins/com.bad.readme');
    assert.equal(bad.statusCode, 502, bad.body);
    assert.equal(bad.json().code, 'CORE_MARKET_REGISTRY_ERROR');
    assert.match(bad.json().message, /\/readme/);
    const ok = await call(f, 'viewer', 'GET', '/api/marketplace/registries/stub/plugins/com.good.one');
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().readme, '# One\n');
  });
});
