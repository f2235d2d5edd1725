import { TestBed } from '@angular/core/testing';
import type { HttpTestingController } from '@angular/common/http/testing';
import { ApiError } from '../../core/api-error';
import { buttonTexts, setUpPage, settle } from '../../shared/ui/page-testing';
import { capabilityRows, groupFingerprint, newCapabilities, trustQuestion } from './install';
import type { InstallResult, MarketplacePluginPage } from '../../core/protocol';
import { MarketplacePluginComponent } from './marketplace-plugin.component';
import { MarketplaceComponent } from './marketplace.component';

const KEY = 'ab'.repeat(32);

const pluginPage = (over: Partial<MarketplacePluginPage> = {}): MarketplacePluginPage => ({
  id: 'io.example.raid',
  name: 'RAID health',
  description: 'Checks md arrays',
  readme: '# RAID\n<img src=x onerror="alert(1)">',
  tags: ['storage'],
  platforms: ['linux'],
  downloads: 12,
  latestVersion: '1.1.0',
  publisher: { name: 'Example Ltd', keys: [{ keyId: KEY, publicKeyPem: 'PEM', addedAt: 0, revokedAt: null }] },
  versions: [
    { version: '1.1.0', sha256: 'c'.repeat(64), size: 1, keyId: KEY, capabilities: ['fs.read:/proc/mdstat', 'exec:/sbin/mdadm'], changelog: 'Adds mdadm details', publishedAt: 0, yanked: false, yankedAt: null, downloads: 2 },
    { version: '1.0.0', sha256: 'd'.repeat(64), size: 1, keyId: KEY, capabilities: ['fs.read:/proc/mdstat'], changelog: 'First', publishedAt: 0, yanked: false, yankedAt: null, downloads: 10 },
  ],
  registry: 'local',
  trustedKeyIds: [],
  installed: [],
  ...over,
});

const installResult: InstallResult = {
  registry: 'local',
  plugin: {
    id: 5,
    pluginId: 'io.example.raid',
    name: 'RAID health',
    version: '1.1.0',
    sha256: 'c'.repeat(64),
    publisher: 'Example Ltd',
    publisherKeyId: KEY,
    publisherTrusted: true,
    requestedCapabilities: ['fs.read:/proc/mdstat', 'exec:/sbin/mdadm'],
    approvedCapabilities: null,
    addedCapabilities: ['exec:/sbin/mdadm'],
    previousApprovedVersion: '1.0.0',
    approval: 'pending',
    approvedBy: null,
    approvedAt: null,
    usable: false,
    historyCount: 1,
    createdAt: 0,
  },
  created: true,
  requestedCapabilities: ['fs.read:/proc/mdstat', 'exec:/sbin/mdadm'],
  addedCapabilities: ['exec:/sbin/mdadm'],
  approvalRequired: true,
  publisher: { name: 'Example Ltd', keyId: KEY, trustedNow: true },
};

const PAGE_URL = '/api/marketplace/registries/local/plugins/io.example.raid';
const button = (el: HTMLElement, text: RegExp) => [...el.querySelectorAll('button')].find((b) => text.test(b.textContent?.trim() ?? ''));

describe('marketplace install logic', () => {
  it('reads the trust question from the 409 and nothing else', () => {
    const details = { registry: 'local', pluginId: 'io.example.raid', version: '1.1.0', publisher: 'Example Ltd', keyId: KEY, requestedCapabilities: ['os.info'] };
    expect(trustQuestion(new ApiError(409, 'CORE_MARKET_PUBLISHER_NOT_TRUSTED', 'not trusted', details))).toEqual({
      publisher: 'Example Ltd',
      keyId: KEY,
      pluginId: 'io.example.raid',
      version: '1.1.0',
      capabilities: ['os.info'],
    });
    expect(trustQuestion(new ApiError(409, 'CORE_MARKET_PUBLISHER_NOT_TRUSTED', 'x', { keyId: 'not-hex' }))).toBeUndefined();
    expect(trustQuestion(new ApiError(409, 'CORE_PLUGIN_VERSION_EXISTS', 'x', details))).toBeUndefined();
  });

  it('marks new capabilities and sorts them first', () => {
    const rows = capabilityRows(['fs.read:/proc/mdstat', 'exec:/sbin/mdadm'], ['exec:/sbin/mdadm']);
    expect(rows.map((r) => [r.text, r.added])).toEqual([
      ['exec:/sbin/mdadm', true],
      ['fs.read:/proc/mdstat', false],
    ]);
    expect(newCapabilities(['a', 'b'], ['a'])).toEqual(['b']);
    expect(newCapabilities(['a'], undefined)).toEqual([]);
    expect(groupFingerprint('abcdef012345')).toBe('abcd ef01 2345');
  });
});

