import { silentLogger, trustKeys, verifyBundle } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildFirstPartyPlugins, defaultPluginsDir, firstPartyOutDir, type FirstPartyReport } from '../../src/plugins/index.js';
import { DIALECTS } from '../db/helpers.js';
import { createFixture, databaseSystemLog, manifestFor, writeFirstPartyFolder, type Fixture } from './helpers.js';

function build(f: Fixture, pluginsDir: string): Promise<FirstPartyReport> {
  return buildFirstPartyPlugins(
    { pluginsDir, siteKey: f.siteKey, outDir: firstPartyOutDir(f.dataDir) },
    { repository: f.repository, logger: silentLogger(), systemLog: databaseSystemLog(f.db) },
  );
}

function verifyWithSiteKey(f: Fixture, file: string) {
  return verifyBundle(readFileSync(join(firstPartyOutDir(f.dataDir), file)), { trustedKeys: trustKeys([f.siteKey.publicKey]) });
}

for (const dialect of DIALECTS) {
  describe(`first-party plugins (${dialect})`, function () {
    this.timeout(60_000);
    let f: Fixture;
    let pluginsDir: string;
    beforeEach(async () => {
      f = await createFixture(dialect);
      pluginsDir = mkdtempSync(join(tmpdir(), 'prophasis-first-party-'));
    });
    afterEach(async () => {
      await f?.close();
      rmSync(pluginsDir, { recursive: true, force: true });
    });

    it('builds, signs with the site key and imports every plugin folder, approved by the site', async () => {
      writeFirstPartyFolder(pluginsDir, 'alpha', { capabilities: ['os.info'] });
      writeFirstPartyFolder(pluginsDir, 'beta', { helper: true, capabilities: ['fs.read:/proc/loadavg'] });
      writeFileSync(join(pluginsDir, 'README.md'), 'not a plugin folder\n');
      const report = await build(f, pluginsDir);
      assert.deepEqual(report.failed, []);
      assert.deepEqual(report.built.map((b) => b.folder), ['alpha', 'beta']);

      for (const b of report.built) {
        const bundle = verifyWithSiteKey(f, b.file);
        assert.equal(bundle.keyId, f.siteKey.keyId);
        assert.equal(bundle.sha256, b.sha256);
        assert.deepEqual([...bundle.files.keys()].sort(), ['README.md', 'classifier.lua', 'plugin.js']);
        const js = bundle.files.get('plugin.js')!.toString();
        assert.doesNotMatch(js, /^\s*import\s/m, 'one self-contained ES module');
        assert.match(js, /export\s*\{[^}]*measure/);
        const [version] = await f.repository.listVersions(b.pluginId);
        assert.equal(version!.approval, 'site');
        assert.equal(version!.approvedBy, 'site');
        assert.equal(version!.usable, true);
        assert.equal(await f.repository.isUsable(b.pluginId, '1.0.0'), true);
      }
      // The helper module was bundled in, and TypeScript types are gone.
      const beta = verifyWithSiteKey(f, report.built[1]!.file).files.get('plugin.js')!.toString();
      assert.match(beta, /n \* 2/);
      assert.doesNotMatch(beta, /: number/);

      // The site key is the one on disk, owner-only.
      const keyFile = join(f.dataDir, 'trust', 'site-publisher.key');
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    });

    it('does nothing on a second run, rebuilds only what changed, and re-imports into a fresh database', async () => {
      writeFirstPartyFolder(pluginsDir, 'alpha');
      writeFirstPartyFolder(pluginsDir, 'beta', { helper: true });
      const first = await build(f, pluginsDir);
      assert.equal(first.built.length, 2);
      const outDir = firstPartyOutDir(f.dataDir);
      const mtimes = Object.fromEntries(first.built.map((b) => [b.file, statSync(join(outDir, b.file)).mtimeMs]));
      const rows = await f.db.models.PluginVersion.count();

      const second = await build(f, pluginsDir);
      assert.deepEqual(second.built, []);
      assert.deepEqual(second.failed, []);
      assert.deepEqual(second.unchanged.map((u) => u.sha256), first.built.map((b) => b.sha256));
      for (const b of first.built) assert.equal(statSync(join(outDir, b.file)).mtimeMs, mtimes[b.file], 'not rewritten');
      assert.equal(await f.db.models.PluginVersion.count(), rows);

      // A change in an imported helper module (with a version bump) rebuilds that plugin only.
      writeFileSync(join(pluginsDir, 'beta', 'src', 'helper.ts'), 'export const double = (n: number): number => n + n;\n');
      writeFileSync(join(pluginsDir, 'beta', 'manifest.json'), JSON.stringify(manifestFor({ id: 'io.prophasis.test-beta', version: '1.0.1' })));
      const third = await build(f, pluginsDir);
      assert.deepEqual(third.built.map((b) => `${b.folder}@${b.version}`), ['beta@1.0.1']);
      assert.deepEqual(third.unchanged.map((u) => u.folder), ['alpha']);
      assert.match(verifyWithSiteKey(f, third.built[0]!.file).files.get('plugin.js')!.toString(), /n \+ n/);

      // Same bytes, same hash: a database that lost the bundles gets them back without a new version.
      await f.db.models.PluginVersion.destroy({ where: {} });
      const fourth = await build(f, pluginsDir);
      assert.deepEqual(fourth.built.map((b) => b.sha256).sort(), [first.built[0]!.sha256, third.built[0]!.sha256].sort());
    });

    it('reports a broken plugin and a changed plugin without a version bump, and still loads the others', async () => {
      writeFirstPartyFolder(pluginsDir, 'alpha');
      writeFirstPartyFolder(pluginsDir, 'beta');
      await build(f, pluginsDir);

      writeFirstPartyFolder(pluginsDir, 'broken', { code: "import { readFileSync } from 'node:fs';\nexport function measure() { return { value: readFileSync('/etc/passwd').length }; }\n" });
      writeFileSync(join(pluginsDir, 'beta', 'src', 'plugin.ts'), 'export function measure() { return { value: 7 }; }\n');
      writeFirstPartyFolder(pluginsDir, 'gamma');
      const report = await build(f, pluginsDir);
      assert.deepEqual(report.built.map((b) => b.folder), ['gamma']);
      assert.deepEqual(report.unchanged.map((u) => u.folder), ['alpha']);
      const failed = Object.fromEntries(report.failed.map((x) => [x.folder, x.code]));
      assert.deepEqual(failed, { beta: 'CORE_PLUGIN_VERSION_EXISTS', broken: 'CORE_PLUGIN_FIRST_PARTY_BUILD' });
      assert.match(report.failed.find((x) => x.folder === 'broken')!.message, /node:fs/);
      // The stored beta is untouched and still usable; both failures are in the system log.
      assert.equal(await f.repository.isUsable('io.prophasis.test-beta', '1.0.0'), true);
      const logged = await f.db.models.SystemLog.findAll({ where: { component: 'plugins', level: 'error' } });
      assert.deepEqual(logged.map((r) => (r.context as { folder: string }).folder).sort(), ['beta', 'broken']);
    });

    it('builds every real plugin in plugins/ into a signed, verifiable bundle; the second run is a no-op', async function () {
      const real = defaultPluginsDir();
      const folders = existsSync(real) ? readdirSync(real).filter((n) => existsSync(join(real, n, 'manifest.json')) && existsSync(join(real, n, 'src', 'plugin.ts'))) : [];
      if (folders.length === 0) this.skip(); // reason: no first-party plugin written yet in this checkout
      for (const name of folders) cpSync(join(real, name), join(pluginsDir, name), { recursive: true, filter: (src) => basename(src) !== 'node_modules' });
      const report = await build(f, pluginsDir);
      assert.deepEqual(report.failed, []);
      assert.deepEqual(report.built.map((b) => b.folder).sort(), folders.sort());
      for (const b of report.built) {
        const bundle = verifyWithSiteKey(f, b.file);
        assert.equal(bundle.manifest.id, b.pluginId);
        assert.ok(bundle.files.has(bundle.manifest.main));
        assert.equal(await f.repository.isUsable(b.pluginId, b.version), true);
      }
      const again = await build(f, pluginsDir);
      assert.deepEqual(again.built, []);
      assert.equal(again.unchanged.length, folders.length);
    });
  });
}
