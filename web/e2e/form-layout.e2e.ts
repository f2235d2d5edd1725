import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { compile } from 'sass';
import { chromiumMissing, launchBrowser } from './support/browser.js';

/**
 * Issue 21: desktop forms used half the screen. The console's global styles (compiled from
 * `src/styles.scss` as the build does) in a real Chromium: on a desk a configuration form is
 * wide and puts its fields in two columns, lists and buttons across both; on a phone, and for
 * the sign-in card, one column as before.
 */
describe('form layout (global styles, real browser)', function () {
  let browser: Browser | undefined;
  let css = '';

  before(async function () {
    if (chromiumMissing()) this.skip();
    const styles = fileURLToPath(new URL('../src/styles.scss', import.meta.url));
    css = compile(styles, { loadPaths: [fileURLToPath(new URL('../../node_modules', import.meta.url))], silenceDeprecations: ['import'] }).css;
    browser = await launchBrowser();
  });
  after(async () => browser?.close());

  const form = (wrapper: string) => `
    <style>${css} mat-form-field { display: block; height: 56px; } .list { height: 120px; }</style>
    ${wrapper.replace(
      '%',
      `<form class="p-form">
        <mat-form-field id="name">Name</mat-form-field>
        <mat-form-field id="description">Description</mat-form-field>
        <div class="list" id="checks">Checks</div>
        <mat-form-field id="every">Every</mat-form-field>
        <div class="p-form-actions" id="actions"><button>Save</button></div>
      </form>`,
    )}`;

  async function boxes(width: number, wrapper: string): Promise<Record<string, { x: number; y: number; width: number }>> {
    const page = await browser!.newPage({ viewport: { width, height: 900 } });
    try {
      await page.setContent(form(wrapper));
      return await page.evaluate(() =>
        Object.fromEntries(
          ['name', 'description', 'checks', 'every', 'actions'].map((id) => {
            const r = document.getElementById(id)!.getBoundingClientRect();
            return [id, { x: r.x, y: r.y, width: r.width }];
          }),
        ),
      );
    } finally {
      await page.close();
    }
  }

  it('puts fields side by side on a 1366 px desk and uses more than 640 px', async () => {
    const b = await boxes(1366, '<section class="p-page">%</section>');
    assert.equal(b['name']!.y, b['description']!.y, 'name and description share a row');
    assert.ok(b['description']!.x > b['name']!.x + b['name']!.width, 'description is right of name');
    assert.ok(b['checks']!.width > 1000, `the list spans both columns (${b['checks']!.width} px)`);
    assert.ok(b['actions']!.width > 1000, 'the buttons span both columns');
    assert.ok(b['checks']!.y > b['name']!.y);
  });

  it('keeps one column on a 375 px phone', async () => {
    const b = await boxes(375, '<section class="p-page">%</section>');
    assert.ok(b['description']!.y > b['name']!.y, 'description below name');
    assert.equal(b['name']!.x, b['description']!.x);
  });

  it('keeps the sign-in card (a form outside a page) in one column on a desk', async () => {
    const b = await boxes(1366, '<div class="auth">%</div>');
    assert.ok(b['description']!.y > b['name']!.y);
    assert.ok(b['name']!.width <= 640);
  });
});
