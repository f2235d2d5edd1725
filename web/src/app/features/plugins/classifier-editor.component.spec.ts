import type { HttpTestingController } from '@angular/common/http/testing';
import { Component, input, model } from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import type { Check, ClassifierHistoryResult, ClassifierOverride, Host, HostGroup } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { LuaEditorComponent } from '../../shared/ui/lua-editor.component';
import { answerAll, buttonTexts, settle, setUpPage } from '../../shared/ui/page-testing';
import { countsInOrder, testRange, transitionSentence } from './classifier-editor';
import { ClassifierEditorComponent } from './classifier-editor.component';

/** CodeMirror measures layout jsdom does not have; a textarea with the same inputs stands in. */
@Component({
  selector: 'p-lua-editor',
  template: `<textarea [attr.aria-label]="label()" [readOnly]="readonly()" [value]="value()" (input)="value.set($any($event.target).value)"></textarea>`,
})
class FakeLuaEditor {
  readonly value = model('');
  readonly readonly = input(false);
  readonly label = input('Lua code');
}

const host = { id: 3, name: 'web-1', description: 'front' } as Host;
const other = { id: 4, name: 'db-1', description: '' } as Host;
const group = { id: 9, name: 'Web servers' } as HostGroup;
const checks = [
  { id: 11, name: 'Disk usage', plugins: [{ pluginId: 'io.prophasis.disk', params: {} }] },
  { id: 12, name: 'CPU', plugins: [{ pluginId: 'io.prophasis.cpu', params: {} }] },
] as Check[];
const override: ClassifierOverride = { id: 5, pluginId: 'io.prophasis.disk', scope: 'group', scopeId: 9, code: 'return "minor"', createdAt: 1, updatedAt: 2 };
const DEFAULT = 'return "ok"';

const result: ClassifierHistoryResult = {
  points: [
    { at: 1_000, value: 10, severity: 'ok' },
    { at: 2_000, value: 95, severity: 'major' },
    { at: 3_000, value: null, severity: 'unknown', error: { kind: 'runtime', message: 'classifier:1: boom' } },
    { at: 4_000, value: 12, severity: 'ok' },
  ],
  transitions: [
    { at: 2_000, from: 'ok', to: 'major' },
    { at: 3_000, from: 'major', to: 'unknown' },
    { at: 4_000, from: 'unknown', to: 'ok' },
  ],
  counts: { ok: 2, unknown: 1, major: 1 },
  transitionCount: 3,
  errors: 1,
  capped: true,
  limit: 4,
  historyCount: 5,
};

