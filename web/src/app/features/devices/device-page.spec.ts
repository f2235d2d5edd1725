import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { HostReport } from '../../core/protocol';
import { setUpPage, settle } from '../../shared/ui/page-testing';
import { HostDetailComponent } from '../hosts/host-detail.component';

const device = {
  id: 7, name: 'ups-1', description: '', agentId: null, enrolmentState: 'pending', connectedSince: null, lastSeen: null, unreachableSince: null,
  agentVersion: null, platform: null, hostname: null, createdAt: 0, updatedAt: 0, kind: 'device', address: '192.0.2.20', deviceType: 'ups', collectorId: 1, collector: null,
} as const;
const report: HostReport = { host: device, severity: 'ok', presence: { state: 'pending', since: null, lastSeen: null }, from: 0, to: 1, resolutionMs: 0, plugins: [] };

/** A device's page (docs/devices.md): its collector instead of an agent, and nothing to enrol. */
describe('host page of a device', () => {
  let http: HttpTestingController;
  afterEach(() => {
    for (const r of http.match((r) => r.url === '/api/reports/transitions')) r.flush({ items: [], total: 0, limit: 50, offset: 0 });
    for (const r of http.match((r) => r.url === '/api/checks')) r.flush({ items: [], total: 0, limit: 500, offset: 0 });
    for (const r of http.match((r) => /^\/api\/hosts\/\d+\/dependencies$/.test(r.url))) r.flush({ parents: [], ancestors: [], children: [], causedBy: null });
    http.verify();
  });

  it('shows the device card with “Collector unreachable” instead of an agent, and no enrolment panel', async () => {
    http = setUpPage('admin');
    const fixture = TestBed.createComponent(HostDetailComponent);
    fixture.componentRef.setInput('id', '7');
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/api/plugins').flush({ items: [], total: 0, limit: 500, offset: 0 });
    http.expectOne((r) => r.url === '/api/reports/hosts/7').flush(report);
    await settle(fixture);
    http.expectOne('/api/hosts/7').flush({ ...device, collector: { id: 1, name: 'gw-1', unreachable: true, via: 'device' } });
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('.agent mat-card-title')?.textContent?.trim()).toBe('Device');
    expect(el.querySelector('[data-device-info]')?.textContent).toContain('UPS at 192.0.2.20');
    expect(el.textContent).toContain('Collector unreachable:');
    expect(el.textContent).not.toContain('Waiting for enrolment');
    expect(el.querySelector('p-enrolment-panel')).toBeNull();
  });
});
