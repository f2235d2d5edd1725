import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { By } from '@angular/platform-browser';
import { Router } from '@angular/router';
import type { Plugin, UploadResult } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { answerAll, buttonTexts, page, settle, setUpPage } from '../../shared/ui/page-testing';
import { describeUpload, fileToBase64 } from './bundle-upload';
import { ClassifierEditorComponent } from './classifier-editor.component';
import { PluginDetailComponent } from './plugin-detail.component';
import { PluginListComponent } from './plugin-list.component';

const plugin: Plugin = {
  id: 7,
  pluginId: 'io.prophasis.disk',
  name: 'Disk',
  description: '',
  version: '1.1.0',
  versions: [
    { version: '1.1.0', sha256: '0'.repeat(64), publisher: 'P', requestedCapabilities: ['os.info', 'exec:/bin/df'], approvedCapabilities: null, approvedAt: null, historyCount: 5, createdAt: 2, defaultClassifier: 'return "minor"' },
    { version: '1.0.0', sha256: '1'.repeat(64), publisher: 'P', requestedCapabilities: ['os.info'], approvedCapabilities: ['os.info'], approvedAt: 1, historyCount: 1, createdAt: 1, defaultClassifier: 'return "ok"' },
  ],
  createdAt: 0,
  updatedAt: 0,
};

const uploaded: UploadResult = {
  id: 7,
  pluginId: 'io.prophasis.disk',
  name: 'Disk',
  version: '1.1.0',
  sha256: '0'.repeat(64),
  publisher: 'P',
  publisherKeyId: 'a'.repeat(64),
  publisherTrusted: true,
  requestedCapabilities: ['os.info', 'exec:/bin/df'],
  approvedCapabilities: null,
  addedCapabilities: ['exec:/bin/df'],
  previousApprovedVersion: '1.0.0',
  approval: 'pending',
  approvedBy: null,
  approvedAt: null,
  usable: false,
  historyCount: 5,
  createdAt: 2,
  created: true,
};

describe('plugin pages', () => {
  let http: HttpTestingController;
  const confirm = { confirm: vi.fn(() => Promise.resolve(true)) };
  afterEach(() => http.verify());

  it('approves exactly the capabilities a pending version asks for, after confirmation', async () => {
    http = setUpPage('admin', [{ provide: ConfirmService, useValue: confirm }]);
    const fixture = TestBed.createComponent(PluginDetailComponent);
    fixture.componentRef.setInput('id', '7');
    fixture.detectChanges();
    await answerAll(http, fixture, { 'plugins/7': plugin, hosts: [], groups: [], checks: [], 'classifier-overrides': { items: [] } });
    const el = fixture.nativeElement as HTMLElement;
    expect(el.textContent).toContain('Run the program /bin/df on the host');
    // Issue 21: plural forms by the plural rules, not "last 1 results".
    expect(el.textContent).toContain('last 5 results');
    expect(el.textContent).toContain('last 1 result');
    expect(el.textContent).not.toContain('1 results');
    // The classifier editor starts from the approved version's default classifier.
    const editor = fixture.debugElement.query(By.directive(ClassifierEditorComponent)).componentInstance as ClassifierEditorComponent;
    expect(editor.defaultCode()).toBe('return "ok"');
    // Only the pending version offers Approve.
    expect(buttonTexts(el).filter((t) => t === 'Approve capabilities')).toHaveLength(1);
    [...el.querySelectorAll('button')].find((b) => b.textContent?.includes('Approve capabilities'))?.click();
    await settle(fixture);
    expect(confirm.confirm).toHaveBeenCalledWith(expect.objectContaining({ title: 'Approve Disk 1.1.0?', confirmLabel: 'Approve' }));
    const req = http.expectOne((r) => r.method === 'POST');
    expect(req.request.url).toBe('/api/plugins/7/versions/1.1.0/approve');
    expect(req.request.body).toEqual({ capabilities: ['os.info', 'exec:/bin/df'] });
    req.flush({});
    await settle(fixture);
    // The page reloads the plugin to show the new state.
    http.expectOne('/api/plugins/7').flush({ ...plugin, versions: [{ ...plugin.versions[0], approvedCapabilities: ['os.info', 'exec:/bin/df'], approvedAt: 3 }, plugin.versions[1]] });
    await settle(fixture);
    expect(buttonTexts(el)).not.toContain('Approve capabilities');
  });

  it('uploads a bundle as base64 and opens the plugin it added', async () => {
    http = setUpPage('admin');
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    const fixture = TestBed.createComponent(PluginListComponent);
    fixture.detectChanges();
    await answerAll(http, fixture, { plugins: [] });
    const el = fixture.nativeElement as HTMLElement;
    const input = el.querySelector<HTMLInputElement>('input[type="file"]');
    if (!input) throw new Error('no file input');
    Object.defineProperty(input, 'files', { value: [new File([new Uint8Array([80, 75, 3, 4])], 'disk.zip')] });
    input.dispatchEvent(new Event('change'));
    await settle(fixture);
    const req = http.expectOne('/api/plugins/upload');
    expect(req.request.body).toEqual({ bundle: btoa('PK\x03\x04') });
    req.flush(uploaded, { status: 201, statusText: 'Created' });
    await settle(fixture);
    // The list reloads; the plugin opens by the row id of the answer, without a search.
    http.expectOne((r) => r.url === '/api/plugins').flush(page([plugin]));
    await settle(fixture);
    expect(el.textContent).toContain('io.prophasis.disk 1.1.0 was added. It waits for an administrator');
    expect(navigate).toHaveBeenCalledWith(['/plugins', 7]);
  });

  it('shows neither Upload nor Approve to a viewer', async () => {
    http = setUpPage('viewer');
    const list = TestBed.createComponent(PluginListComponent);
    list.detectChanges();
    await answerAll(http, list, { plugins: [plugin] });
    expect(buttonTexts(list.nativeElement)).not.toContain('Upload bundle');
    expect((list.nativeElement as HTMLElement).querySelector('input[type="file"]')).toBeNull();
  });
});

describe('bundle upload', () => {
  it('encodes a bundle as base64', async () => {
    const bytes = new Uint8Array(70_000).map((_, i) => i % 256);
    const text = await fileToBase64(new Blob([bytes]));
    expect(Uint8Array.from(atob(text), (c) => c.charCodeAt(0))).toEqual(bytes);
  });

  it('says what the upload did, for every approval state', () => {
    expect(describeUpload(uploaded)).toBe('io.prophasis.disk 1.1.0 was added. It waits for an administrator to approve its capabilities.');
    expect(describeUpload({ ...uploaded, approval: 'inherited', created: false })).toBe(
      'io.prophasis.disk 1.1.0 was already stored. It asks for nothing the previous approved version did not have, so it is approved.',
    );
    expect(describeUpload({ ...uploaded, approval: 'approved' })).toBe('io.prophasis.disk 1.1.0 was added. It is approved.');
    expect(describeUpload({ ...uploaded, approval: 'site' })).toBe('io.prophasis.disk 1.1.0 was added. It is approved.');
  });
});