describe('classifier editor', () => {
  let http: HttpTestingController;
  const confirm = { confirm: vi.fn(() => Promise.resolve(true)) };
  afterEach(() => http.verify());

  async function open(role: 'admin' | 'operator' | 'viewer'): Promise<{ fixture: ComponentFixture<ClassifierEditorComponent>; el: HTMLElement }> {
    TestBed.overrideComponent(ClassifierEditorComponent, { remove: { imports: [LuaEditorComponent] }, add: { imports: [FakeLuaEditor] } });
    http = setUpPage(role, [{ provide: ConfirmService, useValue: confirm }]);
    const fixture = TestBed.createComponent(ClassifierEditorComponent);
    fixture.componentRef.setInput('pluginId', 'io.prophasis.disk');
    fixture.componentRef.setInput('defaultCode', DEFAULT);
    fixture.detectChanges();
    await answerAll(http, fixture, { hosts: [host, other], groups: [group], checks, 'classifier-overrides': { items: [override] } });
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  function select(el: HTMLElement, name: string, value: string): void {
    const s = el.querySelector<HTMLSelectElement>(`select[name="${name}"]`);
    if (!s) throw new Error(`no select ${name}`);
    s.value = value;
    s.dispatchEvent(new Event('change'));
  }

  function click(el: HTMLElement, text: string): void {
    const button = [...el.querySelectorAll('button')].find((b) => b.textContent?.trim() === text);
    if (!button) throw new Error(`no button ${text}`);
    button.click();
  }

  it('tests the code against a host\'s history and shows the transition count, counts in protocol order, errors and the cap', async () => {
    const { fixture, el } = await open('operator');
    // The host search narrows the picker.
    const search = el.querySelector<HTMLInputElement>('input[type="search"]');
    if (!search) throw new Error('no host search');
    search.value = 'db';
    search.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    expect([...el.querySelectorAll('select[name="testHost"] option')].map((o) => o.textContent?.trim())).toEqual(['Choose a host', 'db-1']);
    search.value = '';
    search.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    select(el, 'testHost', '3');
    select(el, 'testRange', 'week');
    fixture.detectChanges();
    const before = Date.now();
    click(el, 'Run');
    await settle(fixture);
    const req = http.expectOne('/api/classifiers/test');
    expect(req.request.method).toBe('POST');
    const body = req.request.body as { code: string; hostId: number; pluginId: string; from: number; to: number };
    expect(body).toEqual({ code: DEFAULT, hostId: 3, pluginId: 'io.prophasis.disk', from: expect.any(Number), to: expect.any(Number) });
    expect(body.to - body.from).toBe(7 * 86_400_000);
    expect(body.to).toBeGreaterThanOrEqual(before);
    req.flush(result);
    await settle(fixture);
    const text = el.textContent ?? '';
    expect(text).toContain('This rule would have changed state 3 times');
    expect(text).toContain('only the first 4 were classified');
    expect(text).toContain('runtime: classifier:1: boom');
    const counts = [...el.querySelectorAll('.counts p-severity-badge')].map((b) => [b.getAttribute('data-severity'), b.querySelector('.count')?.textContent]);
    expect(counts).toEqual([
      ['major', '1'],
      ['unknown', '1'],
      ['ok', '2'],
    ]);
    expect(el.querySelectorAll('.transitions li')).toHaveLength(3);
    // A viewer-level operator may test but not save overrides.
    expect(buttonTexts(el)).not.toContain('Save as override');
  });

  it('shows the API\'s compile error under the editor', async () => {
    const { fixture, el } = await open('admin');
    select(el, 'testHost', '4');
    fixture.detectChanges();
    click(el, 'Run');
    await settle(fixture);
    http
      .expectOne('/api/classifiers/test')
      .flush(
        { code: 'CORE_API_BAD_REQUEST', message: 'classifier does not compile: classifier:1: unexpected symbol', details: { field: 'code', kind: 'compile', reason: 'x' } },
        { status: 400, statusText: 'Bad Request' },
      );
    await settle(fixture);
    expect(el.querySelector('.compile-error')?.textContent).toContain('classifier:1: unexpected symbol');
    expect(el.querySelector('.p-error-banner')).toBeNull();
  });

  it('saves the code as an override for a check that runs this plugin with PUT, and lists it', async () => {
    const { fixture, el } = await open('admin');
    // Only checks that run this plugin are offered.
    expect([...el.querySelectorAll('select[name="overrideTarget"] option')].map((o) => o.textContent?.trim())).toEqual(['Choose…', 'Disk usage']);
    expect(el.textContent).toContain('Host group “Web servers”');
    const editor = el.querySelector<HTMLTextAreaElement>('textarea[aria-label="Default classifier"]');
    if (!editor) throw new Error('no editor');
    expect(editor.readOnly).toBe(false);
    expect(el.querySelector('.editing')?.textContent).toContain("Showing the plugin's default classifier, in use where no override applies; 1 override is in use");
    editor.value = 'return "critical"';
    editor.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    // Issue 21: edited code is not the default any more, and not in use until it is saved.
    expect(el.querySelector('.editing')?.textContent).not.toContain("Showing the plugin's default classifier");
    expect(el.querySelector('.editing')?.textContent).toContain('Changed the default classifier, not saved yet');
    select(el, 'overrideTarget', '11');
    fixture.detectChanges();
    click(el, 'Save as override');
    await settle(fixture);
    const req = http.expectOne('/api/classifier-overrides');
    expect(req.request.method).toBe('PUT');
    expect(req.request.body).toEqual({ pluginId: 'io.prophasis.disk', scope: 'check', scopeId: 11, code: 'return "critical"' });
    const saved: ClassifierOverride = { id: 6, pluginId: 'io.prophasis.disk', scope: 'check', scopeId: 11, code: 'return "critical"', createdAt: 3, updatedAt: 3 };
    req.flush(saved, { status: 201, statusText: 'Created' });
    await settle(fixture);
    http.expectOne((r) => r.url === '/api/classifier-overrides' && r.params.get('pluginId') === 'io.prophasis.disk').flush({ items: [override, saved] });
    await settle(fixture);
    expect(el.textContent).toContain('Saved the override for Check “Disk usage”');
    expect(el.textContent).toContain('Editing the override for Check “Disk usage”');
    // Issue 21: after saving, the page says the override is in use, not the default.
    expect(el.querySelector('.editing')?.textContent).toContain('this override is in use for Check “Disk usage”');
    expect(el.textContent).not.toContain("Showing the plugin's default classifier");
  });

  it('opens an override for editing and deletes one after confirmation', async () => {
    const { fixture, el } = await open('admin');
    click(el, 'Edit');
    fixture.detectChanges();
    expect(el.textContent).toContain('Editing the override for Host group “Web servers”');
    expect(el.querySelector<HTMLTextAreaElement>('textarea[aria-label="Override classifier"]')?.value).toBe('return "minor"');
    expect(el.querySelector<HTMLSelectElement>('select[name="overrideScope"]')?.value).toBe('group');
    click(el, 'Delete');
    await settle(fixture);
    expect(confirm.confirm).toHaveBeenCalledWith(expect.objectContaining({ title: 'Delete override?', confirmLabel: 'Delete' }));
    const req = http.expectOne('/api/classifier-overrides/5');
    expect(req.request.method).toBe('DELETE');
    req.flush(null, { status: 204, statusText: 'No Content' });
    await settle(fixture);
    http.expectOne((r) => r.url === '/api/classifier-overrides').flush({ items: [] });
    await settle(fixture);
    expect(el.textContent).toContain('No overrides');
    expect(el.textContent).toContain("Showing the plugin's default classifier");
  });

  it('shows a viewer the code and overrides but neither Run, Save nor Delete', async () => {
    const { el } = await open('viewer');
    expect(el.querySelector<HTMLTextAreaElement>('textarea[aria-label="Default classifier"]')?.readOnly).toBe(true);
    const buttons = buttonTexts(el);
    expect(buttons).not.toContain('Save as override');
    expect(buttons).not.toContain('Run');
    expect(buttons).not.toContain('Delete');
    expect(buttons).toContain('View');
    expect(el.querySelector('select[name="overrideTarget"]')).toBeNull();
    expect(el.textContent).toContain('Host group “Web servers”');
  });
});

describe('classifier editor helpers', () => {
  it('computes the test range', () => {
    expect(testRange('day', 100_000_000)).toEqual({ from: 100_000_000 - 86_400_000, to: 100_000_000 });
    expect(testRange('custom', 0, '2026-01-02T00:00', '2026-01-01T00:00')).toBeUndefined();
    expect(testRange('custom', 0, '', '2026-01-01T00:00')).toBeUndefined();
    const r = testRange('custom', 0, '2026-01-01T00:00', '2026-01-02T00:00');
    expect(r && r.to - r.from).toBe(86_400_000);
  });

  it('orders counts worst first and words the sentence', () => {
    expect(countsInOrder({ ok: 3, critical: 1 }).map((c) => c.severity)).toEqual(['critical', 'ok']);
    expect(transitionSentence(1)).toBe('This rule would have changed state 1 time');
  });
});
