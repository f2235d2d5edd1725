/**
 * Screenshots of the report pages (host health, host detail, service health, service detail,
 * dashboard) at phone (375 px) and desk (1280 px) width, against a production build and the
 * report mock (test/mock-reports.ts). Run:
 *   npx ng build --output-path /tmp/web3-dist && npx tsx test/screenshots-reports.ts [build/browser]
 * Writes web/test-output/reports/*.png for a person to look at; exits non-zero when a page
 * did not show what it should or logged an error.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { startMockReports } from './mock-reports.js';

const OUT = fileURLToPath(new URL('../test-output/reports/', import.meta.url));
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/lib/chromium/chromium';
const ROOT = process.argv[2] ?? '/tmp/web3-dist/browser';

mkdirSync(OUT, { recursive: true });
const mock = await startMockReports({ root: ROOT });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // No network but 127.0.0.1: the console must not need the Internet.
  args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--disable-background-networking', '--disable-component-update'],
  timeout: 30_000,
});

/** The page scrolls inside the sidenav content, not the document: grow the viewport to it first. */
async function shoot(page: Page, name: string, width: number, height: number): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  const tall = await page.evaluate(() => document.querySelector('mat-sidenav-content')?.scrollHeight ?? 0);
  await page.setViewportSize({ width, height: Math.max(height, Math.min(tall + 70, 8000)) });
  await page.screenshot({ path: `${OUT}${name}.png`, fullPage: true });
  await page.setViewportSize({ width, height });
}

let failed = false;
try {
  for (const [label, width, height] of [
    ['phone', 375, 812],
    ['desktop', 1280, 800],
  ] as const) {
    const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => msg.type() === 'error' && problems.push(`console: ${msg.text()}`));

    await page.goto(mock.url + '/dashboard');
    await page.getByText('mail-server · Mail queue').waitFor();
    await page.getByText('Agent unreachable').waitFor();
    await shoot(page, `dashboard-${label}`, width, height);

    await page.goto(mock.url + '/hosts');
    await page.locator('[data-severity="major"]', { hasText: 'mail-server' }).first().waitFor();
    await shoot(page, `host-health-${label}`, width, height);

    await page.goto(mock.url + '/hosts/1/detail');
    await page.locator('[data-plugin="io.prophasis.disk"] ngx-charts-line-chart').waitFor();
    await page.getByText('md0: clean').waitFor();
    await shoot(page, `host-detail-${label}`, width, height);

    await page.getByRole('radio', { name: 'Last week' }).click().catch(async () => page.getByText('Last week').click());
    await page.waitForURL(/range=week/);
    await page.getByText('averages per hour').waitFor();
    await shoot(page, `host-detail-week-${label}`, width, height);

    await page.getByText('Custom', { exact: true }).click();
    await page.getByLabel('From').waitFor();
    await shoot(page, `host-detail-custom-${label}`, width, height);

    await page.goto(mock.url + '/reports/services');
    await page.locator('[data-severity="minor"]', { hasText: 'web shop' }).first().waitFor();
    await shoot(page, `service-health-${label}`, width, height);

    await page.getByRole('link', { name: 'web shop' }).click();
    await page.locator('[data-box="front ends"]').waitFor();
    await page.getByRole('link', { name: 'db-replica' }).waitFor();
    await shoot(page, `service-detail-${label}`, width, height);

    await context.close();
    if (problems.length > 0) {
      failed = true;
      console.log(`${label}: ${problems.join('\n')}`);
    }
    console.log(`${label}: saved dashboard, host-health, host-detail (day, week, custom), service-health, service-detail`);
  }
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await browser.close();
  await mock.close();
}
process.exitCode = failed ? 1 : 0;
