/**
 * Issue #20's configuration as code in a real browser against a real core (`npx prophasis start`,
 * SQLite in a temporary data directory): Settings → Configuration downloads the export, shows
 * the dry run of a chosen file, applies it, and shows a refused file's place. Screenshots at
 * 1366 px land in web/test-output/config-as-code/.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiOf, createFirstAdministrator, useConsoleSuite } from './support/console.js';
import { WEB_DIR } from './support/system.js';

const SCREENSHOTS = join(WEB_DIR, 'test-output/config-as-code');
const ADMIN = { name: 'cac-admin', password: 'correct horse battery staple' };

describe('console: Settings → Configuration (configuration as code, real core)', function () {
  this.bail(true);
  this.timeout(90_000);

  const suite = useConsoleSuite({ screenshots: SCREENSHOTS, dataDirPrefix: 'prophasis-cac-e2e-', context: { acceptDownloads: true } });
  const { problems } = suite;

  const api = apiOf(() => suite.desk, () => suite.core.url);

  it('exports the configuration as a YAML download, shows the dry run of a file, applies it, and names the place of an error', async function () {
    this.timeout(120_000);
    const { core, page, dataDir } = suite;
    await createFirstAdministrator(page, core.setupLink, ADMIN);
    const web1 = await api<{ id: number }>('POST', 'hosts', { name: 'cac-web-1', tags: ['eu'] });
    await api('POST', 'groups', { name: 'cac-web', hostIds: [web1.id], groupIds: [] });

    await page.goto(`${core.url}/settings`);
    await page.getByRole('heading', { name: 'Configuration' }).scrollIntoViewIfNeeded();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export (download YAML)' }).click()]);
    assert.equal(download.suggestedFilename(), 'prophasis-config.yaml');
    const exported = readFileSync((await download.path())!, 'utf8');
    assert.match(exported, /^version: 1\n/);
    assert.match(exported, /- name: cac-web-1\n {4}description: ""\n {4}groups:\n {6}- cac-web\n/);

    // The file an administrator edited: one more host in the group.
    const edited = join(dataDir, 'site.yaml');
    writeFileSync(edited, exported.replace('hosts:\n', 'hosts:\n  - name: cac-web-2\n    groups: [cac-web]\n    tags: [eu]\n'));
    await page.getByLabel('Configuration file to apply').setInputFiles(edited);
    const preview = page.locator('[data-testid="config-preview"]');
    await preview.getByText('+ create hosts cac-web-2').waitFor();
    assert.deepEqual((await preview.locator('li').allTextContents()).map((t) => t.trim()), ['+ create hosts cac-web-2']);
    // The page scrolls inside the app's shell: bring the panel into the shot.
    await preview.getByRole('button', { name: 'Apply' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'dry-run-desktop.png') });
    assert.equal((await api<{ total: number }>('GET', 'hosts')).total, 1, 'the dry run wrote nothing');

    await preview.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Applied site.yaml: 1 created, 0 updated, 0 deleted.').waitFor();
    const hosts = await api<{ items: { name: string }[] }>('GET', 'hosts?sort=name');
    assert.deepEqual(hosts.items.map((h) => h.name), ['cac-web-1', 'cac-web-2']);
    const group = await api<{ items: { hostIds: number[] }[] }>('GET', 'groups');
    assert.equal(group.items[0]!.hostIds.length, 2, 'the new host is in its group');

    // A refused file: the banner names its place; nothing changes.
    const bad = join(dataDir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nchecks:\n  - name: c\n    plugins: [{ plugin: com.nowhere.x }]\n');
    await page.getByLabel('Configuration file to apply').setInputFiles(bad);
    await page.getByRole('alert').getByText('checks[0].plugins[0].plugin: no plugin com.nowhere.x in this core').waitFor();
    await page.getByRole('alert').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'refused-desktop.png') });
    assert.equal((await api<{ total: number }>('GET', 'checks')).total, 0);
    assert.deepEqual(problems.splice(0), [], 'the console threw errors');
  });
});
