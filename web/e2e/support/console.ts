import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { chromiumMissing, launchBrowser } from './browser.js';
import { tail } from './processes.js';
import { ensureConsoleBuild, startCore, type RunningCore } from './system.js';

/** The phone the suites look at pages with. */
export const PHONE = { width: 375, height: 812 } as const;

/** The console's first-run setup through the core's one-time link: the first administrator, then the dashboard. */
export async function createFirstAdministrator(page: Page, setupLink: string, admin: { name: string; password: string }): Promise<void> {
  await page.goto(setupLink);
  await page.getByLabel('Administrator name').fill(admin.name);
  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await page.getByLabel('Repeat password').fill(admin.password);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await page.waitForURL(/\/dashboard$/);
}

/** The REST API with a browser context's session (a script's view of the core): the JSON of a 2xx answer, else a failed assertion naming the answer. */
export function apiOf(context: () => BrowserContext, baseUrl: () => string) {
  return async <T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, data?: unknown): Promise<T> => {
    const res = await context().request.fetch(`${baseUrl()}/api/${path}`, { method, ...(data === undefined ? {} : { data }) });
    assert.ok(res.ok(), `${method} /api/${path}: ${res.status()} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

/**
 * The same page at 375 px, signed in as `desk`'s user: `ready` waits for what must show, the
 * screenshot goes to `dir/<name>-phone.png`, and the page must not be wider than the phone.
 * Page errors are reported through `onError`.
 */
export async function phoneShot(
  browser: Browser,
  desk: BrowserContext,
  options: { url: string; dir: string; name: string; onError: (message: string) => void },
  ready: (p: Page) => Promise<void>,
): Promise<void> {
  const phone = await browser.newContext({ viewport: PHONE, timezoneId: 'UTC', locale: 'en-GB', storageState: await desk.storageState() });
  try {
    const p = await phone.newPage();
    p.on('pageerror', (err) => options.onError(`page error on ${p.url()} (phone): ${err.message}`));
    await p.goto(options.url);
    await ready(p);
    await p.screenshot({ path: join(options.dir, `${options.name}-phone.png`), fullPage: true });
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `${options.name} fits a 375 px phone (${overflow} px too wide)`);
  } finally {
    await phone.close();
  }
}

/** What {@link useConsoleSuite} gives a suite once its `before` ran. */
export interface ConsoleSuite {
  dataDir: string;
  core: RunningCore;
  browser: Browser;
  /** The desktop context (1366 × 900, UTC, en-GB) and its page (20-s default timeout). */
  desk: BrowserContext;
  page: Page;
  /** Page errors seen so far; a step asserts it empty (`problems.splice(0)`). */
  problems: string[];
}

/**
 * The harness of a browser suite against one real core (SQLite in a temporary data directory):
 * registers the suite's `before` (the console build, the core, Chromium, a desktop page that
 * records page errors; skipped without Chromium), `after` (the core's output when a step failed,
 * everything stopped and removed) and `afterEach` (a screenshot of a failed step as
 * `<screenshots>/failed.png`). Call it inside `describe`; read the fields in the steps.
 */
export function useConsoleSuite(options: { screenshots: string; dataDirPrefix: string; context?: BrowserContextOptions }): ConsoleSuite {
  const suite = { problems: [] as string[] } as ConsoleSuite;
  let failed = false;

  before(async function () {
    if (chromiumMissing()) this.skip();
    this.timeout(360_000);
    await ensureConsoleBuild();
    suite.dataDir = mkdtempSync(join(tmpdir(), options.dataDirPrefix));
    rmSync(options.screenshots, { recursive: true, force: true });
    mkdirSync(options.screenshots, { recursive: true });
    suite.core = await startCore(suite.dataDir);
    suite.browser = await launchBrowser();
    suite.desk = await suite.browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: 'UTC', locale: 'en-GB', ...options.context });
    const page = (suite.page = await suite.desk.newPage());
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => suite.problems.push(`page error on ${page.url()}: ${err.message}`));
  });

  after(async function () {
    this.timeout(60_000);
    if (failed && suite.core) console.log(`\n--- core output (tail) ---\n${tail(suite.core.process.output(), 4000)}`);
    await suite.browser?.close().catch(() => undefined);
    await suite.core?.process.stop();
    if (suite.dataDir) rmSync(suite.dataDir, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    failed = true;
    const page = suite.page;
    if (page && !page.isClosed()) await page.screenshot({ path: join(options.screenshots, 'failed.png'), fullPage: true }).catch(() => undefined);
  });

  return suite;
}
