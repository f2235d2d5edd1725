/**
 * Issue #18's devices in a real browser against a real core (`npx prophasis start`, SQLite in a
 * temporary data directory) with a really enrolled agent host as the collector: an administrator
 * adds a printer from Host health → Add device, lands on its page ("via collector gw-1"), and
 * the host list shows it with the device icon and its collector; its SNMP community never comes
 * back from the API. Screenshots at 1366 px land in web/test-output/devices/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, launchBrowser } from './support/browser.js';
import { apiOf, createFirstAdministrator } from './support/console.js';
import { tail } from './support/processes.js';
import { agentEnrol, ensureConsoleBuild, hostAddToken, startCore, WEB_DIR, type RunningCore } from './support/system.js';

const SCREENSHOTS = join(WEB_DIR, 'test-output/devices');
const ADMIN = { name: 'dev-admin', password: 'correct horse battery staple' };
const COMMUNITY = 'e2e-c0mmunity';

describe('console: devices (add a device, the host list; real core and enrolled collector)', function () {
  this.bail(true);
  this.timeout(90_000);

  let dataDir: string;
  let core: RunningCore | undefined;
  let browser: Browser | undefined;
  let desk: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  let failed = false;

  before(async function () {
    if (chromiumMissing()) this.skip();
    this.timeout(360_000);
    await ensureConsoleBuild();
    dataDir = mkdtempSync(join(tmpdir(), 'prophasis-dev-e2e-'));
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    core = await startCore(dataDir);
    browser = await launchBrowser();
    desk = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: 'UTC', locale: 'en-GB' });
    page = await desk.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  });

  after(async function () {
    this.timeout(60_000);
    if (failed && core) console.log(`\n--- core output (tail) ---\n${tail(core.process.output(), 4000)}`);
    await browser?.close().catch(() => undefined);
    await core?.process.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    failed = true;
    if (page && !page.isClosed()) await page.screenshot({ path: join(SCREENSHOTS, 'failed.png'), fullPage: true }).catch(() => undefined);
  });

  const api = apiOf(() => desk, () => core!.url);

  it('adds a printer through its collector and shows it in the host list with its icon', async function () {
    this.timeout(300_000);
    assert.ok(core);
    // The collector: a host whose agent really enrolled (it need not run for this).
    const { token, caFingerprint } = await hostAddToken(dataDir, 'gw-1');
    const enrolled = await agentEnrol({ dataDir: join(dataDir, 'agent'), server: `127.0.0.1:${core.mqttPort}`, caFingerprint, token });
    assert.equal(enrolled.code, 0, `enrol: ${tail(enrolled.output)}`);
    await createFirstAdministrator(page, core.setupLink, ADMIN);

    await page.goto(`${core.url}/hosts`);
    await page.getByRole('link', { name: 'Add device' }).click();
    await page.waitForURL(/\/devices\/new$/);
    await page.getByLabel('Name').fill('printer-e2e');
    await page.getByLabel('Address').fill('300.1.2.3');
    await page.getByRole('button', { name: 'Add device' }).click();
    await page.getByText('Not an IP address or DNS name.').waitFor();
    await page.getByLabel('Address').fill('192.0.2.50');
    // The only enrolled agent host is chosen as the collector.
    await page.locator('mat-select[formcontrolname="collectorId"]').getByText('gw-1').waitFor();
    await page.getByLabel('Community').fill(COMMUNITY);
    await page.locator('[data-defaults]').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'add-device-desktop.png'), fullPage: true });
    await page.getByRole('button', { name: 'Add device' }).click();

    // Its page: type, address, via collector gw-1; no enrolment panel.
    await page.waitForURL(/\/hosts\/\d+\/detail$/);
    const info = page.locator('[data-device-info]');
    await info.getByText('Printer at').waitFor();
    assert.match((await info.textContent()) ?? '', /192\.0\.2\.50[\s\S]*via collector\s+gw-1/);
    assert.equal(await page.locator('p-enrolment-panel').count(), 0);
    await page.screenshot({ path: join(SCREENSHOTS, 'device-page-desktop.png') });

    // The host list: the device icon and its collector where agent hosts show their agent.
    await page.goto(`${core.url}/hosts`);
    const row = page.locator('tr[data-host="printer-e2e"]');
    await row.waitFor();
    assert.equal(await row.locator('[data-device-icon]').count(), 1);
    assert.equal(((await row.locator('[data-collector]').textContent()) ?? '').trim(), 'Via collector gw-1');
    assert.equal(await page.locator('tr[data-host="gw-1"] [data-device-icon]').count(), 0);
    await page.screenshot({ path: join(SCREENSHOTS, 'host-list-desktop.png') });

    // The collector's page lists it.
    const hosts = await api<{ items: { id: number; name: string; kind?: string }[] }>('GET', 'hosts');
    const gw = hosts.items.find((h) => h.name === 'gw-1')!;
    await page.goto(`${core.url}/hosts/${gw.id}/detail`);
    await page.locator('[data-collector-devices]').getByRole('link', { name: 'printer-e2e' }).waitFor();

    // The community was stored, and never comes back.
    const checks = await api<{ items: { name: string; plugins: { params: Record<string, unknown> }[] }[] }>('GET', 'checks');
    assert.ok(!JSON.stringify(checks).includes(COMMUNITY));
    assert.deepEqual(problems.splice(0), [], 'the console threw errors');
  });
});
