import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting, type TestRequest } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideNoopAnimations } from '@angular/platform-browser/animations';
import { provideRouter } from '@angular/router';
import { signal } from '@angular/core';
import { Subject } from 'rxjs';
import { EventsService } from '../../core/events.service';
import type { ApiEvent, Check, HostReport, Plugin } from '../../core/protocol';
import { applyStoredResults, bandsFor, chartHintsOf, concernsHost, hostTransition, mergeTransitions, toPluginViews } from './host-detail';
import { AuthService } from '../../core/auth.service';
import { HostDetailComponent } from './host-detail.component';

const HOUR = 3_600_000;
const NOW = Date.now();

const report = (from: number, to: number): HostReport => ({
  host: {
    id: 7,
    name: 'db-1',
    description: '',
    agentId: 'db-1',
    enrolmentState: 'enrolled',
    connectedSince: NOW - 2 * HOUR,
    lastSeen: NOW - 5_000,
    unreachableSince: null,
    agentVersion: '0.3.1',
    platform: 'linux',
    hostname: 'db-1.example',
    createdAt: 0,
    updatedAt: 0,
  },
  severity: 'minor',
  presence: { state: 'connected', since: NOW - 2 * HOUR, lastSeen: NOW - 5_000 },
  from,
  to,
  resolutionMs: 0,
  plugins: [
    {
      pluginId: 'io.prophasis.disk',
      checkId: 1,
      severity: 'minor',
      value: 87.25,
      message: '/var is 87 % full',
      resultType: 'plugin',
      measuredAt: NOW - 30_000,
      changedAt: NOW - HOUR,
      series: [
        { t: from + 60_000, value: 80 },
        { t: from + 120_000, value: 81 },
        { t: from + 180_000, value: 87.25 },
      ],
    },
    { pluginId: 'io.prophasis.raid', checkId: 1, severity: 'ok', value: null, message: 'md0: clean [UU]', resultType: 'plugin', measuredAt: NOW - 30_000, changedAt: NOW - 9 * HOUR, series: [] },
  ],
});

const disk = {
  id: 2,
  pluginId: 'io.prophasis.disk',
  name: 'Disk usage',
  description: '',
  version: '1.0.0',
  versions: [{ version: '1.0.0', manifest: { chart: { unit: '%' } } }],
  createdAt: 0,
  updatedAt: 0,
} as unknown as Plugin;