describe('MarketplacePluginComponent', () => {
  let http: HttpTestingController;
  afterEach(() => http.verify());

  async function render(page: MarketplacePluginPage) {
    const fixture = TestBed.createComponent(MarketplacePluginComponent);
    fixture.componentRef.setInput('registry', 'local');
    fixture.componentRef.setInput('pluginId', 'io.example.raid');
    fixture.detectChanges();
    await settle(fixture);
    http.expectOne(PAGE_URL).flush(page);
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  it('renders the README as sanitised Markdown, versions with new capabilities and the publisher fingerprint', async () => {
    http = setUpPage('admin');
    const { el } = await render(pluginPage());
    // Issue 21: Markdown rendered (a heading, not "# RAID"), and the injected handler removed.
    const readme = el.querySelector('.readme');
    expect(readme?.querySelector('h1')?.textContent).toBe('RAID');
    expect(readme?.textContent).not.toContain('# RAID');
    expect(el.querySelector('[onerror]')).toBeNull();
    expect(el.querySelector('script')).toBeNull();
    expect(el.textContent).toContain(groupFingerprint(KEY));
    const added = [...el.querySelectorAll('.version li.added code')].map((c) => c.textContent);
    expect(added).toEqual(['exec:/sbin/mdadm']);
    expect(el.textContent).toContain('Run the program /sbin/mdadm');
  });

  it('asks "Trust this publisher?" on 409, then installs with trustPublisher and highlights new capabilities', async () => {
    http = setUpPage('admin');
    const { fixture, el } = await render(pluginPage());
    button(el, /^Install 1\.1\.0$/)?.click();
    await settle(fixture);
    const first = http.expectOne('/api/marketplace/install');
    expect(first.request.body).toEqual({ registry: 'local', pluginId: 'io.example.raid', version: '1.1.0' });
    first.flush(
      {
        code: 'CORE_MARKET_PUBLISHER_NOT_TRUSTED',
        message: 'not trusted',
        details: { registry: 'local', pluginId: 'io.example.raid', version: '1.1.0', publisher: 'Example Ltd', keyId: KEY, requestedCapabilities: installResult.requestedCapabilities },
      },
      { status: 409, statusText: 'Conflict' },
    );
    await settle(fixture);
    expect(el.textContent).toContain('Trust this publisher?');
    expect(el.querySelector('.trust-fingerprint')?.textContent).toBe(groupFingerprint(KEY));
    // Nothing else is sent until the administrator answers.
    http.expectNone('/api/marketplace/install');

    button(el, /^Trust and install$/)?.click();
    await settle(fixture);
    const second = http.expectOne('/api/marketplace/install');
    expect(second.request.body).toEqual({ registry: 'local', pluginId: 'io.example.raid', version: '1.1.0', trustPublisher: true, publisherKeyId: KEY });
    second.flush(installResult, { status: 201, statusText: 'Created' });
    await settle(fixture);
    http.expectOne(PAGE_URL).flush(pluginPage({ installed: [installResult.plugin] }));
    await settle(fixture);

    expect(el.textContent).not.toContain('Trust this publisher?');
    const result = el.querySelector('.result');
    const highlighted = [...(result?.querySelectorAll('li.added code') ?? [])].map((c) => c.textContent);
    expect(highlighted).toEqual(['exec:/sbin/mdadm']);
    expect(result?.querySelectorAll('li').length).toBe(2);
    const approve = result?.querySelector<HTMLAnchorElement>('a');
    expect(approve?.textContent?.trim()).toBe('Review and approve');
    expect(approve?.getAttribute('href')).toBe('/plugins/5');
  });

  it('declining trust sends nothing more and says so', async () => {
    http = setUpPage('admin');
    const { fixture, el } = await render(pluginPage());
    button(el, /^Install/)?.click();
    await settle(fixture);
    http.expectOne('/api/marketplace/install').flush(
      { code: 'CORE_MARKET_PUBLISHER_NOT_TRUSTED', message: 'not trusted', details: { publisher: 'Example Ltd', keyId: KEY, pluginId: 'io.example.raid', version: '1.1.0' } },
      { status: 409, statusText: 'Conflict' },
    );
    await settle(fixture);
    button(el, /^Do not trust$/)?.click();
    await settle(fixture);
    http.expectNone('/api/marketplace/install');
    expect(el.querySelector('[role="alert"]')?.textContent).toContain('not trusted');
  });

  it('offers Upgrade when an older version is installed', async () => {
    http = setUpPage('admin');
    const { el } = await render(pluginPage({ installed: [{ ...installResult.plugin, version: '1.0.0' }] }));
    expect(buttonTexts(el)).toContain('Upgrade 1.1.0');
  });

  it('offers nothing to install to viewers', async () => {
    http = setUpPage('viewer');
    const { el } = await render(pluginPage({ installed: [{ ...installResult.plugin, version: '1.0.0' }] }));
    expect(buttonTexts(el).some((t) => /Install|Upgrade/.test(t))).toBe(false);
  });
});

describe('MarketplaceComponent', () => {
  let http: HttpTestingController;
  afterEach(() => http.verify());

  it('searches every registry, shows cards, registry failures and updates', async () => {
    http = setUpPage('admin');
    const fixture = TestBed.createComponent(MarketplaceComponent);
    fixture.detectChanges();
    await settle(fixture);
    http.expectOne((r) => r.url === '/api/marketplace/plugins').flush({
      items: [
        {
          id: 'io.example.raid', name: 'RAID health', description: 'md arrays', publisher: 'Example Ltd', tags: ['storage', 'linux'], platforms: [], latestVersion: '1.1.0',
          latestSha256: 'c'.repeat(64), capabilities: [], downloads: 1234, updatedAt: 0, registry: 'local', installedVersion: '1.0.0', updateAvailable: true,
        },
      ],
      errors: [{ registry: 'vendor', code: 'CORE_MARKET_REGISTRY_UNREACHABLE', message: 'no answer' }],
    });
    http.expectOne('/api/marketplace/updates').flush({ items: [{ pluginId: 'io.example.raid', installedVersion: '1.0.0', latestVersion: '1.1.0', registry: 'local' }], errors: [] });
    http.expectOne('/api/marketplace/registries').flush({ items: [{ name: 'local', url: 'http://127.0.0.1:8090', local: true }] });
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    const card = el.querySelector('[data-plugin="io.example.raid"]');
    expect(card?.textContent).toContain('Example Ltd');
    expect(card?.textContent).toContain('1.1.0');
    expect(card?.textContent).toContain('1,234');
    expect(card?.textContent).toContain('storage');
    expect(el.textContent).toContain('Registry “vendor” did not answer: no answer');
    expect(el.textContent).toContain('Updates available');
    expect(buttonTexts(el)).toContain('Edit registries');
  });
});
