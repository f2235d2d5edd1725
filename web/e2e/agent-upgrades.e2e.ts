/**
 * Agent upgrades from the console in a real browser against a real core (`npx prophasis start`,
 * SQLite in a temporary data directory) with one simulated agent (issue 17): the page shows the
 * version the core's package builder made, **Approve** signs it, a rollout to the agent's group
 * in two stages reaches the host (which runs that version already, so it counts as upgraded at
 * once), promotes itself and completes; the host list shows the agent's version, platform and
 * state. Screenshots at 1366 and 375 px land in web/test-output/agent-upgrades/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, launchBrowser } from './support/browser.js';
import { apiOf, createFirstAdministrator, phoneShot } from './support/console.js';
import { poll } from './support/poll.js';
import type { Started } from './support/processes.js';
import { tail } from './support/processes.js';
import { ensureConsoleBuild, startCore, startSimulator, WEB_DIR, type RunningCore } from './support/system.js';

const SCREENSHOTS = join(WEB_DIR, 'test-output/agent-upgrades');
const ADMIN = { name: 'au-admin', password: 'correct horse battery staple' };
const HOST = 'au-web-1';

describe('console: agent upgrades (real core, simulated agent)', function () {
  this.bail(true);
  this.timeout(90_000);

  let dataDir: string;
  let core: RunningCore | undefined;
  let simulator: Started | undefined;
  let browser: Browser | undefined;
  let desk: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  let failed = false;

  before(async function () {
    if (chromiumMissing()) this.skip();
    this.timeout(360_000);
    await ensureConsoleBuild();
    dataDir = mkdtempSync(join(tmpdir(), 'prophasis-agent-upgrades-'));
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    const starting = startCore(dataDir).then((c) => (core = c));
    browser = await launchBrowser().catch(async (err: unknown) => {
      await starting.catch(() => undefined);
      throw err;
    });
    await starting;
    desk = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: 'UTC', locale: 'en-GB' });
    page = await desk.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  });

  after(async function () {
    this.timeout(60_000);
    if (failed && core) console.log(`\n--- core output (tail) ---\n${tail(core.process.output(), 4000)}\n--- simulator (tail) ---\n${tail(simulator?.output() ?? '', 2000)}`);
    await browser?.close().catch(() => undefined);
    await simulator?.stop();
    await core?.process.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    failed = true;
    if (page && !page.isClosed()) await page.screenshot({ path: join(SCREENSHOTS, 'failed.png'), fullPage: true }).catch(() => undefined);
  });

  const api = apiOf(() => desk, () => core!.url);

  it('1. sets up the administrator, a host in a group and its simulated agent', async function () {
    this.timeout(180_000);
    assert.ok(core);
    await createFirstAdministrator(page, core.setupLink, ADMIN);

    const host = await api<{ id: number }>('POST', 'hosts', { name: HOST });
    const ticket = await api<{ token: string }>('POST', `hosts/${host.id}/enrolment`, { server: '127.0.0.1', ttlMinutes: 10 });
    await api('POST', 'groups', { name: 'au-canary', hostIds: [host.id], groupIds: [] });
    const scenario = join(dataDir, 'scenario.json');
    writeFileSync(scenario, JSON.stringify({ hosts: { [HOST]: {} } }));
    const tokens = join(dataDir, 'tokens.txt');
    writeFileSync(tokens, `${ticket.token}\n`, { mode: 0o600 });
    simulator = await startSimulator({ dataDir, agents: 1, scenario, tokens, server: `127.0.0.1:${core.mqttPort}`, caFingerprint: core.caFingerprint });
    assert.deepEqual(problems.splice(0), []);
  });

  it('2. approves the version the core serves, runs a staged rollout to the group, and shows the host upgraded', async function () {
    this.timeout(300_000);
    assert.ok(core);
    await page.goto(`${core.url}/agent-upgrades`);
    await page.getByRole('heading', { name: 'Agent upgrades', level: 1 }).waitFor();
    // The first look builds the packages (Node.js from npm's cache or registry): tens of seconds.
    await poll(
      'the version the core serves',
      async () => {
        if (await page.locator('button.approve').isVisible()) return true;
        const unavailable = await page.locator('.unavailable').textContent({ timeout: 1_000 }).catch(() => null);
        if (unavailable) throw new Error(unavailable);
        return undefined;
      },
      240_000,
      2_000,
    );
    const offer = (await page.locator('.offer').textContent()) ?? '';
    const version = /serves (\S+) \(Node\.js/.exec(offer)?.[1];
    assert.ok(version, offer);
    await page.locator('button.approve').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await page.locator('.approved td.version', { hasText: version }).waitFor();
    assert.equal(await page.locator('button.approve').count(), 0);

    await page.getByRole('combobox', { name: 'Stage 1: host groups' }).click();
    await page.getByRole('option', { name: 'au-canary' }).click();
    await page.keyboard.press('Escape');
    await page.locator('button.start-rollout').click();

    // The simulated agent runs this very version: it counts as upgraded at once, the first stage
    // reaches 100 %, the rollout promotes itself to "every other host" (none) and completes.
    const row = page.locator('.rollouts tbody tr').first();
    await row.locator('.state', { hasText: 'completed' }).waitFor({ timeout: 30_000 });
    assert.deepEqual(await row.locator('.stages div').allTextContents(), ['1. au-canary: 1 of 1 upgraded', '2. every other host: 0 of 0 upgraded']);
    const hostRow = page.locator('.hosts tbody tr', { hasText: HOST });
    assert.equal(await hostRow.locator('.agent-version').textContent(), version);
    assert.match((await hostRow.locator('.platform').textContent()) ?? '', /^linux-/);
    assert.equal((await hostRow.locator('.upgrade').textContent())?.trim(), `Upgraded (${version})`);
    await page.screenshot({ path: join(SCREENSHOTS, 'agent-upgrades-desktop.png'), fullPage: true });

    const audit = await api<{ items: { action: string }[] }>('GET', 'audit?limit=50');
    const actions = audit.items.map((e) => e.action);
    assert.ok(actions.includes('agent-upgrades.approve') && actions.includes('agent-upgrades.rollout'), actions.join(', '));

    await phoneShot(browser!, desk, { url: `${core.url}/agent-upgrades`, dir: SCREENSHOTS, name: 'agent-upgrades', onError: (m) => problems.push(m) }, (p) =>
      p.locator('.hosts tbody tr', { hasText: HOST }).waitFor(),
    );
    assert.deepEqual(problems.splice(0), [], 'the console threw errors');
  });
});
