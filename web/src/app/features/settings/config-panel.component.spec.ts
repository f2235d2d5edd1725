import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { ConfigApplyResult } from '../../core/protocol';
import { settle, setUpPage } from '../../shared/ui/page-testing';
import { ConfigPanelComponent, describeChange } from './config-panel.component';

const YAML = 'version: 1\nhosts:\n  - name: web1\n';
const preview: ConfigApplyResult = {
  dryRun: true,
  prune: false,
  changed: true,
  changes: [
    { action: 'create', kind: 'hosts', name: 'web1' },
    { action: 'update', kind: 'checks', name: 'cpu', fields: ['plugins'] },
  ],
  notes: ['alerts[0].settings.token: PROPHASIS_SECRET_X is not set; the value this core has is kept'],
};

describe('settings page: configuration as code panel', () => {
  let http: HttpTestingController;
  afterEach(() => http.verify());

  async function render() {
    http = setUpPage('admin');
    const fixture = TestBed.createComponent(ConfigPanelComponent);
    fixture.detectChanges();
    const el = fixture.nativeElement as HTMLElement;
    const input = el.querySelector<HTMLInputElement>('input[type="file"]')!;
    const choose = async (name: string, text: string) => {
      // What the browser does when one picks a file (jsdom has no DataTransfer to set input.files with).
      Object.defineProperty(input, 'files', { value: [new File([text], name, { type: 'text/yaml' })], configurable: true });
      input.dispatchEvent(new Event('change'));
      await settle(fixture);
    };
    return { fixture, el, choose };
  }

  it('offers the export as a download of the API answer', async () => {
    const { el } = await render();
    const link = el.querySelector<HTMLAnchorElement>('a[download]')!;
    expect(link.getAttribute('href')).toBe('/api/config/export');
    expect(link.textContent).toContain('Export');
  });

  it('shows the dry run of a chosen file, then applies it on Apply', async () => {
    const { fixture, el, choose } = await render();
    await choose('site.yaml', YAML);
    const dry = http.expectOne((r) => r.method === 'POST' && r.url === '/api/config/apply?dryRun=true&prune=false');
    expect(dry.request.body).toEqual({ yaml: YAML });
    dry.flush(preview);
    await settle(fixture);
    const lines = [...el.querySelectorAll('[data-testid="config-preview"] li')].map((li) => li.textContent?.trim());
    expect(lines).toEqual(['+ create hosts web1', '~ update checks cpu (plugins)']);
    expect(el.textContent).toContain('PROPHASIS_SECRET_X is not set');

    [...el.querySelectorAll('button')].find((b) => b.textContent?.includes('Apply'))!.click();
    const real = http.expectOne((r) => r.method === 'POST' && r.url === '/api/config/apply?dryRun=false&prune=false');
    real.flush({ ...preview, dryRun: false });
    await settle(fixture);
    expect(el.querySelector('[data-testid="config-applied"]')?.textContent).toContain('Applied site.yaml: 1 created, 1 updated, 0 deleted.');
    expect(el.querySelector('[data-testid="config-preview"]')).toBeNull();
  });

  it('says when a file changes nothing, and shows a refusal with its place in the file', async () => {
    const { fixture, el, choose } = await render();
    await choose('same.yaml', YAML);
    http.expectOne((r) => r.url.startsWith('/api/config/apply')).flush({ ...preview, changed: false, changes: [], notes: [] });
    await settle(fixture);
    expect(el.textContent).toContain('No changes: this core already has the configuration of same.yaml.');

    await choose('bad.yaml', 'version: 1\nwidgets: []\n');
    http
      .expectOne((r) => r.url.startsWith('/api/config/apply'))
      .flush({ code: 'CORE_CONFIG_INVALID', message: 'The configuration file is invalid: widgets: unknown kind', details: { path: 'widgets' } }, { status: 400, statusText: 'Bad Request' });
    await settle(fixture);
    expect(el.querySelector('[role="alert"]')?.textContent).toContain('widgets: unknown kind');
    expect(el.querySelector('[data-testid="config-preview"]')).toBeNull();
  });

  it('writes each change as one line', () => {
    expect(describeChange({ action: 'delete', kind: 'silences', name: 'old' })).toBe('− delete silences old');
  });
});
