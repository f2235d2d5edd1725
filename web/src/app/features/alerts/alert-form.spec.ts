import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { SEVERITIES, type Alert } from '../../core/protocol';
import { answerAll, settle, setUpPage } from '../../shared/ui/page-testing';
import { inSeverityOrder } from '../../shared/ui/severity-chips.component';
import { AlertFormComponent } from './alert-form.component';

const alert: Alert = {
  id: 3,
  name: 'down',
  enabled: true,
  // Stored out of order on purpose: the form shows and sends protocol order.
  fromStates: ['ok', 'degraded'],
  toStates: ['minor', 'critical', 'major'],
  scopes: { hostIds: [1], groupIds: [], serviceIds: [], pluginIds: ['io.prophasis.disk'], checkIds: [] },
  module: 'webhook',
  settings: { url: 'https://ntfy.example.com/ops', format: 'ntfy' },
  createdAt: 0,
  updatedAt: 0,
};

const data = {
  hosts: [{ id: 1, name: 'web-1', description: '' }],
  groups: [],
  services: [],
  plugins: [{ id: 1, pluginId: 'io.prophasis.disk', name: 'Disk usage', description: '', version: null, versions: [] }],
  checks: [],
  'alerts/3': alert,
};

// The largest form of the console: its first rendering (Material, the schema forms) can take more
// than vitest's default 5 s when the whole suite runs on a loaded two-core machine.
describe('alert form', { timeout: 20_000 }, () => {
  let http: HttpTestingController;
  beforeEach(() => (http = setUpPage('admin')));
  afterEach(() => http.verify());

  async function render() {
    const fixture = TestBed.createComponent(AlertFormComponent);
    fixture.componentRef.setInput('id', '3');
    fixture.detectChanges();
    await answerAll(http, fixture, data);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  const chips = (el: HTMLElement, group: string) => [...el.querySelectorAll<HTMLButtonElement>(`[aria-label="${group}"] button`)];

  it('shows state chips in protocol order, worst first, with the chosen ones pressed', async () => {
    const { el } = await render();
    for (const group of ['From states', 'To states']) {
      expect(chips(el, group).map((c) => c.dataset['severity'])).toEqual([...SEVERITIES]);
    }
    const pressed = (group: string) => chips(el, group).filter((c) => c.getAttribute('aria-pressed') === 'true').map((c) => c.dataset['severity']);
    expect(pressed('From states')).toEqual(['degraded', 'ok']);
    expect(pressed('To states')).toEqual(['critical', 'major', 'minor']);
    expect(chips(el, 'To states').map((c) => c.textContent?.trim())).toEqual(['Critical', 'Major', 'Minor', 'Degraded', 'Unknown', 'OK', 'No data']);
  });

  it('keeps protocol order whatever order the chips are clicked in, and sends it', async () => {
    const { fixture, el } = await render();
    const chip = (group: string, severity: string) => chips(el, group).find((c) => c.dataset['severity'] === severity);
    chip('From states', 'no_data')?.click();
    chip('From states', 'critical')?.click();
    chip('From states', 'ok')?.click(); // off again
    chip('To states', 'unknown')?.click();
    await settle(fixture);
    // Scopes and webhook settings were loaded into their editors.
    expect(el.querySelector('[data-scope="hostIds"]')?.textContent).toContain('web-1');
    expect(el.querySelector('[data-scope="pluginIds"]')?.textContent).toContain('Disk usage');
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const req = http.expectOne((r) => r.method === 'PUT' && r.url === '/api/alerts/3');
    expect(req.request.body.fromStates).toEqual(['critical', 'degraded', 'no_data']);
    expect(req.request.body.toStates).toEqual(['critical', 'major', 'minor', 'unknown']);
    expect(req.request.body.settings).toEqual({ url: 'https://ntfy.example.com/ops', format: 'ntfy' });
    expect(req.request.body.scopes).toEqual(alert.scopes);
    req.flush(alert);
    await settle(fixture);
  });

  it('refuses to send without a state or without a scope', async () => {
    const { fixture, el } = await render();
    for (const c of chips(el, 'To states').filter((b) => b.getAttribute('aria-pressed') === 'true')) c.click();
    for (const x of [...el.querySelectorAll<HTMLButtonElement>('.scope .x')]) x.click();
    await settle(fixture);
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    await settle(fixture);
    http.expectNone((r) => r.method === 'PUT');
    expect(el.textContent).toContain('Choose at least one state.');
    for (const c of chips(el, 'To states').slice(0, 1)) c.click();
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    await settle(fixture);
    http.expectNone((r) => r.method === 'PUT');
    expect(el.textContent).toContain('an alert without scopes matches nothing');
  });

  it('sorts any list of severities into protocol order', () => {
    expect(inSeverityOrder(['no_data', 'ok', 'critical', 'ok', 'minor'])).toEqual(['critical', 'minor', 'ok', 'no_data']);
  });
});

describe('alert form: Test and the module schemas of the core', () => {
  let http: HttpTestingController;
  beforeEach(() => (http = setUpPage('admin')));
  afterEach(() => http.verify());

  async function render() {
    const fixture = TestBed.createComponent(AlertFormComponent);
    fixture.componentRef.setInput('id', '3');
    fixture.detectChanges();
    await answerAll(http, fixture, data);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }
  const testButton = (el: HTMLElement) => el.querySelector<HTMLButtonElement>('button.test');

  it('tests the settings on screen and shows ok, then the failure reason', async () => {
    const { fixture, el } = await render();
    expect(testButton(el)?.textContent?.trim()).toBe('Test');
    testButton(el)?.click();
    await settle(fixture);
    const req = http.expectOne('/api/alerts/test');
    expect(req.request.method).toBe('POST');
    // Issue 21: the test message names the alert being edited, not "Test".
    expect(req.request.body).toEqual({ module: 'webhook', settings: { url: 'https://ntfy.example.com/ops', format: 'ntfy' }, name: 'down' });
    req.flush({ ok: true });
    await settle(fixture);
    expect(el.querySelector('.test-result')?.textContent).toContain('Test alert sent.');

    // A name typed but not saved yet is the one the message carries.
    const nameInput = el.querySelector<HTMLInputElement>('input[formcontrolname="name"]');
    if (!nameInput) throw new Error('no name input');
    nameInput.value = '  Disk pager  ';
    nameInput.dispatchEvent(new Event('input'));
    testButton(el)?.click();
    await settle(fixture);
    const second = http.expectOne('/api/alerts/test');
    expect((second.request.body as { name?: string }).name).toBe('Disk pager');
    second.flush({ ok: false, error: 'HTTP 404 from https://ntfy.example.com/ops' });
    await settle(fixture);
    expect(el.querySelector('.test-result')?.textContent).toContain('Test failed: HTTP 404 from https://ntfy.example.com/ops');
  });

  it('falls back to testing the saved alert, and hides Test when the core has neither route', async () => {
    const { fixture, el } = await render();
    testButton(el)?.click();
    await settle(fixture);
    http.expectOne('/api/alerts/test').flush({ code: 'CORE_API_NOT_FOUND', message: 'Not found: POST /api/alerts/test' }, { status: 404, statusText: 'Not Found' });
    await settle(fixture);
    http.expectOne('/api/alerts/3/test').flush({ code: 'CORE_API_NOT_FOUND', message: 'Not found: POST /api/alerts/3/test' }, { status: 404, statusText: 'Not Found' });
    await settle(fixture);
    expect(testButton(el)).toBeNull();
  });

  it('draws the settings from the schema of the core once the form is used, keeping what was typed', async () => {
    const { fixture, el } = await render();
    el.querySelector('form')?.dispatchEvent(new FocusEvent('focusin', { bubbles: true }));
    await settle(fixture);
    http.expectOne('/api/alert-modules').flush([
      {
        id: 'webhook',
        label: 'Webhook (core)',
        settingsSchema: {
          type: 'object',
          required: ['url'],
          properties: { url: { type: 'string', title: 'Endpoint URL' }, format: { type: 'string', title: 'Format' }, secret: { type: 'string', title: 'Signing secret' } },
        },
      },
    ]);
    await settle(fixture);
    const labels = [...el.querySelectorAll('fieldset.settings mat-label')].map((l) => l.textContent?.trim());
    expect(labels).toContain('Signing secret');
    expect(labels).toContain('Endpoint URL');
    expect(el.querySelector('fieldset.settings legend')?.textContent).toContain('Webhook (core)');
    const url = [...el.querySelectorAll<HTMLInputElement>('fieldset.settings input')].map((i) => i.value);
    expect(url).toContain('https://ntfy.example.com/ops');
    // Asked once only.
    el.querySelector('form')?.dispatchEvent(new FocusEvent('focusin', { bubbles: true }));
    await settle(fixture);
    http.expectNone('/api/alert-modules');
  });

  it('edits repeat and escalation steps, sends them, and shows the core\'s refusal of a step at that step\'s field', async () => {
    const stepped: Alert = { ...alert, repeatMinutes: 30, escalations: [{ afterMinutes: 15, module: 'email', settings: { to: 'lead@example.com' } }] };
    const fixture = TestBed.createComponent(AlertFormComponent);
    fixture.componentRef.setInput('id', '3');
    fixture.detectChanges();
    await answerAll(http, fixture, { ...data, 'alerts/3': stepped });
    const el = fixture.nativeElement as HTMLElement;
    const repeat = el.querySelector<HTMLInputElement>('input[formcontrolname="repeatMinutes"]')!;
    expect(repeat.value).toBe('30');
    const stepEl = (i: number) => el.querySelector<HTMLElement>(`[data-step="${i}"]`)!;
    expect(stepEl(0).querySelector<HTMLInputElement>('input[formcontrolname="afterMinutes"]')!.value).toBe('15');
    expect([...stepEl(0).querySelectorAll<HTMLInputElement>('input')].some((i) => i.value === 'lead@example.com')).toBe(true);
    // A second step: 15 minutes after the last one, with the alert's module (webhook) and its form.
    [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent?.includes('Add escalation step'))!.click();
    await settle(fixture);
    expect(stepEl(1).querySelector<HTMLInputElement>('input[formcontrolname="afterMinutes"]')!.value).toBe('30');
    // Out of range is refused in the browser, at the field, and nothing is sent.
    repeat.value = '0';
    repeat.dispatchEvent(new Event('input'));
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    await settle(fixture);
    http.expectNone((r) => r.method === 'PUT');
    expect(repeat.closest('mat-form-field')?.querySelector('mat-error')?.textContent?.trim()).toBe('At least 1.');
    repeat.value = '60';
    repeat.dispatchEvent(new Event('input'));
    // The new step's URL is left empty on purpose: the browser form asks for it first.
    const urlField = [...stepEl(1).querySelectorAll('mat-form-field')].find((f) => f.querySelector('mat-label')?.textContent?.trim() === 'URL')!;
    const url = urlField.querySelector('input')!;
    url.value = 'https://ntfy.example.com/boss';
    url.dispatchEvent(new Event('input'));
    await settle(fixture);
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const req = http.expectOne((r) => r.method === 'PUT' && r.url === '/api/alerts/3');
    expect(req.request.body.repeatMinutes).toBe(60);
    expect(req.request.body.escalations).toEqual([
      { afterMinutes: 15, module: 'email', settings: expect.objectContaining({ to: 'lead@example.com' }) },
      { afterMinutes: 30, module: 'webhook', settings: expect.objectContaining({ url: 'https://ntfy.example.com/boss' }) },
    ]);
    req.flush({ code: 'CORE_ALERT_INVALID_SETTINGS', message: 'webhook: settings.url: the receiver said no', details: { field: 'escalations.1.settings.url' } }, { status: 400, statusText: 'Bad Request' });
    await settle(fixture);
    expect(urlField.querySelector('mat-error')?.textContent).toContain('the receiver said no');
    // Removing the step leaves the first one.
    stepEl(1).querySelector<HTMLButtonElement>('.remove-step')!.click();
    await settle(fixture);
    expect(el.querySelector('[data-step="1"]')).toBeNull();
  });
});
