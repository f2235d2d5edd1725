import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { AlertTemplateList, AlertTemplates } from '../../core/protocol';
import { buttonTexts, settle, setUpPage } from '../../shared/ui/page-testing';
import { templateBody, TemplatesComponent, variableTag } from './templates.component';

const defaults = { subject: '{{headline}}', text: 'Alert: {{alert.name}}', html: '' };
const email: AlertTemplates = { module: 'email', label: 'E-mail', fields: ['subject', 'text', 'html'], ...defaults, defaults, custom: false, updatedAt: null, updatedBy: null };
const webhook: AlertTemplates = { ...email, module: 'webhook', label: 'Webhook', fields: ['subject', 'text'] };
const list: AlertTemplateList = {
  items: [email, webhook],
  variables: [
    { name: 'alert.name', description: 'the alert rule' },
    { name: 'causes[].plugin', description: "the plugin's name" },
  ],
};
const preview = { subject: 'web1 disk: ok → major', text: 'Alert: Disks full', html: null, source: { kind: 'sample', deliveryId: null, description: 'a sample' } };
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('notification templates page', () => {
  let http: HttpTestingController | undefined;
  afterEach(() => http?.verify());

  it('writes variables as template tags, list fields inside their section; sends only the fields the module has', () => {
    expect(variableTag('alert.name')).toBe('{{alert.name}}');
    expect(variableTag('causes[].plugin')).toBe('{{#causes}}{{plugin}}{{/causes}}');
    expect(variableTag('#plugin')).toBe('{{#plugin}}…{{/plugin}}');
    expect(templateBody(['subject', 'text'], { subject: 's', text: 't', html: '<p>' })).toEqual({ subject: 's', text: 't' });
    expect(templateBody(['subject', 'text', 'html'], { subject: 's', text: 't', html: '<p>' })).toEqual({ subject: 's', text: 't', html: '<p>' });
  });

  it('administrators edit with a live preview, see a template that does not render at its field, and save', async () => {
    const controller = (http = setUpPage('admin'));
    const fixture = TestBed.createComponent(TemplatesComponent);
    fixture.detectChanges();
    controller.expectOne('/api/alert-templates').flush(list);
    await settle(fixture);
    const first = controller.expectOne((r) => r.url === '/api/alert-templates/email/preview');
    expect(first.request.body).toEqual({ subject: '{{headline}}', text: 'Alert: {{alert.name}}', html: '', source: 'sample' });
    first.flush(preview);
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid="preview-subject"]')?.textContent).toBe('web1 disk: ok → major');
    expect(el.querySelector('[data-testid="preview-text"]')?.textContent).toBe('Alert: Disks full');
    expect(el.querySelector('.variables')?.textContent).toContain('{{#causes}}{{plugin}}{{/causes}}');
    expect(buttonTexts(el)).toContain('Save');

    // Typing: the preview follows (debounced); a refusal is shown under the field.
    const text = el.querySelector<HTMLTextAreaElement>('[data-testid="text"]')!;
    text.value = 'Host: {{#host}}{{host}}';
    text.dispatchEvent(new Event('input'));
    await wait(450);
    const bad = controller.expectOne((r) => r.url === '/api/alert-templates/email/preview');
    expect(bad.request.body.text).toBe('Host: {{#host}}{{host}}');
    bad.flush(
      { code: 'CORE_ALERT_INVALID_TEMPLATE', message: 'The notification template does not render: text: Unclosed section "host" on line 1', details: { field: 'text' } },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle(fixture);
    expect(el.querySelector('mat-error')?.textContent).toContain('Unclosed section "host" on line 1');

    text.value = 'Host: {{host}}';
    text.dispatchEvent(new Event('input'));
    await wait(450);
    controller.expectOne((r) => r.url === '/api/alert-templates/email/preview').flush({ ...preview, text: 'Host: web1' });
    await settle(fixture);
    expect(el.querySelector('[data-testid="preview-text"]')?.textContent).toBe('Host: web1');
    expect(el.querySelector('mat-error')).toBeNull();

    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const put = controller.expectOne((r) => r.method === 'PUT' && r.url === '/api/alert-templates/email');
    expect(put.request.body).toEqual({ subject: '{{headline}}', text: 'Host: {{host}}', html: '' });
    put.flush({ ...email, text: 'Host: {{host}}', custom: true, updatedAt: Date.UTC(2026, 11, 7, 10, 0), updatedBy: 'admin' });
    await settle(fixture);
    expect(el.querySelector('[role="status"]')?.textContent).toContain('Saved.');
    expect(el.textContent).toContain('Edited by admin');
  });

  it('a save the API refuses shows the error at the field it names', async () => {
    const controller = (http = setUpPage('admin'));
    const fixture = TestBed.createComponent(TemplatesComponent);
    fixture.detectChanges();
    controller.expectOne('/api/alert-templates').flush(list);
    await settle(fixture);
    controller.expectOne((r) => r.url === '/api/alert-templates/email/preview').flush(preview);
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    controller
      .expectOne((r) => r.method === 'PUT')
      .flush({ code: 'CORE_ALERT_INVALID_TEMPLATE', message: 'subject: unknown variable "hots" on line 1', details: { field: 'subject' } }, { status: 400, statusText: 'Bad Request' });
    await settle(fixture);
    expect(el.querySelector('mat-error')?.textContent).toContain('unknown variable "hots"');
  });

  it('viewers read and preview, without Save', async () => {
    const controller = (http = setUpPage('viewer'));
    const fixture = TestBed.createComponent(TemplatesComponent);
    fixture.detectChanges();
    controller.expectOne('/api/alert-templates').flush(list);
    await settle(fixture);
    controller.expectOne((r) => r.url === '/api/alert-templates/email/preview').flush(preview);
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    expect(buttonTexts(el)).not.toContain('Save');
    expect(el.querySelector<HTMLTextAreaElement>('[data-testid="text"]')!.disabled).toBe(true);
    expect(el.textContent).toContain('Only administrators edit templates.');
  });
});
