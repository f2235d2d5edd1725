import { HttpTestingController } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { Subject } from 'rxjs';
import { EventsService } from '../../core/events.service';
import type { ApiEvent, CurrentProblems, HostHealth, ProblemsOverTime, TopHost } from '../../core/protocol';
import { page, settle, setUpPage } from '../../shared/ui/page-testing';
import { DashboardComponent } from './dashboard.component';

const HOUR = 3_600_000;
const NOW = Date.now();

const hosts: HostHealth[] = [
  { id: 3, name: 'db-1', severity: 'major', enrolmentState: 'enrolled', presence: { state: 'connected', since: NOW - HOUR, lastSeen: NOW }, online: true, lastSeen: NOW, plugins: 2 },
  { id: 4, name: 'web-2', severity: 'major', enrolmentState: 'enrolled', presence: { state: 'unreachable', since: NOW - HOUR, lastSeen: NOW - HOUR }, online: false, lastSeen: NOW - HOUR, plugins: 1 },
];
const problems: CurrentProblems = {
  total: 1,
  items: [
    {
      problem: 'h:3:p:5',
      kind: 'plugin',
      hostId: 3,
      hostName: 'db-1',
      pluginId: 'io.prophasis.cpu-load',
      pluginName: 'CPU load',
      serviceId: null,
      serviceName: null,
      severity: 'major',
      since: NOW - HOUR,
      acknowledged: null,
      maintenance: null,
      flapping: false,
    },
  ],
};
const overTime = (from: number, to: number): ProblemsOverTime => ({
  from,
  to,
  bucketMs: (to - from) / 2,
  buckets: [
    { t: from, counts: { critical: 0, major: 1, minor: 0, degraded: 0, unknown: 0 } },
    { t: from + (to - from) / 2, counts: { critical: 0, major: 2, minor: 1, degraded: 0, unknown: 0 } },
  ],
});
const top: TopHost[] = [{ hostId: 3, hostName: 'db-1', value: 93.5, measuredAt: NOW, severity: 'major' }];

describe('DashboardComponent', () => {
  let http: HttpTestingController;
  const live = new Subject<ApiEvent>();

  beforeEach(() => {
    http = setUpPage('viewer', [{ provide: EventsService, useValue: { events$: live.asObservable(), connected: signal(true) } }]);
  });
  afterEach(() => http.verify());

  async function open(range?: string) {
    const fixture = TestBed.createComponent(DashboardComponent);
    if (range) fixture.componentRef.setInput('range', range);
    fixture.detectChanges();
    await settle(fixture);
    return fixture;
  }

  /** Answers every request of one reload; returns the problems-over-time request's query. */
  async function answer(fixture: Awaited<ReturnType<typeof open>>) {
    const overTimeRequest = http.expectOne((r) => r.url === '/api/reports/problems-over-time');
    const params = overTimeRequest.request.params;
    overTimeRequest.flush(overTime(Number(params.get('from')), Number(params.get('to'))));
    http.expectOne('/api/reports/hosts').flush(hosts);
    http.expectOne('/api/reports/services').flush([]);
    http.expectOne((r) => r.url === '/api/reports/transitions').flush(page([]));
    http.expectOne((r) => r.url === '/api/plugins').flush(page([]));
    const problemsRequest = http.expectOne((r) => r.url === '/api/reports/problems');
    expect(problemsRequest.request.params.get('limit')).toBe('12');
    problemsRequest.flush(problems);
    const busiest = http.match((r) => r.url === '/api/reports/top-hosts');
    expect(busiest.map((r) => r.request.params.get('pluginId'))).toEqual(['io.prophasis.cpu-load', 'io.prophasis.memory-usage', 'io.prophasis.disk-usage']);
    for (const r of busiest) r.flush(r.request.params.get('pluginId') === 'io.prophasis.cpu-load' ? top : []);
    await settle(fixture);
    return params;
  }

  it('loads every panel: problems now, problems over time for the URL’s range, busiest hosts, agents offline', async () => {
    const fixture = await open('week');
    const params = await answer(fixture);
    expect(Number(params.get('to')) - Number(params.get('from'))).toBe(7 * 24 * HOUR);
    expect(params.get('buckets')).toBe('56');
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('p-problems-now li')?.textContent).toContain('db-1 · CPU load');
    expect(el.querySelector('p-problems-over-time ngx-charts-area-chart-stacked')).not.toBeNull();
    expect(el.querySelector('p-problems-over-time mat-card-subtitle')?.textContent).toContain('at most 3 at once');
    const cpu = el.querySelector('p-busiest-hosts[data-plugin="io.prophasis.cpu-load"]');
    expect(cpu?.querySelector('.value')?.textContent?.trim()).toBe('93.5 %');
    expect(el.querySelector('p-busiest-hosts[data-plugin="io.prophasis.disk-usage"]')?.textContent).toContain('No values yet.');
    expect(el.querySelector('p-agents-offline .big')?.textContent).toBe('1');
    expect(el.querySelector('p-agents-offline li a')?.textContent).toBe('web-2');
  });

  it('a preset or a zoom goes into the URL; Reset zoom returns to the range before it', async () => {
    const fixture = await open();
    await answer(fixture);
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    const panel = fixture.debugElement.query((d) => d.name === 'p-problems-over-time');
    panel.triggerEventHandler('choiceChange', { preset: 'custom', from: NOW - 2 * HOUR, to: NOW - HOUR });
    expect(navigate.mock.calls[0]?.[1]?.queryParams).toEqual({ range: 'custom', from: String(NOW - 2 * HOUR), to: String(NOW - HOUR) });
    fixture.detectChanges();
    expect(panel.componentInstance.zoomed()).toBe(true);
    panel.triggerEventHandler('resetZoom');
    expect(navigate.mock.calls[1]?.[1]?.queryParams).toEqual({ range: null, from: null, to: null });
    panel.triggerEventHandler('choiceChange', { preset: 'month' });
    expect(navigate.mock.calls[2]?.[1]?.queryParams).toEqual({ range: 'month', from: null, to: null });
    fixture.detectChanges();
    expect(panel.componentInstance.zoomed()).toBe(false);
  });

  it('a change of state reloads every panel within a second, without a page reload', async () => {
    const fixture = await open();
    await answer(fixture);
    live.next({ type: 'state.changed', ts: NOW, data: { hostId: 3, pluginId: 5, from: 'ok', to: 'major', at: NOW } });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await settle(fixture);
    const problemsAgain = http.expectOne((r) => r.url === '/api/reports/problems');
    problemsAgain.flush({ total: 0, items: [] });
    expect(http.match((r) => r.url === '/api/reports/top-hosts').length).toBe(3);
    http.expectOne((r) => r.url === '/api/reports/problems-over-time').flush(overTime(NOW - 24 * HOUR, NOW));
    http.expectOne('/api/reports/hosts').flush(hosts);
    http.expectOne('/api/reports/services').flush([]);
    http.expectOne((r) => r.url === '/api/reports/transitions').flush(page([]));
    await settle(fixture);
    expect((fixture.nativeElement as HTMLElement).querySelector('p-problems-now')?.textContent).toContain('No problems: everything is OK.');
  });
});
