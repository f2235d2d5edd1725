/**
 * The whole system through a real browser (docs/testing.md): a real core (`npx prophasis start`,
 * SQLite in a temporary data directory), simulated agents (`npx prophasis-agent simulate`) and
 * Debian's Chromium driven by playwright-core. One story, in order; each step asserts what a
 * person would see. Screenshots land in web/test-output/e2e/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { chromiumMissing, CHROMIUM, launchBrowser } from './support/browser.js';
import { poll } from './support/poll.js';
import type { Started } from './support/processes.js';
import { tail } from './support/processes.js';
import { addUser, agentEnrol, ensureConsoleBuild, hostAddToken, startCore, startSimulator, WEB_DIR, type RunningCore } from './support/system.js';
import { startWebhookReceiver } from './support/webhook.js';

const SCREENSHOTS = join(WEB_DIR, 'test-output/e2e');
const ADMIN = { name: 'e2e-admin', password: 'correct horse battery staple' };
const VIEWER = { name: 'e2e-viewer', password: 'viewer sees but never touches' };
const PLUGIN = 'io.prophasis.cpu-load';
/** The check's `majorAbove` parameter; the scenario's fault value lies between it and the plugin's default (90), so "major" proves the parameter reached the classifier. */
const MAJOR_ABOVE = 80;
const FAULT_VALUE = 85;
/** Interval rows of the schedule, each every minute, started evenly apart: a run every 15 s. */
const SLOTS_PER_MINUTE = 4;
/** Two runs, delivery, classification and the page's coalesced reload, on a loaded machine. */
const RESULT_WAIT_MS = 60_000;
const HOOK_TOKEN = 'e2e-webhook-bearer-token';
const DESK = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };

function scenario(alpha: number, beta: number): string {
  return `${JSON.stringify({ hosts: { 'e2e-alpha': { [PLUGIN]: { value: alpha } }, 'e2e-beta': { [PLUGIN]: { value: beta } } } }, null, 2)}\n`;
}

/** `YYYY-MM-DDTHH:mm:ss` in UTC, the value of a datetime-local input in a browser whose time zone is UTC. */
const utcLocalInput = (ms: number) => new Date(ms).toISOString().slice(0, 19);

