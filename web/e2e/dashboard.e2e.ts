/**
 * The dashboard and the charts through a real browser (issue 21): a real core (`npx prophasis
 * start`, SQLite), three hosts measured by simulated agents (CPU, memory and disk from a scenario
 * file) and Debian's Chromium. It checks the panels (problems now, problems over time, busiest
 * hosts, agents offline, latest transitions), drag to zoom and Reset zoom on the dashboard and on
 * a host's chart, the threshold bands and statistics, and that a recovery reaches the open
 * dashboard live. Screenshots at 1366 and 375 px land in web/test-output/dashboard/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIResponse, Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { chromiumMissing, CHROMIUM, launchBrowser } from './support/browser.js';
import { PHONE } from './support/console.js';
import { poll } from './support/poll.js';
import type { Started } from './support/processes.js';
import { tail } from './support/processes.js';
import { addUser, ensureConsoleBuild, startCore, startSimulator, WEB_DIR, type RunningCore } from './support/system.js';

const SCREENSHOTS = join(WEB_DIR, 'test-output/dashboard');
const ADMIN = { name: 'dash-admin', password: 'correct horse battery staple' };
const DESK = { width: 1366, height: 900 };
const CPU = 'io.prophasis.cpu-load';
const MEMORY = 'io.prophasis.memory-usage';
const DISK = 'io.prophasis.disk-usage';
const HOSTS = ['dash-web', 'dash-db', 'dash-idle'] as const;
/** Results, classification and the page's coalesced reload on a loaded machine. */
const RESULT_WAIT_MS = 90_000;

type Values = Record<(typeof HOSTS)[number], { cpu: number; memory: number; disk: number }>;

/** dash-web's CPU above the plugin's default majorAbove (90), dash-db's disk above its majorAbove (95). */
const FAULTY: Values = {
  'dash-web': { cpu: 95, memory: 60, disk: 40 },
  'dash-db': { cpu: 50, memory: 70, disk: 97 },
  'dash-idle': { cpu: 3, memory: 20, disk: 10 },
};

function scenario(values: Values): string {
  const hosts = Object.fromEntries(Object.entries(values).map(([host, v]) => [host, { [CPU]: { value: v.cpu }, [MEMORY]: { value: v.memory }, [DISK]: { value: v.disk } }]));
  return `${JSON.stringify({ hosts }, null, 2)}\n`;
}

async function assertVisible(locator: Locator, what: string, timeout = 20_000): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout }).catch((err: unknown) => {
    throw new Error(`expected ${what} to be visible: ${(err as Error).message.split('\n')[0]}`);
  });
}

/** Drags across the middle of a chart's plot area from `a` to `b` (fractions of its width). */
async function dragAcross(page: Page, chart: Locator, a: number, b: number): Promise<void> {
  const area = chart.locator('rect.tooltip-area').first();
  await area.scrollIntoViewIfNeeded();
  const box = await area.boundingBox();
  assert.ok(box && box.width > 50, 'the chart has a plot area to drag across');
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * a, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * ((a + b) / 2), y, { steps: 4 });
  await page.mouse.move(box.x + box.width * b, y, { steps: 4 });
  await page.mouse.up();
}

