import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import type { HostHealth } from '../../core/protocol';
import { page, settle, setUpPage } from '../../shared/ui/page-testing';
import { HostHealthComponent } from './host-health.component';

const health = (id: number, name: string, severity: HostHealth['severity']): HostHealth => ({
  id,
  name,
  severity,
  enrolmentState: 'enrolled',
  presence: { state: 'connected', since: 0, lastSeen: 0 },
  online: true,
  lastSeen: 0,
  plugins: 3,
});
const HEALTH = [health(1, 'web-1', 'minor'), health(2, 'db-1', 'major'), health(3, 'web-2', 'ok')];
const HOSTS = [
  { id: 1, name: 'web-1', tags: ['web'] },
  { id: 2, name: 'db-1', tags: ['db'] },
  { id: 3, name: 'web-2', tags: ['web', 'eu'] },
];
const GROUPS = [
  { id: 7, name: 'prod', description: '', hostIds: [2], groupIds: [8] },
  { id: 8, name: 'frontend', description: '', hostIds: [1, 3], groupIds: [] },
];
const SPARKS = {
  from: 0,
  to: 3_600_000,
  stepMs: 60_000,
  plugins: [
    { pluginId: 'io.prophasis.cpu-load', name: 'CPU load', unit: '%', min: 0, max: 100 },
    { pluginId: 'io.prophasis.memory-usage', name: 'Memory', unit: '%', min: 0, max: 100 },
  ],
  hosts: [
    { hostId: 1, series: [{ pluginId: 'io.prophasis.cpu-load', values: [10, 20, null, 42] }] },
    { hostId: 3, series: [] },
  ],
};

describe('host health list', { timeout: 20_000 }, () => {
  let http: HttpTestingController;
  afterEach(() => http.verify());

  async function render(url: string) {
    http = setUpPage('admin');
    await TestBed.inject(Router).navigateByUrl(url);
    const fixture = TestBed.createComponent(HostHealthComponent);
    fixture.detectChanges();
    http.expectOne('/api/reports/hosts').flush(HEALTH);
    http.expectOne((r) => r.url === '/api/hosts').flush(page(HOSTS));
    http.expectOne((r) => r.url === '/api/groups').flush(page(GROUPS));
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }
  const rowNames = (el: HTMLElement) => [...el.querySelectorAll('tbody tr')].map((tr) => tr.getAttribute('data-host'));

  it('asks for every shown host’s sparklines in ONE request and draws them with the newest value', async () => {
    const { fixture, el } = await render('/');
    expect(rowNames(el)).toEqual(['db-1', 'web-1', 'web-2']);
    const spark = http.expectOne((r) => r.url === '/api/reports/sparklines');
    expect(spark.request.params.get('hostIds')).toBe('2,1,3');
    expect(spark.request.params.get('range')).toBe('day');
    spark.flush(SPARKS);
    await settle(fixture);
    expect([...el.querySelectorAll('thead th')].map((th) => th.textContent?.trim())).toEqual(['State', 'Host', 'Groups', 'CPU', 'Memory', 'Agent', 'Last seen', 'Actions']);
    const web1 = el.querySelector('tr[data-host="web-1"]')!;
    expect(web1.querySelector('p-sparkline [role="img"]')?.getAttribute('aria-label')).toBe('CPU: newest 42 %');
    expect(web1.querySelector('p-sparkline path')?.getAttribute('d')).toContain('M');
    expect(web1.querySelector('.groups')?.textContent?.trim()).toBe('frontend');
    expect(web1.querySelector('.tag')?.textContent?.trim()).toBe('web');
    // A host without values shows a dash, not an empty line.
    expect(el.querySelector('tr[data-host="web-2"] p-sparkline')?.textContent?.trim()).toBe('—');
  });

  it('takes its filters and order from the URL (nested group, tag, sort), and writes a change back to it', async () => {
    const { fixture, el } = await render('/?group=7&tag=web&sort=name&range=hour');
    expect(rowNames(el)).toEqual(['web-1', 'web-2']);
    const spark = http.expectOne((r) => r.url === '/api/reports/sparklines');
    expect(spark.request.params.get('hostIds')).toBe('1,3');
    expect(spark.request.params.get('range')).toBe('hour');
    spark.flush(SPARKS);
    await settle(fixture);
    (el.querySelector('button.clear') as HTMLButtonElement).click();
    await settle(fixture);
    const router = TestBed.inject(Router);
    expect(router.url).toBe('/?sort=name&range=hour');
    expect(rowNames(el)).toEqual(['db-1', 'web-1', 'web-2']);
    http.expectOne((r) => r.url === '/api/reports/sparklines').flush(SPARKS);
    await settle(fixture);
  });

  it('says when no host matches, and drops the sparkline columns for a core without the route', async () => {
    const { fixture, el } = await render('/?severity=critical');
    expect(el.querySelector('.empty')?.textContent).toContain('No host matches these filters.');
    http.expectNone((r) => r.url === '/api/reports/sparklines');
    await TestBed.inject(Router).navigateByUrl('/?severity=major');
    await settle(fixture);
    expect(rowNames(el)).toEqual(['db-1']);
    http.expectOne((r) => r.url === '/api/reports/sparklines').flush({ code: 'CORE_API_NOT_FOUND', message: 'Not found: GET /api/reports/sparklines' }, { status: 404, statusText: 'Not Found' });
    await settle(fixture);
    expect([...el.querySelectorAll('thead th')].map((th) => th.textContent?.trim())).not.toContain('CPU');
    expect(el.querySelector('[aria-label="Sparkline range"]')).toBeNull();
  });
});