describe('Prophasis end to end: console, core and simulated agents', function () {
  this.bail(true);
  this.timeout(60_000);

  let dataDir: string;
  let core: RunningCore | undefined;
  let simulator: Started | undefined;
  let browser: Browser | undefined;
  let admin: BrowserContext;
  let page: Page;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;
  const hostIds: Record<'alpha' | 'beta', number> = { alpha: 0, beta: 0 };
  const tickets: Partial<Record<'alpha' | 'beta', { token: string; caFingerprint: string }>> = {};
  let checkId = 0;
  let serviceId = 0;
  let scenarioFile: string;
  const problems: string[] = [];
  let failed = false;

  /** A page that records script errors, so a broken console fails the step that broke it. */
  async function watchedPage(context: BrowserContext): Promise<Page> {
    const p = await context.newPage();
    p.setDefaultTimeout(20_000);
    p.on('pageerror', (err) => problems.push(`page error on ${p.url()}: ${err.message}`));
    return p;
  }

  function noPageErrors(): void {
    assert.deepEqual(problems.splice(0), [], 'the console threw errors');
  }

  before(async function () {
    if (chromiumMissing()) {
       
      console.warn(`\n  Skipping the end-to-end suite: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).\n`);
      this.skip();
    }
    this.timeout(360_000);
    if ((await ensureConsoleBuild()) === 'built') {
       
      console.log('  (built the console first: web/dist was missing or older than its sources)');
    }
    dataDir = mkdtempSync(join(tmpdir(), 'prophasis-e2e-'));
    scenarioFile = join(dataDir, 'scenario.json');
    writeFileSync(scenarioFile, scenario(12, 20));
    // Only this run's pictures, so a stale failure screenshot never misleads.
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    hook = await startWebhookReceiver();
    // Assigned one by one: if either start fails, `after` still stops the other.
    const starting = startCore(dataDir).then((c) => (core = c));
    browser = await launchBrowser().catch(async (err: unknown) => {
      await starting.catch(() => undefined); // so that `after` finds the core and stops it
      throw err;
    });
    await starting;
    // UTC, so the schedule's start typed into the form means the same instant here and there.
    admin = await browser.newContext({ viewport: DESK, timezoneId: 'UTC', locale: 'en-GB' });
    page = await watchedPage(admin);
  });

  after(async function () {
    this.timeout(60_000);
    if (failed && core) {
       
      console.log(`\n--- core output (tail) ---\n${tail(core.process.output(), 4000)}\n--- simulator output (tail) ---\n${tail(simulator?.output() ?? '', 2000)}`);
    }
    await browser?.close().catch(() => undefined);
    await simulator?.stop();
    await core?.process.stop();
    await hook?.close();
    if (!dataDir) return;
    if (process.env['PROPHASIS_E2E_KEEP_DATA']) {
       
      console.log(`  (kept the run's data directory: ${dataDir})`);
    } else {
      rmSync(dataDir, { recursive: true, force: true });
    }
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

  it('1. first-run setup through the one-time link, sign out, a refused and an accepted sign-in', async function () {
    assert.ok(core);
    await page.goto(core.setupLink);
    await page.getByRole('heading', { name: 'Set up Prophasis' }).waitFor();
    await page.getByLabel('Administrator name').fill(ADMIN.name);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Repeat password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await assertVisible(page.locator('mat-toolbar').getByText(ADMIN.name), 'the signed-in administrator in the toolbar');

    // The link works once: setup is over.
    const again = await page.request.get(`${core.url}/api/setup`);
    assert.equal(again.status(), 200);
    assert.equal(((await again.json()) as { required: boolean }).required, false);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);

    await page.getByLabel('User name').fill(ADMIN.name);
    await page.getByLabel('Password').fill('not the password at all');
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    const answer = await refused;
    assert.equal(answer.status(), 401);
    const body = (await answer.json()) as { code: string; message: string };
    assert.equal(body.code, 'CORE_API_BAD_CREDENTIALS');
    // The page shows the API's own words, and stays on the sign-in page.
    await assertVisible(page.getByRole('alert').filter({ hasText: body.message }), `the API's message “${body.message}”`);
    assert.match(page.url(), /\/login/);

    // The refusal changed nothing: the right password still works.
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    noPageErrors();
  });

  it('2. configures hosts, a group, a check with a parameter, a schedule, a service and an alert through the forms', async function () {
    this.timeout(240_000); // the first enrolment builds the agent packages
    assert.ok(core && hook);
    for (const key of ['alpha', 'beta'] as const) {
      await page.goto(`${core.url}/hosts`);
      await page.getByRole('link', { name: 'Add host' }).click();
      await page.waitForURL(/\/hosts\/new$/);
      await page.getByLabel('Name', { exact: true }).fill(`e2e-${key}`);
      await page.getByLabel('Description').fill(`simulated ${key} host`);
      await page.getByRole('button', { name: 'Add host' }).click();
      // A new host opens on its own page: its agent is not enrolled yet, and the page offers the
      // one install line (package hash, CA fingerprint, single-use token) and the enrol command,
      // with Copy buttons. The first answer waits for the core to build the agent packages.
      await page.waitForURL(/\/hosts\/\d+$/);
      hostIds[key] = Number(new URL(page.url()).pathname.split('/').pop());
      await assertVisible(page.getByText('Waiting for enrolment'), `e2e-${key} waiting for its agent`);
      const enrol = page.locator('p-command-box', { hasText: 'Enrol command' });
      const command = await enrol
        .locator('pre')
        .textContent({ timeout: 120_000 })
        .catch(() => null);
      if (command) {
        const install = await page.locator('p-command-box', { hasText: 'Install command' }).locator('pre').textContent();
        assert.match(install ?? '', new RegExp(`^curl -fsSL ${core.url.replace(/\./g, '\\.')}/install\\.sh \\| sudo sh -s -- .*--sha256 [0-9a-f]{64}$`), 'the one install line');
        await assertVisible(enrol.getByRole('button', { name: 'Copy Enrol command' }), 'the Copy button');
        const m = command.match(/--server (\S+) --token (\S+) --ca-fingerprint ([0-9a-f]{64})/);
        assert.ok(m, `an enrol command with server, token and fingerprint: ${command}`);
        assert.equal(m[1], `127.0.0.1:${core.mqttPort}`, 'the command names the MQTT/TLS address the browser reached the core at');
        tickets[key] = { token: m[2] as string, caFingerprint: m[3] as string };
      }
    }

    await page.goto(`${core.url}/host-groups`);
    await page.getByRole('link', { name: 'Add host group' }).click();
    await formReady(page, 'Add host group');
    const members = page.getByRole('group', { name: 'Member hosts' });
    await members.getByRole('checkbox', { name: /^e2e-alpha/ }).check();
    await page.getByLabel('Name', { exact: true }).fill('e2e-servers');
    await members.getByRole('checkbox', { name: /^e2e-beta/ }).check();
    await page.getByRole('button', { name: 'Add host group' }).click();
    await page.waitForURL(/\/host-groups$/);
    await assertVisible(page.getByRole('link', { name: 'e2e-servers' }).first(), 'the new group in the list');

    await page.goto(`${core.url}/checks`);
    await page.getByRole('link', { name: 'Add check' }).click();
    await formReady(page, 'Add check');
    await page.getByRole('group', { name: 'Host groups' }).getByRole('checkbox', { name: /^e2e-servers/ }).check();
    await page.getByLabel('Name', { exact: true }).fill('e2e-cpu');
    const plugins = page.getByRole('group', { name: 'Plugins', exact: true });
    await page.getByLabel('Search plugins').fill('cpu');
    await plugins.getByRole('checkbox', { name: /CPU load/ }).check();
    // The parameter form is generated from the plugin's manifest.
    const params = page.locator('mat-card', { hasText: `${PLUGIN} · parameters` });
    await params.getByLabel('Major above').fill(String(MAJOR_ABOVE)); // the key in words (schema-form keyLabel)
    await page.getByRole('button', { name: 'Add check' }).click();
    await page.waitForURL(/\/checks$/);
    await page.getByRole('link', { name: 'e2e-cpu' }).first().click();
    await page.waitForURL(/\/checks\/\d+$/);
    checkId = Number(new URL(page.url()).pathname.split('/').pop());
    await assertValue(page.locator('mat-card', { hasText: `${PLUGIN} · parameters` }).getByLabel('Major above'), String(MAJOR_ABOVE));

    await page.goto(`${core.url}/schedules`);
    await page.getByRole('link', { name: 'Add schedule' }).click();
    await formReady(page, 'Add schedule');
    await page.getByRole('group', { name: 'Checks' }).getByRole('checkbox', { name: /^e2e-cpu/ }).check();
    await page.getByLabel('Name', { exact: true }).fill('e2e-every-minute');
    // Four rows, each every minute (the form's smallest unit), started 15 s apart: a run every
    // 15 s, so results and the fault arrive within seconds. Starts in the past (seconds typed
    // into the datetime-local field) so the next run is not the next full hour.
    const base = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
    for (let i = 0; i < SLOTS_PER_MINUTE; i++) {
      if (i > 0) await page.getByRole('button', { name: 'Add interval' }).click();
      const row = page.locator('.intervals .row').nth(i);
      await row.getByLabel('Start').fill(utcLocalInput(base + (i * 60_000) / SLOTS_PER_MINUTE));
      await row.getByLabel('Every', { exact: true }).fill('1');
      await row.getByRole('combobox', { name: 'Unit' }).click();
      await page.getByRole('option', { name: 'minutes', exact: true }).click();
    }
    const runs = page.locator('.next li');
    await poll('three next runs', async () => ((await runs.count()) === 3 ? true : undefined), 10_000);
    const seconds = (await runs.allInnerTexts()).map((t) => {
      const [h, m, sec] = (t.match(/(\d\d):(\d\d):(\d\d)$/) ?? []).slice(1).map(Number) as [number, number, number];
      return h * 3600 + m * 60 + sec;
    });
    assert.deepEqual([seconds[1]! - seconds[0]!, seconds[2]! - seconds[1]!], [15, 15], `next runs ${seconds.join(', ')}`);
    await page.getByRole('button', { name: 'Add schedule' }).click();
    await page.waitForURL(/\/schedules$/);
    await assertVisible(page.getByRole('link', { name: 'e2e-every-minute' }).first(), 'the new schedule in the list');

    // Issue 21: seconds in the form (the API's one second is the shortest), and a new interval
    // starts now, aligned to its period: the first run comes within one period, the next runs
    // are that far apart. Looked at, not saved.
    await page.getByRole('link', { name: 'Add schedule' }).click();
    await formReady(page, 'Add schedule');
    const fresh = page.locator('.intervals .row').first();
    await fresh.getByLabel('Every', { exact: true }).fill('30');
    await fresh.getByRole('combobox', { name: 'Unit' }).click();
    await page.getByRole('option', { name: 'seconds', exact: true }).click();
    const firstRun = await poll('the first run in seconds', async () => {
      const text = (await page.locator('.first-run').textContent().catch(() => null)) ?? '';
      return /Once saved, the first run is (now|at .* \(in \d+ s\))/.test(text) ? text : undefined;
    }, 10_000);
    const wait = Number(/\(in (\d+) s\)/.exec(firstRun)?.[1] ?? 0);
    assert.ok(wait <= 30, `the first run within one period of 30 s: ${firstRun}`);
    const every30 = (await page.locator('.next li').allInnerTexts()).map((t) => {
      const [h, m, sec] = (t.match(/(\d\d):(\d\d):(\d\d)$/) ?? []).slice(1).map(Number) as [number, number, number];
      return h * 3600 + m * 60 + sec;
    });
    assert.deepEqual([(every30[1]! - every30[0]! + 86_400) % 86_400, (every30[2]! - every30[1]! + 86_400) % 86_400], [30, 30], `next runs every 30 s: ${every30.join(', ')}`);
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(/\/schedules$/);

    await page.goto(`${core.url}/services`);
    await page.getByRole('link', { name: 'Add service' }).click();
    await formReady(page, 'Add service');
    await page.getByRole('button', { name: 'Add dependency' }).click();
    await pickInDialog(page, [/^e2e-alpha/]);
    await page.getByLabel('Name', { exact: true }).fill('e2e-shop');
    await assertVisible(page.locator('.dependencies').getByText('e2e-alpha'), 'e2e-alpha as a dependency');
    await page.getByRole('button', { name: 'Add redundancy group' }).click();
    const groupName = page.getByLabel('Redundancy group', { exact: true });
    await groupName.fill('web pair');
    const box = page.getByRole('region', { name: 'Redundancy group web pair' });
    await box.getByRole('button', { name: 'Add member' }).click();
    await pickInDialog(page, [/^e2e-alpha/, /^e2e-beta/]);
    await assertVisible(box.getByText('e2e-beta'), 'e2e-beta in the redundancy group');
    await page.getByRole('button', { name: 'Add service' }).click();
    await page.waitForURL(/\/services$/);
    await page.getByRole('link', { name: 'e2e-shop' }).first().click();
    await page.waitForURL(/\/services\/\d+$/);
    serviceId = Number(new URL(page.url()).pathname.split('/').pop());

    await page.goto(`${core.url}/alerts`);
    await page.getByRole('link', { name: 'Add alert' }).click();
    await formReady(page, 'Add alert');
    await page.getByRole('button', { name: 'Add host groups to the scope' }).click();
    await pickInDialog(page, [/^e2e-servers/]);
    await page.getByLabel('Name', { exact: true }).fill('e2e-major');
    // Default states: from OK to Major or Minor.
    await assertPressed(page.getByRole('group', { name: 'From states' }).getByRole('button', { name: 'OK' }));
    await assertPressed(page.getByRole('group', { name: 'To states' }).getByRole('button', { name: 'Major' }));
    await assertVisible(page.locator('[data-scope="groupIds"]').getByText('e2e-servers'), 'the group in the scope');
    await page.getByRole('combobox', { name: 'Send with' }).click();
    await page.getByRole('option', { name: 'Webhook' }).click();
    await page.getByLabel('URL').fill(`${hook.url}/prophasis`);
    await page.getByLabel('token').fill(HOOK_TOKEN);
    await page.getByRole('button', { name: 'Add alert' }).click();
    await page.waitForURL(/\/alerts$/);
    await assertVisible(page.getByRole('link', { name: 'e2e-major' }).first(), 'the new alert in the list');
    noPageErrors();
  });

  it('3. enrols simulated agents for both hosts and shows their results and a chart', async function () {
    this.timeout(RESULT_WAIT_MS + 60_000);
    assert.ok(core);
    const tokens: string[] = [];
    let fingerprint = core.caFingerprint;
    for (const key of ['alpha', 'beta'] as const) {
      // The console's enrolment command when it showed one; else the API, else the CLI.
      let ticket = tickets[key];
      if (!ticket) {
         
        console.log(`  (the console showed no enrolment command for e2e-${key}: token from the API or the CLI)`);
        ticket = await enrolmentToken(core, hostIds[key], `e2e-${key}`);
      }
      tokens.push(ticket.token);
      fingerprint = ticket.caFingerprint;
    }
    assert.equal(fingerprint, core.caFingerprint, 'the enrolment command pins the CA the core printed');
    const tokensFile = join(dataDir, 'tokens.txt');
    writeFileSync(tokensFile, `${tokens.join('\n')}\n`, { mode: 0o600 });
    simulator = await startSimulator({ dataDir, agents: 2, scenario: scenarioFile, tokens: tokensFile, server: `127.0.0.1:${core.mqttPort}`, caFingerprint: fingerprint });

    // Host health: both agents connected (live, no reload needed).
    await page.goto(`${core.url}/hosts`);
    for (const key of ['alpha', 'beta'] as const) {
      await assertVisible(hostRow(page, `e2e-${key}`).getByText('Connected', { exact: true }), `e2e-${key} connected`, 30_000);
    }

    await page.goto(`${core.url}/hosts/${hostIds.alpha}/detail`);
    await page.getByRole('heading', { name: 'e2e-alpha' }).waitFor();
    const card = page.locator(`mat-card[data-plugin="${PLUGIN}"]`);
    await assertVisible(card.locator('p-severity-badge[data-severity="ok"]'), 'CPU load OK on e2e-alpha', RESULT_WAIT_MS);
    await assertVisible(card.locator('dd.value', { hasText: '12' }), 'the last value 12');
    await assertVisible(card.locator('ngx-charts-line-chart svg').first(), 'a chart of CPU load');
    await assertVisible(page.locator('.head p-severity-badge[data-severity="ok"]'), 'the host OK overall');
    noPageErrors();
  });

  it('4. a fault in the scenario turns the host red and the service critical, live, without a reload', async function () {
    this.timeout(RESULT_WAIT_MS + 60_000);
    assert.ok(core && hook);
    // Two open pages, one per report; a marker in each proves neither is reloaded.
    const services = await watchedPage(admin);
    await services.goto(`${core.url}/reports/services`);
    const serviceRow = services.locator('tr', { has: services.getByRole('link', { name: 'e2e-shop', exact: true }) });
    await assertVisible(serviceRow.locator('td > p-severity-badge[data-severity="ok"]'), 'e2e-shop OK before the fault', RESULT_WAIT_MS);
    await page.goto(`${core.url}/hosts`);
    const alpha = hostRow(page, 'e2e-alpha');
    await assertVisible(alpha.locator('p-severity-badge[data-severity="ok"]'), 'e2e-alpha OK before the fault');
    for (const p of [page, services]) await p.evaluate(() => ((window as unknown as Record<string, unknown>)['__e2eSameDocument'] = true));
    const hooksBefore = hook.received.length;

    writeFileSync(scenarioFile, scenario(FAULT_VALUE, 20));

    const badge = alpha.locator('p-severity-badge');
    await Promise.all([
      assertVisible(alpha.locator('p-severity-badge[data-severity="major"]', { hasText: 'Major' }), 'e2e-alpha Major on host health', RESULT_WAIT_MS),
      assertVisible(serviceRow.locator('td > p-severity-badge[data-severity="critical"]', { hasText: 'Critical' }), 'e2e-shop Critical on service health', RESULT_WAIT_MS),
    ]);
    // Red, as a person sees it: the badge's colour, not only its text.
    const colour = await badge.evaluate((el) => getComputedStyle(el).backgroundColor);
    const [r, g, b] = (colour.match(/\d+/g) ?? []).map(Number) as [number, number, number];
    assert.ok(r >= 150 && g <= 90 && b <= 90, `the Major badge is red, not ${colour}`);
    // Worst first: the faulty host heads the list; the dependency explains the service.
    assert.equal(await page.locator('tbody tr').first().locator('td.name').innerText(), 'e2e-alpha');
    await assertVisible(serviceRow.locator('li', { hasText: 'e2e-alpha' }).locator('p-severity-badge[data-severity="critical"]'), 'the dependency contributing Critical');
    // One of two members failed: the redundancy group holds, degraded (docs/services.md).
    await assertVisible(serviceRow.locator('li', { hasText: 'web pair' }).locator('p-severity-badge[data-severity="degraded"]'), 'the redundancy group Degraded');
    for (const p of [page, services]) {
      assert.equal(await p.evaluate(() => (window as unknown as Record<string, unknown>)['__e2eSameDocument']), true, `${p.url()} was reloaded`);
    }

    // The service detail shows the same, member by member.
    await services.goto(`${core.url}/reports/services/${serviceId}`);
    await assertVisible(services.locator('.head p-severity-badge[data-severity="critical"]'), 'the service Critical on its page');
    await assertVisible(services.locator('[data-box="web pair"]').getByRole('link', { name: 'e2e-beta' }), 'e2e-beta listed in its redundancy group');
    await services.close();

    // The alert fired: one webhook POST for the change to Major.
    const notice = await poll(
      'the webhook POST for e2e-alpha → major',
      () =>
        hook?.received
          .slice(hooksBefore)
          .map((h) => JSON.parse(h.body) as { to: string; target: { name: string }; alert: { name: string } })
          .find((n) => n.to === 'major' && n.target.name === 'e2e-alpha'),
      30_000,
    );
    assert.equal(notice.alert.name, 'e2e-major');
    const delivery = hook.received.slice(hooksBefore).find((h) => h.body.includes('"e2e-alpha"'));
    assert.equal(delivery?.headers['authorization'], `Bearer ${HOOK_TOKEN}`, 'the bearer token from the form');
    assert.equal(delivery?.path, '/prophasis');
    noPageErrors();
  });

  it('5. a viewer sees no edit controls and the API refuses their changes', async function () {
    assert.ok(core && browser);
    const created = await addUser(dataDir, VIEWER.name, 'viewer', VIEWER.password);
    assert.match(created, /created/);
    const context = await browser.newContext({ viewport: DESK, timezoneId: 'UTC', locale: 'en-GB' });
    try {
      const viewer = await watchedPage(context);
      await viewer.goto(`${core.url}/login`);
      await viewer.getByLabel('User name').fill(VIEWER.name);
      await viewer.getByLabel('Password').fill(VIEWER.password);
      await viewer.getByRole('button', { name: 'Sign in' }).click();
      await viewer.waitForURL(/\/dashboard$/);

      await viewer.goto(`${core.url}/hosts`);
      await assertVisible(hostRow(viewer, 'e2e-alpha'), 'the hosts, readable');
      assert.equal(await viewer.locator('main').getByRole('link', { name: 'Add host' }).count(), 0, 'no Add host for a viewer');
      assert.equal(await viewer.locator('main').getByRole('link', { name: 'Settings' }).count(), 0, 'no host Settings for a viewer');

      await viewer.goto(`${core.url}/hosts/${hostIds.alpha}/detail`);
      await assertVisible(viewer.locator(`mat-card[data-plugin="${PLUGIN}"] ngx-charts-line-chart svg`), 'the host report with its chart, readable');
      assert.equal(await viewer.getByRole('button', { name: /^(Run now|Enrol agent|Revoke agent)$/ }).count(), 0, 'no Run now, Enrol or Revoke for a viewer');

      await viewer.goto(`${core.url}/checks`);
      await assertVisible(viewer.getByRole('link', { name: 'e2e-cpu' }).first(), 'the checks, readable');
      assert.equal(await viewer.getByRole('link', { name: 'Add check' }).count(), 0, 'no Add check for a viewer');
      assert.equal(await viewer.getByRole('button', { name: /Delete/ }).count(), 0, 'no Delete for a viewer');

      await viewer.goto(`${core.url}/checks/${checkId}`);
      await assertVisible(viewer.getByText('Your role can view checks but not change them.'), 'the read-only note');
      assert.equal(await viewer.getByRole('button', { name: /^(Save|Delete check)$/ }).count(), 0, 'no Save or Delete on the form');
      assert.equal(await viewer.getByLabel('Name', { exact: true }).isDisabled(), true, 'the fields are disabled');

      await viewer.goto(`${core.url}/services/${serviceId}`);
      await assertVisible(viewer.getByText('Your role can view services but not change them.'), 'the read-only service');
      assert.equal(await viewer.getByRole('button', { name: /Add dependency|Remove/ }).count(), 0, 'no structure editing for a viewer');

      // The API is the real guard: the viewer's own session cookie, a well-formed change, refused.
      const api = context.request;
      const refusals = [
        await api.post(`${core.url}/api/hosts`, { data: { name: 'e2e-intruder' } }),
        await api.put(`${core.url}/api/checks/${checkId}`, { data: { name: 'e2e-cpu', hostIds: [], groupIds: [], plugins: [] } }),
        await api.delete(`${core.url}/api/services/${serviceId}`),
      ];
      for (const r of refusals) {
        assert.equal(r.status(), 403, `${r.url()} answered ${r.status()}`);
        assert.equal(((await r.json()) as { code: string }).code, 'CORE_API_FORBIDDEN');
      }
      // Nothing changed, and the core still answers the viewer's reads.
      const hosts = await api.get(`${core.url}/api/hosts?q=e2e-intruder`);
      assert.equal(hosts.status(), 200);
      assert.equal(((await hosts.json()) as { total: number }).total, 0);
      const check = (await (await api.get(`${core.url}/api/checks/${checkId}`)).json()) as { groupIds: number[] };
      assert.equal(check.groupIds.length, 1, 'the check keeps its group');
      assert.equal((await api.get(`${core.url}/api/services/${serviceId}`)).status(), 200, 'the service still exists');
    } finally {
      await context.close();
    }
    noPageErrors();
  });

  it('6. saves screenshots of the main pages at 375 and 1280 px', async function () {
    this.timeout(120_000);
    assert.ok(core && browser);
    const state = await admin.storageState();
    const shots: [name: string, path: string, ready: (p: Page) => Locator][] = [
      ['dashboard', '/dashboard', (p) => p.getByRole('heading', { name: 'Dashboard' })],
      ['hosts', '/hosts', (p) => p.locator('[data-severity="major"]').getByText('Major').first()],
      // The last hour: raw results, so the two minutes of this run fill more than a pixel.
      ['host-detail', `/hosts/${hostIds.alpha}/detail?range=hour`, (p) => p.locator(`mat-card[data-plugin="${PLUGIN}"] ngx-charts-line-chart svg`).first()],
      ['check-form', `/checks/${checkId}`, (p) => p.getByLabel('Major above')],
      ['services', '/reports/services', (p) => p.getByRole('link', { name: 'e2e-shop' })],
      ['service-detail', `/reports/services/${serviceId}`, (p) => p.locator('[data-box="web pair"]')],
      ['alerts', '/alerts', (p) => p.getByRole('link', { name: 'e2e-major' }).first()],
      ['system-log', '/system-log', (p) => p.getByText(/enrolled/i).first()],
    ];
    for (const [label, size] of [
      ['phone', PHONE],
      ['desktop', DESK],
    ] as const) {
      const context = await browser.newContext({ viewport: size, timezoneId: 'UTC', locale: 'en-GB', storageState: state });
      try {
        const p = await watchedPage(context);
        for (const [name, path, ready] of shots) {
          await p.goto(`${core.url}${path}`);
          await ready(p).waitFor();
          await p.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => undefined);
          // The page scrolls inside the sidenav content, not the document: grow the viewport to it.
          const tall = await p.evaluate(() => document.querySelector('mat-sidenav-content')?.scrollHeight ?? 0);
          await p.setViewportSize({ width: size.width, height: Math.max(size.height, Math.min(tall + 70, 6000)) });
          const file = join(SCREENSHOTS, `${name}-${label}.png`);
          await p.screenshot({ path: file, fullPage: true });
          await p.setViewportSize(size);
          assert.ok(statSync(file).size > 10_000, `${file} looks empty`);
          if (label === 'phone') {
            // Nothing may stick out sideways at phone width.
            const wide = await p.evaluate(() => document.documentElement.scrollWidth);
            assert.ok(wide <= size.width + 1, `${path} is ${wide} px wide at ${size.width} px`);
          }
        }
      } finally {
        await context.close();
      }
    }
    noPageErrors();
  });

  it('7. agents that go away: Unreachable and Major on the host list and the host detail alike, plugins as last known, the system log says so', async function () {
    this.timeout(RESULT_WAIT_MS + 60_000);
    assert.ok(core && simulator);
    await page.goto(`${core.url}/hosts`);
    const beta = hostRow(page, 'e2e-beta');
    await assertVisible(beta.locator('p-severity-badge[data-severity="ok"]'), 'e2e-beta OK while its agent is connected');
    await simulator.stop();
    simulator = undefined;

    // After the grace period (5 s in this suite), live, without a reload.
    await assertVisible(beta.locator('[data-presence="unreachable"]', { hasText: 'Unreachable' }), 'e2e-beta Unreachable on host health', 30_000);
    await assertVisible(beta.locator('p-severity-badge[data-severity="major"]'), 'e2e-beta Major on host health');

    // The host detail tells the same: no green badge beside an unreachable agent.
    await page.goto(`${core.url}/hosts/${hostIds.beta}/detail?range=hour`);
    await assertVisible(page.locator('.head p-severity-badge[data-severity="major"]'), 'e2e-beta Major on its detail page too');
    await assertVisible(page.locator('dd.presence[data-presence="unreachable"]', { hasText: 'Unreachable' }), 'the agent Unreachable on the detail page');
    await assertVisible(page.locator('.last-known-note', { hasText: 'counts as Major' }), 'why the host is Major while its plugins show their last state');
    const card = page.locator(`mat-card[data-plugin="${PLUGIN}"]`);
    await assertVisible(card.locator('.plugin-state', { hasText: 'last known' }), 'CPU load shown as last known');
    await assertVisible(card.locator('ngx-charts-line-chart svg').first(), 'the chart of what came before');
    await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => undefined);
    // The page scrolls inside the sidenav content, not the document: grow the viewport to it.
    const tall = await page.evaluate(() => document.querySelector('mat-sidenav-content')?.scrollHeight ?? 0);
    await page.setViewportSize({ width: DESK.width, height: Math.max(DESK.height, Math.min(tall + 70, 6000)) });
    const file = join(SCREENSHOTS, 'host-detail-unreachable-desktop.png');
    await page.screenshot({ path: file, fullPage: true });
    await page.setViewportSize(DESK);
    assert.ok(statSync(file).size > 10_000, `${file} looks empty`);

    // The system log has the presence changes, naming the host.
    await page.goto(`${core.url}/system-log`);
    await assertVisible(page.getByText(/e2e-beta: agent disconnected/).first(), 'the disconnection in the system log');
    await assertVisible(page.getByText(/e2e-beta is unreachable: its agent has not been connected since/).first(), 'the unreachable host in the system log');
    noPageErrors();
  });

  it('8. acknowledges a problem from the console and sees the mark on the host list; silences a host from its page, and one plugin of another host from its card', async function () {
    assert.ok(core);
    await page.setViewportSize(DESK);
    await page.goto(`${core.url}/hosts/${hostIds.beta}/detail?range=hour`);
    await assertVisible(page.locator('.head p-severity-badge[data-severity="major"]'), 'e2e-beta still Major');
    // The host's own actions (each plugin card has its own too).
    await page.locator('p-problem-actions.problem').getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await page.getByLabel('Comment').fill('Replacing the switch');
    await page.getByRole('button', { name: 'Save acknowledgement' }).click();
    await assertVisible(page.locator('p-problem-actions.problem [data-mark="acknowledged"]', { hasText: `Acknowledged by ${ADMIN.name}` }), 'the acknowledgement on the host detail');

    await page.goto(`${core.url}/hosts`);
    await assertVisible(hostRow(page, 'e2e-beta').locator('[data-mark="acknowledged"]'), 'e2e-beta marked Acknowledged on the host list');
    assert.equal(await hostRow(page, 'e2e-alpha').locator('[data-mark="acknowledged"]').count(), 0, 'e2e-alpha is not acknowledged');
    const file = join(SCREENSHOTS, 'host-list-acknowledged-desktop.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(statSync(file).size > 10_000, `${file} looks empty`);

    // "Silence" on the host page opens the silences page with the host filled in.
    await page.goto(`${core.url}/hosts/${hostIds.beta}/detail?range=hour`);
    await page.locator('p-problem-actions.problem').getByRole('link', { name: 'Silence', exact: true }).click();
    await page.getByRole('heading', { name: 'Silences and maintenance', level: 1 }).waitFor();
    await page.getByLabel('Name').fill('Switch swap');
    await page.getByRole('button', { name: 'Add silence' }).click();
    await assertVisible(page.locator('tr[data-silence]', { hasText: 'Switch swap' }).filter({ hasText: 'active now' }), 'the silence listed as active');
    await assertVisible(page.locator('tr[data-silence]', { hasText: 'host e2e-beta' }), 'the silence covers e2e-beta');
    await page.goto(`${core.url}/hosts`);
    await assertVisible(hostRow(page, 'e2e-beta').locator('[data-mark="maintenance"]', { hasText: 'In maintenance' }), 'e2e-beta marked In maintenance on the host list');
    await page.screenshot({ path: join(SCREENSHOTS, 'host-list-maintenance-desktop.png'), fullPage: true });

    // "Silence" on one plugin's card silences that plugin on that host only, not the host.
    await page.goto(`${core.url}/hosts/${hostIds.alpha}/detail?range=hour`);
    const card = page.locator(`[data-plugin="${PLUGIN}"]`);
    await card.locator('p-problem-actions').getByRole('link', { name: 'Silence', exact: true }).click();
    await page.getByRole('heading', { name: 'Silences and maintenance', level: 1 }).waitFor();
    await assertVisible(page.locator('.one-problem', { hasText: 'on e2e-alpha' }), 'the form covers only that plugin on e2e-alpha');
    await page.getByLabel('Name').fill('Load test on alpha');
    await page.getByRole('button', { name: 'Add silence' }).click();
    await assertVisible(page.locator('tr[data-silence]', { hasText: 'Load test on alpha' }).filter({ hasText: 'on e2e-alpha' }), 'the one-plugin silence listed');
    await page.goto(`${core.url}/hosts/${hostIds.alpha}/detail?range=hour`);
    await assertVisible(card.locator('[data-mark="maintenance"]').first(), 'the plugin In maintenance on e2e-alpha\'s page');
    assert.equal(await page.locator('p-problem-actions.problem [data-mark="maintenance"]').count(), 0, 'e2e-alpha itself is not in maintenance');
    await page.screenshot({ path: join(SCREENSHOTS, 'host-detail-plugin-silenced-desktop.png'), fullPage: true });
    noPageErrors();
  });

  it('9. the Problems page lists the changes with their marks, acknowledges from a row, filters on the mark, and the host list shows it', async function () {
    assert.ok(core);
    await page.setViewportSize(DESK);
    await page.goto(`${core.url}/dashboard`);
    // In the navigation.
    await page.getByRole('link', { name: 'Problems', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Problems', level: 1 }).waitFor();
    const rowsOf = (problem: string) => page.locator(`[data-testid="problem"][data-problem="${problem}"]`);
    // e2e-beta (unreachable) was acknowledged and silenced in step 8: its changes carry both marks.
    const beta = rowsOf(`h:${hostIds.beta}`).first();
    await assertVisible(beta.locator('[data-mark="acknowledged"]', { hasText: `Acknowledged by ${ADMIN.name}` }), 'e2e-beta acknowledged on the Problems page');
    await assertVisible(beta.locator('[data-mark="maintenance"]'), 'e2e-beta in maintenance on the Problems page');
    // e2e-alpha went Major in step 4: acknowledge it from its newest change.
    const alpha = rowsOf(`h:${hostIds.alpha}`).filter({ has: page.locator('p-severity-badge[data-severity="major"]') }).first();
    await assertVisible(alpha, 'e2e-alpha\'s change to Major');
    assert.equal(await alpha.locator('[data-mark="acknowledged"]').count(), 0, 'e2e-alpha not acknowledged yet');
    await alpha.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await alpha.getByLabel('Comment').fill('Looking into the load');
    await alpha.getByRole('button', { name: 'Save acknowledgement' }).click();
    await assertVisible(rowsOf(`h:${hostIds.alpha}`).first().locator('[data-mark="acknowledged"]', { hasText: `Acknowledged by ${ADMIN.name}` }), 'e2e-alpha acknowledged on the Problems page');
    // Only acknowledged problems: both hosts' own changes, nothing of the service.
    await page.getByRole('combobox', { name: 'Acknowledged' }).click();
    await page.getByRole('option', { name: 'Acknowledged', exact: true }).click();
    await assertVisible(rowsOf(`h:${hostIds.alpha}`), 'e2e-alpha among the acknowledged');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="problem"]')).every((r) => r.querySelector('[data-mark="acknowledged"]')));
    assert.equal(await page.locator('[data-testid="problem"][data-problem^="s:"]').count(), 0, 'no service change among the acknowledged');
    await page.screenshot({ path: join(SCREENSHOTS, 'problems-desktop.png'), fullPage: true });
    // The host list says the same.
    await page.goto(`${core.url}/hosts`);
    await assertVisible(hostRow(page, 'e2e-alpha').locator('[data-mark="acknowledged"]'), 'e2e-alpha marked Acknowledged on the host list');
    noPageErrors();
  });

  it('10. edits a notification template with a live preview, sees a refusal at the field, saves and resets it', async function () {
    assert.ok(core);
    await page.setViewportSize(DESK);
    await page.goto(`${core.url}/notifications`);
    await page.getByRole('link', { name: 'templates', exact: true }).click();
    await page.getByRole('heading', { name: 'Notification templates', level: 1 }).waitFor();
    await page.getByRole('combobox', { name: 'Module' }).click();
    await page.getByRole('option', { name: 'Webhook' }).click();
    const preview = page.getByTestId('preview');
    // The webhook alert of step 4 sent real notifications: the preview can show the latest.
    await page.getByRole('combobox', { name: 'Of' }).click();
    await page.getByRole('option', { name: /the latest Webhook notification/ }).click();
    await assertVisible(preview.getByText(/^the notification [0-9a-f-]{36}:/), 'the preview of the latest real webhook notification');
    // Back to the sample with the keyboard (arrow keys change a closed select): reopening the
    // panel here saw its option detached again and again for 20 s in CI — noted, not yet understood.
    await page.getByRole('combobox', { name: 'Of' }).focus();
    await page.keyboard.press('ArrowUp');
    await assertVisible(page.getByRole('combobox', { name: 'Of' }).getByText('a sample notice'), 'the sample chosen again');

    await page.getByTestId('subject').fill('E2E {{host}} is {{to}}');
    await assertVisible(page.getByTestId('preview-subject').getByText('E2E web1 is major', { exact: true }), 'the live preview of the edited subject');
    // A template that does not render: the API's refusal under the field, nothing saved.
    await page.getByTestId('text').fill('Host: {{#host}}{{host}}');
    await assertVisible(page.locator('mat-error', { hasText: 'Unclosed section "host" on line 1' }), 'the refusal at the Text field');
    // This core has no console address (publicUrl, PROPHASIS_PUBLIC_URL): a problem notice says so instead of links.
    await page.getByTestId('text').fill('Hello {{host}}\n{{#actions}}Ack: {{actions.acknowledge}}{{/actions}}{{actionsUnavailable}}');
    await assertVisible(page.getByTestId('preview-text').getByText(/^Hello web1\sno Acknowledge or Mute links: the console's address is not set/), 'the live preview of the edited text');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await assertVisible(page.getByRole('status').getByText('Saved.'), 'saved');
    const stored = (await (await admin.request.get(`${core.url}/api/alert-templates/webhook`)).json()) as { custom: boolean; subject: string };
    assert.deepEqual([stored.custom, stored.subject], [true, 'E2E {{host}} is {{to}}']);
    await page.screenshot({ path: join(SCREENSHOTS, 'notification-templates-desktop.png'), fullPage: true });

    await page.getByRole('button', { name: 'Reset to default' }).click();
    // The page's intro mentions "the built-in texts" too: wait for the reset itself, then for the badge.
    const resetDone = page.waitForResponse((r) => r.url().endsWith('/api/alert-templates/webhook') && r.request().method() === 'DELETE');
    await page.getByRole('dialog').getByRole('button', { name: 'Reset' }).click();
    assert.ok((await resetDone).ok(), 'the reset was accepted');
    await assertVisible(page.getByText('Built-in texts', { exact: true }), 'back to the built-in texts');
    const reset = (await (await admin.request.get(`${core.url}/api/alert-templates/webhook`)).json()) as { custom: boolean };
    assert.equal(reset.custom, false);
    noPageErrors();
  });

  it('11. auto-registration: a rule and a fleet token made in the console register this machine as a host in the rule\'s group; once revoked there, the token is refused', async function () {
    this.timeout(180_000);
    assert.ok(core);
    await page.setViewportSize(DESK);
    await page.goto(`${core.url}/auto-registration`);
    await page.getByRole('heading', { name: 'Auto-registration', level: 1 }).waitFor();

    const rules = page.locator('p-registration-rules');
    const editor = rules.locator('.editor');
    await editor.getByLabel('Name', { exact: true }).fill('e2e linux hosts');
    await editor.getByLabel('Platform').fill('linux');
    await editor.getByRole('group', { name: 'Host groups' }).getByRole('checkbox', { name: /^e2e-servers/ }).check();
    await editor.getByRole('button', { name: 'Add rule' }).click();
    await assertVisible(rules.locator('.rule', { hasText: 'e2e linux hosts' }).getByText('platform linux'), 'the new rule in the list');

    const tokens = page.locator('p-fleet-tokens');
    await tokens.getByLabel('Name', { exact: true }).fill('e2e fleet');
    await tokens.getByLabel('Host limit').fill('2');
    await tokens.getByLabel('Tags').fill('e2e, lab');
    await tokens.getByRole('button', { name: 'Create token' }).click();
    // The first token may wait for the agent packages (built in step 2 already).
    const enrol = await tokens.locator('p-command-box', { hasText: 'Enrol command' }).locator('pre').textContent({ timeout: 120_000 });
    const install = await tokens.locator('p-command-box', { hasText: 'Install command' }).locator('pre').textContent();
    const m = (enrol ?? '').match(/--server (\S+) --token (pfleet_\S+) --ca-fingerprint ([0-9a-f]{64})/);
    assert.ok(m, `an enrol command with a fleet token: ${enrol}`);
    assert.ok(install?.includes(`--token ${m[2]} `), 'the install line carries the same token');
    await page.screenshot({ path: join(SCREENSHOTS, 'auto-registration-desktop.png'), fullPage: true });
    await tokens.getByRole('button', { name: 'Done' }).click();
    await assertVisible(tokens.locator('.tokens tr', { hasText: 'e2e fleet' }).getByText('0 / 2'), 'the token listed with no host yet');

    // An agent installed on this machine enrols with it: the core creates the host under this machine's name.
    const name = hostname();
    const first = await agentEnrol({ dataDir: join(dataDir, 'fleet-agent-1'), server: m[1] as string, caFingerprint: m[3] as string, token: m[2] as string });
    assert.equal(first.code, 0, first.output);
    assert.ok(first.output.includes(`Enrolled as host ${JSON.stringify(name)}`), first.output);
    await page.reload();
    await assertVisible(tokens.locator('.tokens tr', { hasText: 'e2e fleet' }).getByText('1 / 2'), 'one host registered');
    await page.goto(`${core.url}/hosts`);
    await page.getByRole('link', { name, exact: true }).first().click();
    await page.waitForURL(/\/hosts\/\d+(\/detail)?$/);
    const registeredId = Number(/\/hosts\/(\d+)/.exec(page.url())?.[1]);
    await page.goto(`${core.url}/hosts/${registeredId}`);
    await assertVisible(page.getByText(/fleet token #\d+/), 'the host says which token registered it');
    await assertValue(page.getByLabel('Tags'), 'e2e, lab');
    const group = (await (await admin.request.get(`${core.url}/api/groups?q=e2e-servers`)).json()) as { items: { hostIds: number[] }[] };
    assert.ok(group.items[0]?.hostIds.includes(registeredId), 'the rule put the host into e2e-servers');

    // The same machine again: its name is taken now, and the refusal reaches the agent's output.
    const again = await agentEnrol({ dataDir: join(dataDir, 'fleet-agent-2'), server: m[1] as string, caFingerprint: m[3] as string, token: m[2] as string });
    assert.notEqual(again.code, 0);
    assert.ok(again.output.includes(`a host named ${JSON.stringify(name)} exists already`), again.output);

    await page.goto(`${core.url}/auto-registration`);
    await tokens.locator('.tokens tr', { hasText: 'e2e fleet' }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    await assertVisible(tokens.locator('.tokens tr', { hasText: 'e2e fleet' }).getByText('Revoked'), 'the token revoked');
    const revoked = await agentEnrol({ dataDir: join(dataDir, 'fleet-agent-3'), server: m[1] as string, caFingerprint: m[3] as string, token: m[2] as string });
    assert.notEqual(revoked.code, 0);
    assert.ok(revoked.output.includes('the fleet token "e2e fleet" was revoked'), revoked.output);
    noPageErrors();
  });

  it('12. API tokens: a token created in the console lists hosts from a script; once revoked there, the same request gets 401', async function () {
    assert.ok(core);
    await page.setViewportSize(DESK);
    await page.goto(`${core.url}/dashboard`);
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.waitForURL(/\/tokens$/);
    await page.getByRole('heading', { name: 'API tokens', level: 1 }).waitFor();

    // An administrator may give a token any role up to their own; a script that only reads gets viewer.
    await page.getByLabel('Name', { exact: true }).fill('e2e script');
    await page.getByRole('combobox', { name: 'Role' }).click();
    await page.getByRole('option', { name: 'viewer', exact: true }).click();
    await assertValue(page.getByLabel('Valid for (days)'), '90');
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/tokens') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Create token' }).click();
    assert.equal((await answered).status(), 201);
    const box = (label: string) => page.locator('p-command-box').filter({ has: page.locator('.label', { hasText: new RegExp(`^${label}$`) }) }).locator('pre');
    const secret = (await box('Token').textContent())?.trim() ?? '';
    assert.match(secret, /^pht_\S+$/, 'the token is shown once');
    const curl = await box('Try it').textContent();
    assert.equal(curl, `curl -H "Authorization: Bearer ${secret}" ${core.url}/api/hosts`);
    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.locator('.tokens tr', { hasText: 'e2e script' });
    await assertVisible(row.getByText('Active'), 'the new token listed as active');
    assert.equal((await row.locator('.user').textContent())?.trim(), ADMIN.name);
    assert.equal((await row.locator('.role').textContent())?.trim(), 'viewer');
    assert.equal((await row.locator('.used').textContent())?.trim(), 'Never');
    assert.ok(!(await page.locator('p-api-tokens').textContent())?.includes(secret), 'after Done the page no longer shows the token');

    // A script, not the browser: no cookie, only the bearer token.
    const url = core.url;
    const listHosts = () => fetch(`${url}/api/hosts`, { headers: { Authorization: `Bearer ${secret}` } });
    const ok = await listHosts();
    assert.equal(ok.status, 200);
    const hosts = (await ok.json()) as { items: { name: string }[] };
    assert.ok(hosts.items.some((h) => h.name === 'e2e-alpha'), 'the token lists the hosts');
    await page.reload();
    await assertVisible(row.locator('.used').getByText(/\d{4}/), 'the token\'s last use');
    await page.screenshot({ path: join(SCREENSHOTS, 'api-tokens-desktop.png'), fullPage: true });

    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    await assertVisible(row.locator('.status').getByText('Revoked'), 'the token revoked');
    const refused = await listHosts();
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { code: string }).code, 'CORE_API_UNAUTHENTICATED');
    // The console's own session is untouched by the revocation.
    await page.reload();
    await assertVisible(row.locator('.status').getByText('Revoked'), 'still revoked, still signed in');
    noPageErrors();
  });

  /** The enrolment token of a host: the console's API when the core offers it, else `prophasis host add`. */
  async function enrolmentToken(running: RunningCore, hostId: number, name: string): Promise<{ token: string; caFingerprint: string }> {
    const response = await admin.request.post(`${running.url}/api/hosts/${hostId}/enrolment`, { data: { server: '127.0.0.1', ttlMinutes: 10 } });
    if (response.status() === 201) {
      const ticket = (await response.json()) as { token: string; caFingerprint: string; enrolCommand: string };
      assert.ok(ticket.enrolCommand.includes(ticket.token), 'the enrolment command carries the token');
      return ticket;
    }
    // 404: no such route in this core; 503: the core runs without the registry wired to the API.
    assert.ok([404, 503].includes(response.status()), `POST /api/hosts/${hostId}/enrolment answered ${response.status()}: ${await response.text()}`);
    return hostAddToken(dataDir, name);
  }
});

/** The row (table on a desk, card on a phone) of one host on the host health page. */
function hostRow(p: Page, name: string): Locator {
  return p.locator('tr, mat-card', { has: p.getByRole('link', { name, exact: true }) });
}

async function assertVisible(locator: Locator, what: string, timeoutMs = 20_000): Promise<void> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
  } catch (err) {
    throw new Error(`not visible within ${timeoutMs} ms: ${what} (${(err as Error).message.split('\n')[0]})`);
  }
}

async function assertValue(locator: Locator, expected: string): Promise<void> {
  await locator.waitFor();
  assert.equal(await locator.inputValue(), expected);
}

async function assertPressed(locator: Locator): Promise<void> {
  await locator.waitFor();
  assert.equal(await locator.getAttribute('aria-pressed'), 'true');
}

/**
 * Waits until a form has loaded what it offers. Each form shows a progress bar from its first
 * rendering until its lists arrived, and then resets itself: typing earlier would be lost, and
 * a picker opened earlier offers nothing.
 */
async function formReady(p: Page, heading: string): Promise<void> {
  await p.getByRole('heading', { name: heading, level: 1 }).waitFor();
  await p.locator('mat-progress-bar').first().waitFor({ state: 'detached' });
}

/** Ticks the options matching `names` in the open picker dialog and confirms. */
async function pickInDialog(p: Page, names: RegExp[]): Promise<void> {
  const dialog = p.getByRole('dialog');
  await dialog.waitFor();
  for (const name of names) await dialog.getByRole('checkbox', { name }).check();
  await dialog.getByRole('button', { name: /^Add( \d+)?$/ }).click();
  await dialog.waitFor({ state: 'hidden' });
}
