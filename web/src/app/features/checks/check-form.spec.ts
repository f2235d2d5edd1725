import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { answerAll, settle, setUpPage } from '../../shared/ui/page-testing';
import { CheckFormComponent } from './check-form.component';
import { pluginParameters } from './plugin-parameters';

const stamp = { createdAt: 0, updatedAt: 0 };
const parameters = {
  type: 'object',
  required: ['mount'],
  properties: {
    mount: { type: 'string', title: 'Mount point', default: '/' },
    warn: { type: 'integer', title: 'Warn at', minimum: 1, maximum: 100, default: 85 },
  },
};
const version = (v: string, approved: boolean, params: unknown) => ({
  version: v,
  sha256: '0'.repeat(64),
  publisher: 'P',
  requestedCapabilities: [],
  approvedCapabilities: approved ? [] : null,
  approvedAt: null,
  historyCount: 1,
  createdAt: 0,
  ...(params === undefined ? {} : { parameters: params as Record<string, unknown> }),
  defaultClassifier: 'return "ok"',
});
const data = {
  hosts: [{ id: 1, name: 'db', description: '' }],
  groups: [],
  plugins: [
    { id: 1, pluginId: 'io.prophasis.disk', name: 'Disk', description: '', version: '2.0.0', versions: [version('2.0.0', false, {}), version('1.0.0', true, parameters)], ...stamp },
    { id: 2, pluginId: 'io.prophasis.load', name: 'Load', description: '', version: '1.0.0', versions: [version('1.0.0', true, undefined)], ...stamp },
  ],
  'checks/1': { id: 1, name: 'disk', description: '', hostIds: [1], groupIds: [], plugins: [{ pluginId: 'io.prophasis.load', params: { keep: 1 } }], ...stamp },
};

describe('check form', () => {
  let http: HttpTestingController;
  beforeEach(() => (http = setUpPage('admin')));
  afterEach(() => http.verify());

  it('reads the parameters of the newest approved version', () => {
    expect(pluginParameters(data.plugins[0] as never)).toEqual(parameters);
    expect(pluginParameters(data.plugins[1] as never)).toBeUndefined();
    expect(pluginParameters({ versions: [] })).toBeUndefined();
  });

  it('generates a parameter form for each chosen plugin and sends its values', async () => {
    const fixture = TestBed.createComponent(CheckFormComponent);
    fixture.componentRef.setInput('id', '1');
    fixture.detectChanges();
    await answerAll(http, fixture, data);
    const el = fixture.nativeElement as HTMLElement;
    // The loaded plugin has no schema from the API: its values are kept, and the page says so.
    expect(el.textContent).toContain('does not describe this plugin');
    const disk = [...el.querySelectorAll('mat-checkbox')].find((c) => c.textContent?.includes('Disk'));
    disk?.querySelector('input')?.click();
    await settle(fixture);
    const card = [...el.querySelectorAll('mat-card')].find((c) => c.textContent?.includes('io.prophasis.disk'));
    expect([...(card?.querySelectorAll('mat-label') ?? [])].map((l) => l.textContent?.trim())).toEqual(['Mount point', 'Warn at']);
    const warn = card?.querySelector<HTMLInputElement>('input[type="number"]');
    if (!warn) throw new Error('no number field');
    // Out of range: not sent, the reason shown at the field.
    warn.value = '150';
    warn.dispatchEvent(new Event('input'));
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    await settle(fixture);
    http.expectNone((r) => r.method === 'PUT');
    expect(card?.querySelector('mat-error')?.textContent?.trim()).toBe('At most 100.');
    warn.value = '90';
    warn.dispatchEvent(new Event('input'));
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const req = http.expectOne((r) => r.method === 'PUT' && r.url === '/api/checks/1');
    // In the order the list shows the plugins.
    expect(req.request.body.plugins).toEqual([
      { pluginId: 'io.prophasis.disk', params: { mount: '/', warn: 90 } },
      { pluginId: 'io.prophasis.load', params: { keep: 1 } },
    ]);
    req.flush(data['checks/1']);
    await settle(fixture);
  });

  it('edits the check\'s own flap thresholds: out of range is shown at the field and not sent, the core\'s refusal lands at its field, empty means the global ones', async () => {
    const fixture = TestBed.createComponent(CheckFormComponent);
    fixture.componentRef.setInput('id', '1');
    fixture.detectChanges();
    await answerAll(http, fixture, { ...data, 'checks/1': { ...data['checks/1'], flapLowPercent: 10, flapHighPercent: 40 } });
    const el = fixture.nativeElement as HTMLElement;
    const field = (name: string) => el.querySelector<HTMLInputElement>(`input[formcontrolname="${name}"]`)!;
    const errorOf = (name: string) => field(name).closest('mat-form-field')?.querySelector('mat-error')?.textContent?.trim();
    const type = async (name: string, value: string) => {
      field(name).value = value;
      field(name).dispatchEvent(new Event('input'));
      await settle(fixture);
    };
    const submit = () => (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    expect(el.textContent).toContain('Flap detection');
    expect(field('flapLowPercent').value).toBe('10');
    expect(field('flapHighPercent').value).toBe('40');
    await type('flapHighPercent', '150');
    submit();
    await settle(fixture);
    http.expectNone((r) => r.method === 'PUT');
    expect(errorOf('flapHighPercent')).toBe('At most 100.');
    await type('flapHighPercent', '5');
    submit();
    const refused = http.expectOne((r) => r.method === 'PUT' && r.url === '/api/checks/1');
    expect([refused.request.body.flapLowPercent, refused.request.body.flapHighPercent]).toEqual([10, 5]);
    refused.flush({ code: 'CORE_API_BAD_REQUEST', message: 'flapHighPercent: 5 must not be below flapLowPercent (10)', details: { field: 'flapHighPercent' } }, { status: 400, statusText: 'Bad Request' });
    await settle(fixture);
    expect(errorOf('flapHighPercent')).toContain('must not be below flapLowPercent');
    await type('flapLowPercent', '');
    await type('flapHighPercent', '');
    submit();
    const cleared = http.expectOne((r) => r.method === 'PUT' && r.url === '/api/checks/1');
    expect([cleared.request.body.flapLowPercent, cleared.request.body.flapHighPercent]).toEqual([null, null]);
    cleared.flush({ ...data['checks/1'], flapLowPercent: null, flapHighPercent: null });
    await settle(fixture);
  });
});
