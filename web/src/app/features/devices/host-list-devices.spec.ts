import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import type { HostHealth } from '../../core/protocol';
import { page, settle, setUpPage } from '../../shared/ui/page-testing';
import { HostHealthComponent } from '../hosts/host-health.component';

const health = (id: number, name: string, presence: HostHealth['presence']['state']): HostHealth => ({
  id,
  name,
  severity: 'ok',
  enrolmentState: presence === 'pending' ? 'pending' : 'enrolled',
  presence: { state: presence, since: null, lastSeen: null },
  online: presence === 'connected',
  lastSeen: null,
  plugins: 1,
});

describe('host list: devices', { timeout: 20_000 }, () => {
  let http: HttpTestingController;
  afterEach(() => http.verify());

  it('marks devices with an icon and shows their collector (and when it is unreachable) instead of an agent', async () => {
    http = setUpPage('admin');
    await TestBed.inject(Router).navigateByUrl('/');
    const fixture = TestBed.createComponent(HostHealthComponent);
    fixture.detectChanges();
    http.expectOne('/api/reports/hosts').flush([health(1, 'gw-1', 'unreachable'), health(5, 'printer-1', 'pending'), health(6, 'ups-1', 'pending')]);
    http.expectOne((r) => r.url === '/api/hosts').flush(
      page([
        { id: 1, name: 'gw-1', kind: 'agent' },
        { id: 5, name: 'printer-1', kind: 'device', deviceType: 'printer', collector: { id: 1, name: 'gw-1', unreachable: true, via: 'device' } },
        { id: 6, name: 'ups-1', kind: 'device', deviceType: 'ups', collector: null },
      ]),
    );
    http.expectOne((r) => r.url === '/api/groups').flush(page([]));
    await settle(fixture);
    for (const r of http.match((r) => r.url === '/api/reports/sparklines')) r.flush({ from: 0, to: 1, stepMs: 1, plugins: [], hosts: [] });
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    const row = (name: string) => el.querySelector(`tr[data-host="${name}"]`)!;
    expect(row('printer-1').querySelector('[data-device-icon]')).not.toBeNull();
    expect(row('gw-1').querySelector('[data-device-icon]')).toBeNull();
    expect(row('printer-1').querySelector('[data-collector]')!.textContent!.trim()).toBe('Collector unreachable (gw-1)');
    expect(row('printer-1').querySelector('[data-collector]')!.classList).toContain('bad');
    expect(row('ups-1').querySelector('[data-collector]')!.textContent!.trim()).toBe('No collector');
    expect(el.querySelector('a[href="/devices/new"]')?.textContent).toContain('Add device');
  });
});