describe('Prophasis end to end: the dashboard and charts that explain', function () {
  this.bail(true);
  this.timeout(60_000);

  let dataDir: string;
  let core: RunningCore | undefined;
  let simulator: Started | undefined;
  let browser: Browser | undefined;
  let desk: BrowserContext;
  let page: Page;
  let scenarioFile: string;
  const hostIds: Partial<Record<(typeof HOSTS)[number], number>> = {};
  const problems: string[] = [];
  let failed = false;

  async function watchedPage(context: BrowserContext): Promise<Page> {
    const p = await context.newPage();
    p.setDefaultTimeout(20_000);
    p.on('pageerror', (err) => problems.push(`page error on ${p.url()}: ${err.message}`));
    return p;
  }

  function noPageErrors(): void {
    assert.deepEqual(problems.splice(0), [], 'the console threw errors');
  }

  async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    assert.ok(core);
    const res = await page.request.fetch(`${core.url}/api/${path}`, { method, ...(body === undefined ? {} : { data: body }) });
    assert.ok(res.ok(), `${method} /api/${path}: ${res.status()} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async function signIn(p: Page): Promise<void> {
    assert.ok(core);
    await p.goto(`${core.url}/login`);
    await p.getByLabel('User name').fill(ADMIN.name);
    await p.getByLabel('Password').fill(ADMIN.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(/\/dashboard/);
  }

  /** The whole page: the console scrolls inside its content pane, so the viewport grows to its height for the picture. */
  async function shoot(p: Page, name: string): Promise<void> {
    const viewport = p.viewportSize();
    const height = await p.evaluate(() => {
      const pane = document.querySelector('mat-sidenav-content');
      return pane ? pane.getBoundingClientRect().top + pane.scrollHeight : document.documentElement.scrollHeight;
    });
    if (viewport && height > viewport.height) {
      await p.setViewportSize({ width: viewport.width, height: Math.ceil(height) });
      // ngx-charts redraws 200 ms after a resize (debounced); the picture waits for that redraw.
      await p.waitForTimeout(500);
    }
    await p.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    if (viewport) await p.setViewportSize(viewport);
  }

  before(async function () {
    if (chromiumMissing()) {
      console.warn(`\n  Skipping the dashboard end-to-end suite: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).\n`);
      this.skip();
    }
    this.timeout(360_000);
    await ensureConsoleBuild();
    dataDir = mkdtempSync(join(tmpdir(), 'prophasis-e2e-dash-'));
    scenarioFile = join(dataDir, 'scenario.json');
    writeFileSync(scenarioFile, scenario(FAULTY));
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    const starting = startCore(dataDir).then((c) => (core = c));
    browser = await launchBrowser().catch(async (err: unknown) => {
      await starting.catch(() => undefined);
      throw err;
    });
    await starting;
    await addUser(dataDir, ADMIN.name, 'admin', ADMIN.password);
    desk = await browser.newContext({ viewport: DESK, timezoneId: 'UTC', locale: 'en-GB' });
    page = await watchedPage(desk);
  });

  after(async function () {
    this.timeout(60_000);
    if (failed && core) {
      console.log(`\n--- core output (tail) ---\n${tail(core.process.output(), 4000)}\n--- simulator output (tail) ---\n${tail(simulator?.output() ?? '', 2000)}`);
    }
    await browser?.close().catch(() => undefined);
    await simulator?.stop();
    await core?.process.stop();
    if (dataDir && !process.env['PROPHASIS_E2E_KEEP_DATA']) rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return undefined;
    failed = true;
    if (page && !page.isClosed()) {
      return page.screenshot({ path: join(SCREENSHOTS, `failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true }).then(
        () => undefined,
        () => undefined,
      );
    }
    return undefined;
  });

  it('1. three hosts measured every 5 seconds by simulated agents, two of them in trouble', async function () {
    this.timeout(RESULT_WAIT_MS + 300_000);
    assert.ok(core);
    await signIn(page);
    const tokens: string[] = [];
    for (const name of HOSTS) {
      const id = (await api<{ id: number }>('POST', 'hosts', { name })).id;
      hostIds[name] = id;
      // The first token waits for the core to build the agent packages.
      const res: APIResponse = await page.request.post(`${core.url}/api/hosts/${id}/enrolment`, { data: { server: '127.0.0.1', ttlMinutes: 30 }, timeout: 240_000 });
      assert.equal(res.status(), 201, `POST /api/hosts/${id}/enrolment: ${await res.text()}`);
      tokens.push(((await res.json()) as { token: string }).token);
    }
    // Default parameters: the plugins' thresholds (CPU minor above 75, major above 90; disk 85, 95).
    const check = await api<{ id: number }>('POST', 'checks', {
      name: 'dash-basics',
      hostIds: Object.values(hostIds),
      groupIds: [],
      plugins: [CPU, MEMORY, DISK].map((pluginId) => ({ pluginId, params: {} })),
    });
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    await api('POST', 'schedules', { name: 'dash-every-5s', enabled: true, checkIds: [check.id], intervals: [{ start, everyMs: 5_000 }] });
    const tokensFile = join(dataDir, 'tokens.txt');
    writeFileSync(tokensFile, `${tokens.join('\n')}\n`, { mode: 0o600 });
    simulator = await startSimulator({ dataDir, agents: 3, scenario: scenarioFile, tokens: tokensFile, server: `127.0.0.1:${core.mqttPort}`, caFingerprint: core.caFingerprint });
    await poll(
      'two problems and values of all three plugins',
      async () => {
        const now = await api<{ total: number }>('GET', 'reports/problems');
        const disks = await api<unknown[]>('GET', `reports/top-hosts?pluginId=${DISK}`);
        return now.total >= 2 && disks.length === 3 ? true : undefined;
      },
      RESULT_WAIT_MS,
    );
  });

  it('2. the dashboard: problems now, over time, busiest hosts, agents offline, latest transitions (1366 px)', async function () {
    this.timeout(90_000);
    assert.ok(core);
    await page.goto(`${core.url}/dashboard?range=hour`);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    const now = page.locator('p-problems-now');
    await assertVisible(now.getByRole('link', { name: 'dash-web · CPU load' }), 'dash-web’s CPU among the problems now');
    await assertVisible(now.getByRole('link', { name: 'dash-db · Disk usage' }), 'dash-db’s disk among the problems now');
    const first = now.locator('li').first();
    assert.equal(await first.locator('p-severity-badge').getAttribute('data-severity'), 'major', 'worst first');
    assert.equal(await now.getByRole('link', { name: 'dash-web · CPU load' }).getAttribute('href'), `/hosts/${hostIds['dash-web']}/detail`);

    const overTime = page.locator('p-problems-over-time');
    await assertVisible(overTime.locator('ngx-charts-area-chart-stacked svg'), 'the stacked chart of problems');
    await assertVisible(overTime.getByText(/at most [1-9]\d* at once/), 'the peak of the range');
    assert.equal(await overTime.getByRole('radio', { name: 'Hour' }).getAttribute('aria-checked'), 'true', 'the range from the URL');

    const cpu = page.locator(`p-busiest-hosts[data-plugin="${CPU}"]`);
    await assertVisible(cpu.locator('li').first().getByRole('link', { name: 'dash-web' }), 'dash-web the busiest CPU');
    assert.equal((await cpu.locator('li .value').first().textContent())?.trim(), '95 %');
    const disk = page.locator(`p-busiest-hosts[data-plugin="${DISK}"]`);
    assert.deepEqual((await disk.locator('li a').allTextContents()).map((t) => t.trim()), ['dash-db', 'dash-web', 'dash-idle'], 'disks highest first');
    await assertVisible(page.locator(`p-busiest-hosts[data-plugin="${MEMORY}"]`).getByRole('link', { name: 'dash-db' }), 'memory values');

    await assertVisible(page.locator('p-agents-offline').getByText('No agent is unreachable.'), 'no agent offline');
    await assertVisible(page.locator('.latest .transitions li').first(), 'stored transitions');
    await assertVisible(page.locator('.latest').getByText('dash-web · CPU load').first(), 'dash-web’s change of state in the history');
    // Nothing sticks out of the page sideways.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling at 1366 px');
    await shoot(page, 'dashboard-1366');
    noPageErrors();
  });

  it('3. drag across the chart of problems zooms into that span; Reset zoom goes back', async function () {
    this.timeout(60_000);
    const overTime = page.locator('p-problems-over-time');
    const asked: string[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/reports/problems-over-time') && r.status() === 200) asked.push(r.url());
    });
    await dragAcross(page, overTime, 0.3, 0.8);
    await page.waitForURL(/range=custom/);
    const url = new URL(page.url());
    const from = Number(url.searchParams.get('from'));
    const to = Number(url.searchParams.get('to'));
    assert.ok(to > from && to - from < 3_600_000 * 0.6 && to - from > 3_600_000 * 0.4, `about half of the hour: ${to - from} ms`);
    // The chart now shows that span, as the core answered it.
    await poll('the zoomed range asked for', () => (asked.some((u) => u.includes(`from=${from}`) && u.includes(`to=${to}`)) ? true : undefined), 10_000);
    const reset = overTime.getByRole('button', { name: 'Reset zoom' });
    await assertVisible(reset, 'Reset zoom');
    await shoot(page, 'dashboard-zoomed-1366');
    await reset.click();
    await page.waitForURL((u) => u.searchParams.get('range') === 'hour');
    await assertVisible(overTime.getByRole('radio', { name: 'Hour', checked: true }), 'back to the last hour');
    assert.equal(await reset.count(), 0, 'no Reset zoom after it');
    noPageErrors();
  });

  it('4. a host’s CPU chart: 0–100 % axis, threshold bands, the line in its band’s colour, statistics, zoom', async function () {
    this.timeout(60_000);
    assert.ok(core);
    await page.goto(`${core.url}/hosts/${hostIds['dash-web']}/detail?range=hour`);
    const card = page.locator(`[data-plugin="${CPU}"]`);
    const chart = card.locator('p-chart');
    await assertVisible(chart.locator('ngx-charts-line-chart svg'), 'the CPU chart');
    await assertVisible(chart.locator('.bands').getByText('Minor 75 % – 90 %'), 'the minor band in words');
    await assertVisible(chart.locator('.bands').getByText('Major ≥ 90 %'), 'the major band in words');
    await assertVisible(chart.locator('.stats').getByText('95 %').first(), 'the statistics with the unit');
    assert.match((await chart.locator('.stats').textContent()) ?? '', /min\s*95 %.*avg\s*95 %.*max\s*95 %.*last\s*95 %/s);
    // The axis runs to 100 % (the manifest's max), with the unit on its ticks.
    const ticks = (await chart.locator('g.y.axis text, g[ngx-charts-y-axis] text').allTextContents()).map((t) => t.trim());
    assert.ok(ticks.includes('100 %'), `y axis ticks ${ticks.join(', ')}`);
    // Bands are drawn as filled areas (one per band) and the line takes the major colour.
    assert.ok((await chart.locator('path.area').count()) >= 2, 'band areas');
    // The major band's threshold line and the data line (95 % is in the major band) both in the major colour.
    const strokes = await chart.locator('path.line').evaluateAll((paths) => paths.map((p) => p.getAttribute('stroke')));
    assert.ok(strokes.filter((s) => s === '#c62828').length >= 2, `a line in the major colour: ${strokes.join(', ')}`);
    // A tooltip with the unit, 20 s before the end of the hour (the data is the last minutes).
    await chart.locator('rect.tooltip-area').first().scrollIntoViewIfNeeded();
    const area = await chart.locator('rect.tooltip-area').first().boundingBox();
    assert.ok(area);
    await page.mouse.move(area.x + area.width * (1 - 15 / 3600), area.y + area.height / 2);
    await assertVisible(page.locator('.ngx-charts-tooltip-content').getByText(/CPU busy: 95 %/), 'the tooltip with the unit');
    await shoot(page, 'host-cpu-1366');

    // The measurements are the last minute or two of the hour: a drag over the last tenth zooms
    // into its last six minutes, a second drag over the second half of those into three.
    await dragAcross(page, card, 0.9, 1);
    await page.waitForURL(/range=custom/);
    const span = () => {
      const u = new URL(page.url());
      return Number(u.searchParams.get('to')) - Number(u.searchParams.get('from'));
    };
    assert.ok(span() < 8 * 60_000, `about the last six minutes: ${span()} ms`);
    const six = span();
    await dragAcross(page, card, 0.5, 1);
    await page.waitForURL(() => span() < six * 0.75);
    const reset = card.getByRole('button', { name: 'Reset zoom' });
    await assertVisible(reset, 'Reset zoom on the chart');
    await assertVisible(page.locator(`[data-plugin="${MEMORY}"] p-chart`).getByRole('button', { name: 'Reset zoom' }), 'every chart of the page zoomed');
    await assertVisible(chart.locator('ngx-charts-line-chart svg'), 'the zoomed CPU chart');
    await shoot(page, 'host-cpu-zoomed-1366');
    await reset.click();
    await page.waitForURL((u) => u.searchParams.get('range') === 'hour');
    noPageErrors();
  });

  it('5. the dashboard and a host’s chart at 375 px', async function () {
    this.timeout(60_000);
    assert.ok(core && browser);
    const phone = await browser.newContext({ viewport: PHONE, timezoneId: 'UTC', locale: 'en-GB', storageState: await desk.storageState() });
    const p = await watchedPage(phone);
    await p.goto(`${core.url}/dashboard`);
    await assertVisible(p.locator('p-problems-now').getByRole('link', { name: 'dash-web · CPU load' }), 'problems now on a phone');
    await assertVisible(p.locator('p-problems-over-time ngx-charts-area-chart-stacked svg'), 'the chart on a phone');
    assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling at 375 px');
    await shoot(p, 'dashboard-375');
    await p.goto(`${core.url}/hosts/${hostIds['dash-web']}/detail?range=hour`);
    await assertVisible(p.locator(`[data-plugin="${CPU}"] p-chart .bands`), 'the bands on a phone');
    await shoot(p, 'host-cpu-375');
    await phone.close();
    noPageErrors();
  });

  it('6. a recovery reaches the open dashboard live, without a reload', async function () {
    this.timeout(RESULT_WAIT_MS + 30_000);
    assert.ok(core);
    await page.goto(`${core.url}/dashboard`);
    const now = page.locator('p-problems-now');
    await assertVisible(now.getByRole('link', { name: 'dash-web · CPU load' }), 'the problem before');
    let reloads = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) reloads++;
    });
    writeFileSync(scenarioFile, scenario({ ...FAULTY, 'dash-web': { cpu: 10, memory: 60, disk: 40 } }));
    // The CPU classifier looks at the worst of its last three values: three runs, then the change.
    await now.getByRole('link', { name: 'dash-web · CPU load' }).waitFor({ state: 'detached', timeout: RESULT_WAIT_MS });
    const recovery = page.locator('.latest li', { hasText: 'dash-web · CPU load' }).filter({ has: page.locator('.change p-severity-badge[data-severity="ok"]:last-child') });
    await assertVisible(recovery.first(), 'the recovery (→ OK) among the latest transitions');
    assert.equal(reloads, 0, 'the page was not reloaded');
    await shoot(page, 'dashboard-recovered-1366');
    noPageErrors();
  });
});
