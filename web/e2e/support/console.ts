import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

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
