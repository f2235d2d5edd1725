/**
 * Issue #18's parent/child dependencies in a real browser against a real core (`npx prophasis
 * start`, SQLite in a temporary data directory): an administrator sets a host's parent on the host
 * form, sees the chain (ancestors as links) on the host page and the children on the parent's,
 * and a cycle is refused with the core's words. Screenshots at 1366 px land in
 * web/test-output/dependencies/.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { apiOf, createFirstAdministrator, useConsoleSuite } from './support/console.js';
import { WEB_DIR } from './support/system.js';

const SCREENSHOTS = join(WEB_DIR, 'test-output/dependencies');
const ADMIN = { name: 'dep-admin', password: 'correct horse battery staple' };

describe('console: host dependencies (parents, the chain; real core)', function () {
  this.bail(true);
  this.timeout(90_000);

  const suite = useConsoleSuite({ screenshots: SCREENSHOTS, dataDirPrefix: 'prophasis-dep-e2e-' });
  const { problems } = suite;

  const api = apiOf(() => suite.desk, () => suite.core.url);

  /** On a host's form: choose these parents in the multi-select and save them. */
  async function setParents(hostId: number, names: string[]): Promise<void> {
    const { core, page } = suite;
    await page.goto(`${core.url}/hosts/${hostId}`);
    const card = page.locator('p-host-dependencies');
    await card.getByRole('combobox').click();
    for (const name of names) await page.getByRole('option', { name, exact: true }).click();
    await page.keyboard.press('Escape');
    await card.getByRole('button', { name: 'Save parents' }).click();
  }

  it('sets parents on the host form, shows the chain and the children, and refuses a cycle with the core’s words', async function () {
    this.timeout(120_000);
    const { core, page } = suite;
    await createFirstAdministrator(page, core.setupLink, ADMIN);
    const id: Record<string, number> = {};
    for (const name of ['router-1', 'switch-1', 'web-1']) id[name] = (await api<{ id: number }>('POST', 'hosts', { name })).id;

    await setParents(id['switch-1']!, ['router-1']);
    await page.locator('[data-testid="chain"]').getByRole('link', { name: 'router-1' }).waitFor();
    await setParents(id['web-1']!, ['switch-1']);
    const chain = page.locator('[data-testid="chain"]');
    await chain.getByRole('link', { name: 'router-1' }).waitFor();
    assert.deepEqual(await chain.getByRole('link').allTextContents(), ['switch-1', 'router-1']);
    const stored = await api<{ parents: { name: string }[] }>('GET', `hosts/${id['web-1']}/dependencies`);
    assert.deepEqual(stored.parents.map((p) => p.name), ['switch-1']);
    await page.locator('p-host-dependencies').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'host-form-desktop.png') });

    // The host page shows the chain; a link leads to the router, whose page lists its child.
    await page.goto(`${core.url}/hosts/${id['web-1']}/detail`);
    await page.locator('[data-testid="chain"]').getByRole('link', { name: 'switch-1' }).waitFor();
    await page.locator('p-host-dependencies').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'host-page-desktop.png') });
    await page.locator('[data-testid="chain"]').getByRole('link', { name: 'router-1' }).click();
    await page.waitForURL(new RegExp(`/hosts/${id['router-1']}/detail$`));
    await page.locator('[data-testid="children"]').getByRole('link', { name: 'switch-1' }).waitFor();
    assert.equal((await page.locator('[data-testid="chain"]').textContent())?.trim(), 'No parents: reached directly.');

    // The router behind the web server would be a cycle: refused, nothing changed.
    await setParents(id['router-1']!, ['web-1']);
    await page.getByRole('alert').getByText('would make a cycle (router-1 → web-1 → switch-1 → router-1)').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'cycle-refused-desktop.png') });
    assert.deepEqual((await api<{ parents: unknown[] }>('GET', `hosts/${id['router-1']}/dependencies`)).parents, []);
    assert.deepEqual(problems.splice(0), [], 'the console threw errors');
  });
});
