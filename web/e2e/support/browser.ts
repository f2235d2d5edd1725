import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium; CI installs it (`apt-get install chromium`). `CHROMIUM_PATH` points elsewhere. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/lib/chromium/chromium';

export const chromiumMissing = (): boolean => !existsSync(CHROMIUM);

/**
 * Headless Chromium that resolves no host name except 127.0.0.1: the console must work without
 * the Internet, and a request to anywhere else fails visibly instead of leaking.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--disable-background-networking', '--disable-component-update'],
    timeout: 60_000,
  });
}