describe('host detail: plugin state', () => {
  it('reads chart hints from the plugin or its newest manifest, and nothing from junk', () => {
    expect(chartHintsOf(disk)).toEqual({ unit: '%' });
    expect(chartHintsOf({ chart: { unit: 'ms', label: 'Response', kind: 'line' } })).toEqual({ unit: 'ms', label: 'Response', kind: 'line' });
    expect(chartHintsOf(undefined)).toEqual({});
    expect(chartHintsOf({ versions: 'x', chart: 3 })).toEqual({});
  });

  it('gives numeric plugins a chart with their unit and text plugins none', () => {
    const views = toPluginViews(report(NOW - HOUR, NOW), new Map([[disk.pluginId, disk]]));
    expect(views.map((v) => [v.name, v.valueText, !!v.chart])).toEqual([
      ['Disk usage', '87.3 %', true],
      ['io.prophasis.raid', '—', false],
    ]);
    expect(views[1]?.message).toBe('md0: clean [UU]');
  });

  it('reads the axis range and threshold bands of the chart hints, leaving malformed bands out', () => {
    const hints = chartHintsOf({ chart: { unit: '%', min: 0, max: 100, bands: [{ from: 90, severity: 'major' }, { severity: 'minor' }, { from: 1, severity: 'purple' }, 'x'] } });
    expect(hints).toEqual({ unit: '%', min: 0, max: 100, bands: [{ from: 90, severity: 'major' }] });
  });

  it('takes bands from the check’s thresholds over the schema defaults, else from the manifest', () => {
    const cpu = {
      ...disk,
      pluginId: 'io.prophasis.cpu-load',
      versions: [{ version: '1.0.0', parameters: { type: 'object', properties: { minorAbove: { type: 'number', default: 75 }, majorAbove: { type: 'number', default: 90 } } } }],
    } as unknown as Plugin;
    expect(bandsFor(cpu, undefined, {})).toEqual([
      { from: 75, to: 90, severity: 'minor' },
      { from: 90, severity: 'major' },
    ]);
    expect(bandsFor(cpu, { minorAbove: 60 }, { bands: [{ from: 1, severity: 'critical' }] })).toEqual([
      { from: 60, to: 90, severity: 'minor' },
      { from: 90, severity: 'major' },
    ]);
    // No thresholds in the parameters: the manifest's bands.
    expect(bandsFor(disk, { mountpoint: '/' }, { bands: [{ from: 1, severity: 'critical' }] })).toEqual([{ from: 1, severity: 'critical' }]);
    expect(bandsFor(undefined, undefined, {})).toEqual([]);
  });

  it('gives each chart the axis range of its hints and the bands of the check it runs in', () => {
    const withHints = { ...disk, chart: { unit: '%', min: 0, max: 100 } } as unknown as Plugin;
    const check = { id: 1, name: 'disks', plugins: [{ pluginId: 'io.prophasis.disk', params: { minorAbove: 85, majorAbove: 95 } }] } as unknown as Check;
    const [view, raid] = toPluginViews(report(NOW - HOUR, NOW), new Map([[disk.pluginId, withHints]]), new Map([[1, check]]));
    expect([view?.min, view?.max]).toEqual([0, 100]);
    expect(view?.bands).toEqual([
      { from: 85, to: 95, severity: 'minor' },
      { from: 95, severity: 'major' },
    ]);
    // A text plugin has no chart and so no bands.
    expect(raid?.bands).toEqual([]);
  });

  it('merges stored and live transitions newest first, a live one the history holds once, at most max', () => {
    const t = (key: string, at: number, plugin = 'disk') => ({ key, at, plugin, from: 'ok' as const, to: 'minor' as const });
    expect(mergeTransitions([t('s2', 20), t('s1', 10)], [t('l1', 20), t('l2', 30), t('l3', 20, 'cpu')], 10).map((x) => x.key)).toEqual(['l2', 's2', 'l3', 's1']);
    expect(mergeTransitions([t('s2', 20), t('s1', 10)], [t('l2', 30)], 2).map((x) => x.key)).toEqual(['l2', 's2']);
  });

  it('picks this host’s live events and names the plugin of a change', () => {
    const changed = { type: 'state.changed' as const, ts: 10, data: { hostId: 7, pluginId: 2, from: 'ok', to: 'minor', at: 9 } };
    expect(concernsHost(changed, 7)).toBe(true);
    expect(concernsHost({ ...changed, data: { ...changed.data, hostId: 8 } }, 7)).toBe(false);
    expect(concernsHost({ type: 'host.presence', ts: 1, data: { type: 'host.unreachable', hostId: '7' } }, 7)).toBe(true);
    expect(concernsHost({ type: 'result.stored', ts: 1, data: { count: 2, latest: [{ hostId: 3 }, { hostId: 7 }] } }, 7)).toBe(true);
    expect(concernsHost({ type: 'result.stored', ts: 1, data: { count: 1, latest: [{ hostId: 3 }] } }, 7)).toBe(false);
    expect(hostTransition(changed, 7, 0, (id) => (id === 2 ? 'Disk usage' : '?'))).toEqual({ key: '9-0', at: 9, plugin: 'Disk usage', from: 'ok', to: 'minor' });
  });
});

