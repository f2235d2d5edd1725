import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting, type TestRequest } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideNoopAnimations } from '@angular/platform-browser/animations';
import { provideRouter } from '@angular/router';
import type { HostReport, Plugin } from '../../core/protocol';
import { chartHintsOf, concernsHost, hostTransition, toPluginViews } from './host-detail';
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

describe('HostDetailComponent', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), provideNoopAnimations()] });
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

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
