/**
 * Issue 21's list pages in a real browser against a real core (`npx prophasis start`, SQLite in a
 * temporary data directory) with three simulated agents: the host list's sparklines and its
 * filters in the URL (kept over a reload), the audit trail filtered by object, publisher keys
 * (trust, revoke) and a staged rollout (start, watch, abort, promote). Screenshots at 1366 and
 * 375 px land in web/test-output/pages/.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { chromiumMissing, launchBrowser } from './support/browser.js';
import { apiOf, createFirstAdministrator, phoneShot as phoneShotOf } from './support/console.js';
import { poll } from './support/poll.js';
import type { Started } from './support/processes.js';
import { tail } from './support/processes.js';
import { ensureConsoleBuild, startCore, startSimulator, WEB_DIR, type RunningCore } from './support/system.js';

const SCREENSHOTS = join(WEB_DIR, 'test-output/pages');
const ADMIN = { name: 'pages-admin', password: 'correct horse battery staple' };
const CPU = 'io.prophasis.cpu-load';
const DESK = { width: 1366, height: 900 };
const HOSTS = { 'pg-db-1': ['db', 'eu'], 'pg-web-1': ['web', 'eu'], 'pg-web-2': ['web'] } as const;
type HostName = keyof typeof HOSTS;
const VALUES: Record<HostName, number> = { 'pg-db-1': 64, 'pg-web-1': 12, 'pg-web-2': 31 };

describe('console pages: host list, audit trail, publisher keys, staged rollouts (real core)', function () {
  this.bail(true);
  this.timeout(90_000);

  let dataDir: string;
  let core: RunningCore | undefined;
  let simulator: Started | undefined;
  let browser: Browser | undefined;
  let desk: BrowserContext;
  let page: Page;
  const ids = {} as Record<HostName, number>;
  const groups = { prod: 0, frontend: 0 };
  const problems: string[] = [];
  let failed = false;

  before(async function () {
    if (chromiumMissing()) this.skip();
    this.timeout(360_000);
    await ensureConsoleBuild();
    dataDir = mkdtempSync(join(tmpdir(), 'prophasis-pages-'));
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    const starting = startCore(dataDir).then((c) => (core = c));
    browser = await launchBrowser().catch(async (err: unknown) => {
      await starting.catch(() => undefined);
      throw err;
    });
    await starting;
    desk = await browser.newContext({ viewport: DESK, timezoneId: 'UTC', locale: 'en-GB' });
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
    if (page && !page.isClosed()) await page.screenshot({ path: join(SCREENSHOTS, `failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => undefined);
  });

  function noPageErrors(): void {
    assert.deepEqual(problems.splice(0), [], 'the console threw errors');
  }

  /** The same page at 375 px, signed in as the desk's user. */
  const phoneShot = (path: string, name: string, ready: (p: Page) => Promise<void>): Promise<void> =>
    phoneShotOf(browser!, desk, { url: `${core!.url}${path}`, dir: SCREENSHOTS, name, onError: (m) => problems.push(m) }, ready);

  const api = apiOf(() => desk, () => core!.url);

  it('1. sets up the administrator, three hosts with tags, nested groups, a check every 5 s and their simulated agents', async function () {
    this.timeout(300_000);
    assert.ok(core);
    await createFirstAdministrator(page, core.setupLink, ADMIN);

    // Hosts with their tags, and a one-time enrolment token each, through the API as a script would.
    const tokens: string[] = [];
    for (const name of Object.keys(HOSTS) as HostName[]) {
      ids[name] = (await api<{ id: number }>('POST', 'hosts', { name, tags: [...HOSTS[name]] })).id;
      const ticket = await api<{ token: string; caFingerprint: string }>('POST', `hosts/${ids[name]}/enrolment`, { server: '127.0.0.1', ttlMinutes: 10 });
      assert.equal(ticket.caFingerprint, core.caFingerprint);
      tokens.push(ticket.token);
    }
    groups.frontend = (await api<{ id: number }>('POST', 'groups', { name: 'pg-frontend', hostIds: [ids['pg-web-1'], ids['pg-web-2']], groupIds: [] })).id;
    groups.prod = (await api<{ id: number }>('POST', 'groups', { name: 'pg-prod', hostIds: [ids['pg-db-1']], groupIds: [groups.frontend] })).id;
    const check = await api<{ id: number }>('POST', 'checks', { name: 'pg-cpu', hostIds: [], groupIds: [groups.prod], plugins: [{ pluginId: CPU, params: {} }] });
    await api('POST', 'schedules', { name: 'pg-every-5s', enabled: true, checkIds: [check.id], intervals: [{ start: Math.floor(Date.now() / 5000) * 5000, everyMs: 5000 }] });

    const scenario = join(dataDir, 'scenario.json');
    writeFileSync(scenario, JSON.stringify({ hosts: Object.fromEntries(Object.entries(VALUES).map(([h, v]) => [h, { [CPU]: { value: v } }])) }));
    const tokensFile = join(dataDir, 'tokens.txt');
    writeFileSync(tokensFile, `${tokens.join('\n')}\n`, { mode: 0o600 });
    simulator = await startSimulator({ dataDir, agents: 3, scenario, tokens: tokensFile, server: `127.0.0.1:${core.mqttPort}`, caFingerprint: core.caFingerprint });
    noPageErrors();
  });

  it('2. host list: sparklines from one request, filters and sort in the URL, kept over a reload', async function () {
    this.timeout(150_000);
    assert.ok(core);
    const sparkRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/reports/sparklines')) sparkRequests.push(r.url());
    });
    await page.goto(`${core.url}/hosts?range=hour`);
    // Every host's CPU sparkline shows its newest value once results arrived (a live reload re-reads them each minute).
    for (const name of Object.keys(HOSTS) as HostName[]) {
      await poll(
        `a CPU sparkline of ${name}`,
        async () => {
          const label = await row(page, name).locator('p-sparkline [role="img"]').first().getAttribute('aria-label', { timeout: 1_000 }).catch(() => null);
          if (label === `CPU: newest ${VALUES[name]} %`) return true;
          await page.reload();
          return undefined;
        },
        100_000,
        5_000,
      );
    }
    const last = new URL(sparkRequests.at(-1)!);
    assert.deepEqual(last.searchParams.get('hostIds')!.split(',').map(Number).sort(), Object.values(ids).sort(), 'one request names every host of the page');
    assert.equal(last.searchParams.get('range'), 'hour');
    await page.screenshot({ path: join(SCREENSHOTS, 'hosts-desktop.png'), fullPage: true });

    // A nested group, a tag and a sort straight from a link.
    await page.goto(`${core.url}/hosts?group=${groups.prod}&tag=web&sort=name`);
    await assertRows(page, ['pg-web-1', 'pg-web-2']);
    await page.reload();
    await assertRows(page, ['pg-web-1', 'pg-web-2']);
    // Changing a filter on the page writes the URL; a reload keeps it.
    await page.getByRole('combobox', { name: 'Tag' }).click();
    await page.getByRole('option', { name: 'eu', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('tag') === 'eu');
    await assertRows(page, ['pg-db-1', 'pg-web-1']);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((u) => !u.searchParams.has('tag') && u.searchParams.get('sort') === 'name');
    await page.getByRole('combobox', { name: 'Sort by' }).click();
    await page.getByRole('option', { name: 'Group', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'group');
    await page.reload();
    await assertRows(page, ['pg-web-1', 'pg-web-2', 'pg-db-1']); // pg-frontend before pg-prod
    await phoneShot(`/hosts?range=hour`, 'hosts', async (p) => {
      await p.locator('mat-card[data-host="pg-db-1"] p-sparkline [role="img"]').first().waitFor();
    });
    noPageErrors();
  });

  it('3. audit trail: the object filter and History, in the URL and over a reload', async function () {
    assert.ok(core);
    await page.goto(`${core.url}/audit`);
    await assertVisible(page.locator('[data-testid="audit-entry"][data-action="hosts.create"]'), 'the hosts added in step 1');
    await page.getByRole('combobox', { name: 'Object kind' }).click();
    await page.getByRole('option', { name: 'group', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('kind') === 'group');
    await assertVisible(page.locator('[data-testid="audit-entry"][data-action="groups.create"]'), 'the groups created');
    assert.equal(await page.locator('[data-testid="audit-entry"][data-action="hosts.create"]').count(), 0, 'only groups');
    // History of one host: every change of that object.
    await page.goto(`${core.url}/audit?kind=host`);
    const entry = page.locator('[data-testid="audit-entry"]', { has: page.getByRole('link', { name: String(ids['pg-web-1']), exact: true }) }).first();
    await entry.getByRole('button', { name: 'History' }).click();
    await page.waitForURL((u) => u.searchParams.get('id') === String(ids['pg-web-1']));
    await page.reload();
    await assertVisible(page.locator('[data-testid="audit-entry"][data-action="hosts.enrolment"]'), 'pg-web-1 added and given an enrolment token');
    assert.equal(await page.getByLabel('Object id').inputValue(), String(ids['pg-web-1']));
    const actions = await page.locator('[data-testid="audit-entry"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    assert.ok(actions.length > 0 && actions.every((a) => a?.startsWith('hosts.')), `only pg-web-1's changes: ${actions.join(', ')}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-desktop.png'), fullPage: true });
    await phoneShot('/audit', 'audit', async (p) => {
      await p.locator('[data-testid="audit-entry"]').first().waitFor();
    });
    noPageErrors();
  });

  it('4. publisher keys: trust a pasted key, then revoke it after confirming', async function () {
    assert.ok(core);
    const pem = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    await page.goto(`${core.url}/publisher-keys`);
    await assertVisible(page.getByText('this site', { exact: true }), 'the site key');
    await page.getByLabel('Publisher', { exact: true }).fill('pages-e2e publisher');
    await page.getByLabel('Public key (PEM)').fill(pem);
    await page.getByRole('button', { name: 'Trust key' }).click();
    await assertVisible(page.getByRole('status').filter({ hasText: 'Trusted “pages-e2e publisher”' }), 'the trusted key with its fingerprint');
    await page.screenshot({ path: join(SCREENSHOTS, 'publisher-keys-desktop.png'), fullPage: true });
    await phoneShot('/publisher-keys', 'publisher-keys', async (p) => {
      await p.getByText('pages-e2e publisher').waitFor();
    });
    const item = page.locator('.keys li', { hasText: 'pages-e2e publisher' });
    await item.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await item.waitFor({ state: 'detached' });
    const keys = await api<{ items: { name: string }[] }>('GET', 'publishers');
    assert.ok(!keys.items.some((k) => k.name === 'pages-e2e publisher'), 'the core no longer trusts it');
    noPageErrors();
  });

  it('5. staged rollout: start to a group, watch its stage, abort, promote; the audit trail shows each step', async function () {
    this.timeout(120_000);
    assert.ok(core);
    await page.goto(`${core.url}/rollouts`);
    await assertVisible(page.getByText('No staged rollouts'), 'no rollout yet');
    await page.getByRole('combobox', { name: 'Plugin' }).click();
    await page.getByRole('option', { name: /CPU/ }).click();
    await poll('a version chosen', async () => ((await page.getByRole('combobox', { name: 'Version' }).textContent())?.trim() ? true : undefined), 10_000);
    await page.getByRole('group', { name: /Stage: host groups/ }).getByRole('checkbox', { name: /^pg-frontend/ }).check();
    await page.getByRole('button', { name: 'Start rollout' }).click();
    const card = page.locator(`.rollout[data-plugin="${CPU}"]`);
    await assertVisible(page.locator(`.rollout[data-plugin="${CPU}"][data-status="running"]`), 'the rollout running');
    await assertVisible(card.getByText('2 of 3 hosts in the stage'), 'the stage: the two hosts of pg-frontend');
    await assertVisible(card.locator('.hosts').getByRole('link', { name: 'pg-web-1' }), 'pg-web-1 listed in the stage');
    // Live: the stage's states arrive without a reload (the hosts keep reporting every 5 s).
    await assertVisible(card.locator('.hosts p-severity-badge:not([data-severity="no_data"])'), 'a state of the plugin on a stage host', 60_000);
    await page.screenshot({ path: join(SCREENSHOTS, 'rollouts-desktop.png'), fullPage: true });
    await phoneShot('/rollouts', 'rollouts', async (p) => {
      await p.locator(`.rollout[data-plugin="${CPU}"] .hosts li`).first().waitFor();
    });

    await card.getByRole('button', { name: 'Abort' }).click();
    await page.getByRole('button', { name: 'Abort rollout' }).click();
    await assertVisible(page.locator(`.rollout[data-plugin="${CPU}"][data-status="aborted"]`), 'the rollout aborted');
    await card.getByRole('button', { name: 'Promote to all hosts' }).click();
    await page.getByRole('button', { name: 'Promote', exact: true }).click();
    await assertVisible(page.getByText('No staged rollouts'), 'promoted: no rollout left');

    await page.goto(`${core.url}/audit?kind=plugin&id=${CPU}`);
    for (const action of ['marketplace.rollout', 'marketplace.abort', 'marketplace.promote']) {
      await assertVisible(page.locator(`[data-testid="audit-entry"][data-action="${action}"]`), `${action} in the audit trail`);
    }
    noPageErrors();
  });
});

function row(p: Page, name: string): Locator {
  return p.locator(`tr[data-host="${name}"], mat-card[data-host="${name}"]`);
}

async function assertRows(p: Page, names: string[]): Promise<void> {
  await poll(
    `the rows ${names.join(', ')}`,
    async () => {
      const shown = await p.locator('tbody tr[data-host]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-host')));
      return JSON.stringify(shown) === JSON.stringify(names) ? true : undefined;
    },
    20_000,
  ).catch(async (err: unknown) => {
    const shown = await p.locator('tbody tr[data-host]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-host')));
    throw new Error(`${(err as Error).message}; shown: ${shown.join(', ')}`);
  });
}

async function assertVisible(locator: Locator, what: string, timeoutMs = 20_000): Promise<void> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
  } catch (err) {
    throw new Error(`not visible within ${timeoutMs} ms: ${what} (${(err as Error).message.split('\n')[0]})`);
  }
}