describe('host detail: live newest results', () => {
  const stored = (latest: unknown[]): ApiEvent => ({ type: 'result.stored', ts: NOW, data: { count: latest.length, latest } });
  const key = (id: unknown) => (id === 2 ? 'io.prophasis.disk' : undefined);

  it('applies the newest result of this host’s series: value, measured time and check, not the state', () => {
    const before = report(NOW - HOUR, NOW);
    const after = applyStoredResults(before, stored([{ hostId: 7, pluginId: 2, checkId: 3, severity: 'critical', value: 91.5, measuredAt: NOW - 1_000 }]), key);
    const disk = after.plugins.find((p) => p.pluginId === 'io.prophasis.disk');
    expect(disk).toMatchObject({ value: 91.5, measuredAt: NOW - 1_000, checkId: 3, severity: 'minor', changedAt: NOW - HOUR });
    expect(after.plugins.find((p) => p.pluginId === 'io.prophasis.raid')).toBe(before.plugins[1]);
    expect(before.plugins[0]?.value).toBe(87.25);
  });

  it('ignores older results, other hosts, unknown plugins and other events, answering the same report', () => {
    const before = report(NOW - HOUR, NOW);
    expect(applyStoredResults(before, stored([{ hostId: 7, pluginId: 2, value: 50, measuredAt: NOW - 60_000 }]), key)).toBe(before);
    expect(applyStoredResults(before, stored([{ hostId: 8, pluginId: 2, value: 50, measuredAt: NOW }]), key)).toBe(before);
    expect(applyStoredResults(before, stored([{ hostId: 7, pluginId: 99, value: 50, measuredAt: NOW }]), key)).toBe(before);
    expect(applyStoredResults(before, stored([null, 'junk', { hostId: 7, pluginId: 2 }]), key)).toBe(before);
    expect(applyStoredResults(before, { type: 'config.changed', ts: NOW, data: { resource: 'hosts' } }, key)).toBe(before);
  });
});

