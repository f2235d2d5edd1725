import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideNoopAnimations } from '@angular/platform-browser/animations';
import { provideRouter } from '@angular/router';
import type { HostHealth, Service, ServiceHealth } from '../../core/protocol';
import { ServiceDetailComponent } from './service-detail.component';

const hosts: HostHealth[] = [
  { id: 1, name: 'mail', severity: 'major', enrolmentState: 'enrolled', presence: { state: 'connected', since: 1, lastSeen: 1 }, online: true, lastSeen: 1, plugins: 2 },
  { id: 2, name: 'web-1', severity: 'ok', enrolmentState: 'enrolled', presence: { state: 'connected', since: 1, lastSeen: 1 }, online: true, lastSeen: 1, plugins: 2 },
  { id: 3, name: 'db-1', severity: 'minor', enrolmentState: 'enrolled', presence: { state: 'connected', since: 1, lastSeen: 1 }, online: true, lastSeen: 1, plugins: 2 },
];
const service: Service = {
  id: 4,
  name: 'shop',
  description: 'What customers buy through',
  dependencies: [{ kind: 'group', id: 9 }],
  redundancyGroups: [{ name: 'front ends', members: [{ kind: 'host', id: 2 }, { kind: 'host', id: 1 }] }],
  createdAt: 0,
  updatedAt: 0,
};
const health: ServiceHealth[] = [
  {
    id: 4,
    name: 'shop',
    severity: 'minor',
    parts: [
      { kind: 'dependency', name: 'databases', severity: 'minor' },
      { kind: 'redundancy', name: 'front ends', severity: 'ok' },
    ],
  },
];

describe('ServiceDetailComponent', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), provideNoopAnimations()] });
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('draws dependencies and redundancy groups as boxes with every member’s health, hosts linking to their report', async () => {
    const fixture = TestBed.createComponent(ServiceDetailComponent);
    fixture.componentRef.setInput('id', '4');
    fixture.detectChanges();
    http.expectOne('/api/services/4').flush(service);
    http.expectOne('/api/reports/services').flush(health);
    http.expectOne('/api/reports/hosts').flush(hosts);
    http.expectOne((r) => r.url === '/api/groups').flush({ items: [{ id: 9, name: 'databases', description: '', hostIds: [3], groupIds: [], createdAt: 0, updatedAt: 0 }], total: 1, limit: 500, offset: 0 });
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await fixture.whenStable();
    fixture.detectChanges();

    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('h1')?.textContent).toContain('shop');
    const deps = el.querySelector('[data-box="databases"]');
    expect(deps?.classList).toContain('sev-minor');
    expect(deps?.textContent).toContain('databases (group)');
    expect(deps?.querySelector('a')?.getAttribute('href')).toBe('/hosts/3/detail');
    const front = el.querySelector('[data-box="front ends"]');
    const members = [...(front?.querySelectorAll('.member') ?? [])].map((m) => [m.querySelector('a')?.textContent?.trim(), m.querySelector('p-severity-badge')?.getAttribute('data-severity')]);
    expect(members).toEqual([
      ['web-1', 'ok'],
      ['mail', 'major'],
    ]);
    expect(front?.querySelector('.contributes p-severity-badge')?.textContent?.trim()).toBe('OK');

    // Its history from the API, the last 7 days by default.
    const history = http.expectOne((r) => r.url === '/api/reports/transitions');
    expect(history.request.params.get('serviceId')).toBe('4');
    expect(Date.now() - Number(history.request.params.get('from'))).toBeGreaterThanOrEqual(7 * 86_400_000);
    history.flush({ items: [{ id: 1, at: 0, hostId: null, hostName: null, serviceId: 4, serviceName: 'shop', pluginId: null, pluginName: null, from: 'ok', to: 'critical', late: false }], total: 1, limit: 20, offset: 0 });
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await fixture.whenStable();
    fixture.detectChanges();
    expect(el.querySelector('[data-testid="history-entry"] p-severity-badge[data-severity="critical"]')).not.toBeNull();
  });
});
