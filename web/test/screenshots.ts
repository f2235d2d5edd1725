/**
 * Screenshots of the sign-in page, the dashboard and the configuration pages at phone (375 px) and desk (1280 px)
 * width, against the production build and the mock core. Run after `npx ng build`:
 *   npx tsx test/screenshots.ts
 * Writes web/test-output/*.png (git-ignored) for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startMockCore } from './mock-core.js';

const OUT = fileURLToPath(new URL('../test-output/', import.meta.url));
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/lib/chromium/chromium';

mkdirSync(OUT, { recursive: true });
const core = await startMockCore(0);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // No network but 127.0.0.1: the console must not need the Internet.
  args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--disable-background-networking', '--disable-component-update'],
  timeout: 30_000,
});
try {
  for (const [label, width, height] of [
    ['phone', 375, 812],
    ['desktop', 1280, 800],
  ] as const) {
    core.signedIn = false;
    const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => msg.type() === 'error' && !msg.text().includes('401') && problems.push(`console: ${msg.text()}`));
    await page.goto(core.url + '/dashboard');
    await page.waitForURL(/\/login/);
    await page.getByLabel('User name').waitFor();
    await page.screenshot({ path: `${OUT}login-${label}.png`, fullPage: true });
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard/);
    await page.getByText('Latest transitions').waitFor();
    await page.getByText('mail-server · io.prophasis.mail-queue').waitFor();
    await page.screenshot({ path: `${OUT}dashboard-${label}.png`, fullPage: true });
    if (label === 'phone') {
      await page.getByRole('button', { name: 'Open navigation' }).click();
      await page.getByRole('link', { name: 'System log' }).waitFor();
      await page.screenshot({ path: `${OUT}navigation-${label}.png` });
      await page.getByRole('link', { name: 'Hosts', exact: true }).click();
      await page.locator('mat-sidenav').waitFor({ state: 'hidden' });
      await page.locator('mat-card', { hasText: 'db-primary' }).waitFor();
    } else {
      await page.getByRole('link', { name: 'Hosts', exact: true }).click();
      await page.locator('td', { hasText: 'db-primary' }).waitFor();
    }
    await page.screenshot({ path: `${OUT}hosts-${label}.png`, fullPage: true });
    await page.goto(core.url + '/hosts/1');
    await page.waitForFunction(() => document.querySelector('textarea')?.value.includes('Postfix'));
    await page.screenshot({ path: `${OUT}host-form-${label}.png`, fullPage: true });
    // Configuration pages: each list, then a form with everything filled in.
    const shots: [name: string, path: string, ready: string][] = [
      ['groups', '/host-groups', 'production'],
      ['group-form', '/host-groups/3', 'Member groups'],
      ['checks', '/checks', 'web front ends'],
      ['check-form', '/checks/1', 'Warn at (%)'],
      ['schedules', '/schedules', 'nightly'],
      ['schedule-form', '/schedules/1', 'Next runs'],
      ['services', '/services', 'web shop'],
      ['service-form', '/services/1', 'mail-server'],
      ['alerts', '/alerts', 'disk filling'],
      ['alert-form', '/alerts/1', 'Slack incoming webhook'],
      ['plugins', '/plugins', 'CPU load'],
      ['plugin', '/plugins/1', 'Waiting for an administrator'],
      ['users', '/users', 'night-shift'],
      ['settings', '/settings', 'Mail server'],
      ['system-log', '/system-log', 'refused connection'],
    ];
    for (const [name, path, ready] of shots) {
      await page.goto(core.url + path);
      await page.getByText(ready).first().waitFor();
      await page.waitForLoadState('networkidle').catch(() => undefined);
      // The page scrolls inside the sidenav content, not the document: grow the viewport to it.
      const tall = await page.evaluate(() => document.querySelector('mat-sidenav-content')?.scrollHeight ?? 0);
      await page.setViewportSize({ width, height: Math.max(height, Math.min(tall + 70, 6000)) });
      await page.screenshot({ path: `${OUT}${name}-${label}.png`, fullPage: true });
      await page.setViewportSize({ width, height });
    }
    if (label === 'desktop') {
      // The picker dialog of a service box.
      await page.goto(core.url + '/services/1');
      await page.getByText('mail-server').first().waitFor();
      await page.getByRole('button', { name: 'Add dependency' }).click();
      await page.getByRole('dialog').getByText('web-1').waitFor();
      await page.screenshot({ path: `${OUT}service-picker-${label}.png` });
    }
    await context.close();
    if (problems.length > 0) console.log(`${label}: ${problems.join('\n')}`);
    console.log(`${label}: saved login, dashboard, hosts, host-form and the configuration pages`);
  }
} finally {
  await browser.close();
  await core.close();
}