describe('HostDetailComponent', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), provideNoopAnimations()] });
    http = TestBed.inject(HttpTestingController);
  });

  // The stored transitions the page also reads (answered empty unless a test answers them).
  afterEach(() => {
    for (const r of http.match((r) => r.url === '/api/reports/transitions')) r.flush({ items: [], total: 0, limit: 50, offset: 0 });
    for (const r of http.match((r) => r.url === '/api/checks')) r.flush({ items: [], total: 0, limit: 500, offset: 0 });
    // Its dependencies card (host-dependencies.component.spec.ts tests it).
    for (const r of http.match((r) => /^\/api\/hosts\/\d+\/dependencies$/.test(r.url))) r.flush({ parents: [], ancestors: [], children: [], causedBy: null });
    // Its devices panel (devices/device-panel.component.spec.ts tests it): a collector of none.
    for (const r of http.match((r) => /^\/api\/hosts\/\d+\/devices$/.test(r.url))) r.flush([]);
    http.verify();
  });

  async function settle(fixture: { whenStable(): Promise<unknown>; detectChanges(): void }): Promise<void> {
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await fixture.whenStable();
    fixture.detectChanges();
  }

  function reportRequest(): TestRequest {
    return http.expectOne((r) => r.url === '/api/reports/hosts/7');
  }

  it('asks for the chosen range and renders each plugin’s state', async () => {
    const fixture = TestBed.createComponent(HostDetailComponent);
    fixture.componentRef.setInput('id', '7');
    fixture.componentRef.setInput('range', 'hour');
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/api/plugins').flush({ items: [disk], total: 1, limit: 500, offset: 0 });
    const req = reportRequest();
    const from = Number(req.request.params.get('from'));
    const to = Number(req.request.params.get('to'));
    expect(to - from).toBe(HOUR);
    expect(Math.abs(to - Date.now())).toBeLessThan(5_000);
    req.flush(report(from, to));
    await settle(fixture);

    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('h1')?.textContent).toContain('db-1');
    const card = el.querySelector('[data-plugin="io.prophasis.disk"]');
    expect(card?.textContent).toContain('Disk usage');
    expect(card?.querySelector('p-severity-badge')?.getAttribute('data-severity')).toBe('minor');
    expect(card?.querySelector('p-severity-badge')?.textContent?.trim()).toBe('Minor');
    expect(card?.textContent).toContain('87.3 %');
    expect(card?.textContent).toContain('/var is 87 % full');
    expect(card?.querySelector('p-chart')).not.toBeNull();
    const raid = el.querySelector('[data-plugin="io.prophasis.raid"]');
    expect(raid?.querySelector('p-chart')).toBeNull();
    expect(raid?.querySelector('.messages')?.textContent).toContain('md0: clean [UU]');
    // Agent status, and no "Run now" because the API has no such route.
    expect(el.textContent).toContain('Connected since');
    expect(el.textContent).toContain('0.3.1');
    expect(el.textContent).not.toContain('Run now');
  });

  it('an operator gets Acknowledge and Silence on each plugin in a problem state: the silence covers that plugin on this host', async () => {
    void TestBed.inject(AuthService).ensureLoaded();
    http.expectOne('/api/auth/me').flush({ id: 1, name: 'ops', role: 'operator', expiresAt: Date.now() + 60_000 });
    const fixture = TestBed.createComponent(HostDetailComponent);
    fixture.componentRef.setInput('id', '7');
    fixture.componentRef.setInput('range', 'hour');
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/api/plugins').flush({ items: [disk], total: 1, limit: 500, offset: 0 });
    const req = reportRequest();
    req.flush(report(Number(req.request.params.get('from')), Number(req.request.params.get('to'))));
    await settle(fixture);
    const card = (fixture.nativeElement as HTMLElement).querySelector('[data-plugin="io.prophasis.disk"]')!;
    const silence = [...card.querySelectorAll('a')].find((a) => a.textContent?.trim() === 'Silence');
    expect(silence?.getAttribute('href')).toBe('/silences?hostId=7&pluginId=2');
    expect([...card.querySelectorAll('button')].some((b) => b.textContent?.trim() === 'Acknowledge')).toBe(true);
  });

  it('an unreachable host: the state the host list shows, unreachable since, plugins as last known', async () => {
    const fixture = TestBed.createComponent(HostDetailComponent);
    fixture.componentRef.setInput('id', '7');
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/api/plugins').flush({ items: [disk], total: 1, limit: 500, offset: 0 });
    const base = report(NOW - HOUR, NOW);
    const lastSeen = NOW - 10 * 60_000;
    const since = NOW - 8 * 60_000;
    reportRequest().flush({
      ...base,
      host: { ...base.host, connectedSince: null, lastSeen, unreachableSince: since },
      severity: 'major',
      presence: { state: 'unreachable', since, lastSeen },
      plugins: base.plugins.map((p) => ({ ...p, severity: 'ok' })),
    });
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('.head p-severity-badge')?.getAttribute('data-severity')).toBe('major');
    expect(el.querySelector('.head .head-presence')?.textContent?.replace(/\s+/g, ' ')).toContain('Unreachable since');
    expect(el.querySelector('dd.presence')?.textContent?.trim()).toBe('Unreachable');
    expect(el.querySelector('dd.presence')?.getAttribute('data-presence')).toBe('unreachable');
    expect(el.textContent).toContain('Unreachable since');
    expect(el.textContent).not.toContain('Not connected');
    expect(el.querySelector('.last-known-note')?.textContent).toContain('counts as Major');
    const card = el.querySelector('[data-plugin="io.prophasis.disk"]');
    expect(card?.querySelector('.plugin-state')?.textContent).toContain('last known');
    expect(card?.querySelector('p-severity-badge')?.getAttribute('data-severity')).toBe('ok');
  });

  it('the Transitions panel shows the stored history (host and plugins, with dates) merged with live changes, each once', async () => {
    const fixture = TestBed.createComponent(HostDetailComponent);
    fixture.componentRef.setInput('id', '7');
    fixture.componentRef.setInput('range', 'hour');
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/api/plugins').flush({ items: [disk], total: 1, limit: 500, offset: 0 });
    const req = reportRequest();
    req.flush(report(Number(req.request.params.get('from')), Number(req.request.params.get('to'))));
    const history = http.expectOne((r) => r.url === '/api/reports/transitions');
    expect(history.request.params.get('hostId')).toBe('7');
    // The same range as the charts (the last hour here).
    expect(history.request.params.get('from')).toBe(req.request.params.get('from'));
    expect(history.request.params.get('to')).toBe(req.request.params.get('to'));
    const t = (id: number, at: number, pluginId: string | null, pluginName: string | null, from: 'ok' | 'minor', to: 'ok' | 'minor') =>
      ({ id, at, hostId: 7, hostName: 'db-1', serviceId: null, serviceName: null, pluginId, pluginName, from, to, late: false });
    history.flush({
      items: [t(2, Date.UTC(2026, 0, 2, 9, 0), null, null, 'ok', 'minor'), t(1, Date.UTC(2026, 0, 1, 8, 0), 'io.prophasis.disk', 'Disk usage', 'ok', 'minor')],
      total: 2,
      limit: 50,
      offset: 0,
    });
    await settle(fixture);
    const items = [...(fixture.nativeElement as HTMLElement).querySelectorAll('.transitions li')].map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
    expect(items.length).toBe(2);
    expect(items[0]).toContain('host');
    expect(items[1]).toContain('Disk usage');
    expect(items[1]).toMatch(/2026-01-01 \d\d:00:00/);
    expect((fixture.nativeElement as HTMLElement).querySelector('.transitions a[href^="/problems"]')?.getAttribute('href')).toBe('/problems?hostId=7&range=hour');
  });

  it('shows the API’s error when the host does not exist', async () => {
    const fixture = TestBed.createComponent(HostDetailComponent);
    fixture.componentRef.setInput('id', '7');
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/api/plugins').flush({ items: [], total: 0, limit: 500, offset: 0 });
    const req = reportRequest();
    // Default range: the last day.
    expect(Number(req.request.params.get('to')) - Number(req.request.params.get('from'))).toBe(24 * HOUR);
    req.flush({ code: 'CORE_API_NOT_FOUND', message: 'Not found: host 7' }, { status: 404, statusText: 'Not Found' });
    await settle(fixture);
    expect((fixture.nativeElement as HTMLElement).querySelector('.p-error-banner')?.textContent).toContain('Not found: host 7');
  });
});

