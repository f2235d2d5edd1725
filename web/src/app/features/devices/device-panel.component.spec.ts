import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { Host } from '../../core/protocol';
import { settle, setUpPage } from '../../shared/ui/page-testing';
import { DevicePanelComponent } from './device-panel.component';

const base = { description: '', agentId: null, enrolmentState: 'pending', connectedSince: null, lastSeen: null, unreachableSince: null, agentVersion: null, platform: null, hostname: null, createdAt: 0, updatedAt: 0 } as const;
const GW: Host = { ...base, id: 1, name: 'gw-1', kind: 'agent', agentId: 'a1', enrolmentState: 'enrolled' };
const UPS: Host = { ...base, id: 5, name: 'ups-1', kind: 'device', address: '192.0.2.20', deviceType: 'ups', collectorId: 1, collector: null };

describe('device panel', () => {
  let http: HttpTestingController;
  afterEach(() => http.verify());

  async function render(host: Host) {
    http = setUpPage('viewer');
    const fixture = TestBed.createComponent(DevicePanelComponent);
    fixture.componentRef.setInput('host', host);
    fixture.detectChanges();
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  it('shows a device’s type, address and “via collector”, and “Collector unreachable” when it is', async () => {
    const { fixture, el } = await render(UPS);
    http.expectOne('/api/hosts/5').flush({ ...UPS, collector: { id: 1, name: 'gw-1', unreachable: false, via: 'device' } });
    await settle(fixture);
    const info = el.querySelector('[data-device-info]')!;
    expect(info.textContent).toContain('UPS at 192.0.2.20');
    expect(info.textContent).toContain('via collector');
    expect(info.querySelector('a')?.textContent).toBe('gw-1');

    fixture.componentRef.setInput('host', { ...UPS });
    fixture.detectChanges();
    http.expectOne('/api/hosts/5').flush({ ...UPS, collector: { id: 1, name: 'gw-1', unreachable: true, via: 'group' } });
    await settle(fixture);
    expect(el.querySelector('[data-collector-state]')?.getAttribute('data-collector-state')).toBe('unreachable');
    expect(el.textContent).toContain('Collector unreachable:');
    expect(el.textContent).toContain('keeps its last state');
  });

  it('lists the devices a collector checks, and nothing for a host that collects for none', async () => {
    const { fixture, el } = await render(GW);
    http.expectOne('/api/hosts/1/devices').flush([{ ...UPS, collector: { id: 1, name: 'gw-1', unreachable: false, via: 'group' } }]);
    await settle(fixture);
    const list = el.querySelector('[data-collector-devices]')!;
    expect(list.textContent).toContain('Devices collected by this host');
    expect(list.textContent).toContain('ups-1');
    expect(list.textContent).toContain('through its group');

    fixture.componentRef.setInput('host', { ...GW, id: 2 });
    fixture.detectChanges();
    http.expectOne('/api/hosts/2/devices').flush([]);
    await settle(fixture);
    expect(el.querySelector('[data-collector-devices]')).toBeNull();
  });
});