describe('HostDetailComponent, live', () => {
  const live = new Subject<ApiEvent>();
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        provideNoopAnimations(),
        { provide: EventsService, useValue: { events$: live.asObservable(), connected: signal(true) } },
      ],
    });
    http = TestBed.inject(HttpTestingController);
  });
  // The stored transitions the page also reads (answered empty unless a test answers them).
  afterEach(() => {
    for (const r of http.match((r) => r.url === '/api/reports/transitions')) r.flush({ items: [], total: 0, limit: 50, offset: 0 });
    for (const r of http.match((r) => r.url === '/api/checks')) r.flush({ items: [], total: 0, limit: 500, offset: 0 });
    // Its dependencies card (host-dependencies.component.spec.ts tests it).
    for (const r of http.match((r) => /^\/api\/hosts\/\d+\/dependencies$/.test(r.url))) r.flush({ parents: [], ancestors: [], children: [], causedBy: null });
    // Its devices panel (devices/device-panel.component.spec.ts tests it): a collector of none.
    for (const r of http.match((r) => /^\/api\/hosts\/\d+\/devices$/.test(r.url))) r.flush([]);
    http.verify();
  });

  async function settle(fixture: { whenStable(): Promise<unknown>; detectChanges(): void }): Promise<void> {
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await fixture.whenStable();
    fixture.detectChanges();
  }
  const reportRequest = () => http.expectOne((r) => r.url === '/api/reports/hosts/7');

  it('shows the newest value of a result.stored event at once, then reloads', async () => {
    const fixture = TestBed.createComponent(HostDetailComponent);
    fixture.componentRef.setInput('id', '7');
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/api/plugins').flush({ items: [disk], total: 1, limit: 500, offset: 0 });
    reportRequest().flush(report(NOW - HOUR, NOW));
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    const value = () => el.querySelector('[data-plugin="io.prophasis.disk"] .value')?.textContent?.trim();
    expect(value()).toBe('87.3 %');
    live.next({ type: 'result.stored', ts: NOW, data: { count: 1, latest: [{ hostId: 7, pluginId: 2, checkId: 1, severity: 'minor', value: 11.4, measuredAt: NOW + 1_000 }] } });
    await settle(fixture);
    expect(value()).toBe('11.4 %');
    // The report follows (coalesced) with what the event does not carry.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    reportRequest().flush(report(NOW - HOUR, NOW + 2_000));
    await settle(fixture);
  });
});
