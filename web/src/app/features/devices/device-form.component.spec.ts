import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { page, settle, setUpPage } from '../../shared/ui/page-testing';
import { DeviceFormComponent } from './device-form.component';

const HOSTS = [
  { id: 1, name: 'gw-1', kind: 'agent', enrolmentState: 'enrolled' },
  { id: 2, name: 'new-box', kind: 'agent', enrolmentState: 'pending' },
  { id: 3, name: 'printer-0', kind: 'device', enrolmentState: 'pending' },
];
const PLUGINS = ['io.prophasis.ping', 'io.prophasis.snmp-uptime', 'io.prophasis.cpu-load'].map((pluginId, i) => ({ id: i + 1, pluginId, name: pluginId, version: '1.0.0', versions: [] }));

describe('add device form', { timeout: 20_000 }, () => {
  let http: HttpTestingController;
  afterEach(() => http.verify());

  async function render() {
    http = setUpPage('admin');
    const fixture = TestBed.createComponent(DeviceFormComponent);
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/api/hosts').flush(page(HOSTS));
    http.expectOne((r) => r.url === '/api/plugins').flush(page(PLUGINS));
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }
  const type = (el: HTMLElement, selector: string, value: string) => {
    const input = el.querySelector<HTMLInputElement>(selector)!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
  };

  it('adds a printer with its default checks (those installed; the others named), the community as a secret parameter, every minute', async () => {
    const { fixture, el } = await render();
    // The only enrolled agent host is the collector; devices and pending hosts are not offered.
    expect(el.querySelector('[data-defaults]')!.textContent).toContain('io.prophasis.ping, io.prophasis.snmp-uptime');
    expect(el.querySelector('.missing')!.textContent).toContain('io.prophasis.printer-supplies');
    type(el, 'input[formcontrolname="name"]', 'printer-2');
    type(el, 'input[formcontrolname="address"]', '192.0.2.12');
    type(el, 'input[formcontrolname="community"]', 'n0t-public');
    expect(el.querySelector<HTMLInputElement>('input[formcontrolname="community"]')!.type).toBe('password');
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    el.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await settle(fixture);

    const host = http.expectOne((r) => r.method === 'POST' && r.url === '/api/hosts');
    expect(host.request.body).toEqual({ name: 'printer-2', kind: 'device', address: '192.0.2.12', deviceType: 'printer', collectorId: 1 });
    host.flush({ id: 9, name: 'printer-2', kind: 'device' });
    await settle(fixture);
    const check = http.expectOne((r) => r.method === 'POST' && r.url === '/api/checks');
    expect(check.request.body.hostIds).toEqual([9]);
    expect(check.request.body.plugins).toEqual([
      { pluginId: 'io.prophasis.ping', params: {} },
      { pluginId: 'io.prophasis.snmp-uptime', params: { version: '2c', community: 'n0t-public' } },
    ]);
    check.flush({ id: 4 });
    await settle(fixture);
    const schedule = http.expectOne((r) => r.method === 'POST' && r.url === '/api/schedules');
    expect(schedule.request.body).toEqual({ name: 'printer-2 every minute', enabled: true, checkIds: [4], intervals: [{ start: 0, everyMs: 60_000 }] });
    schedule.flush({ id: 2 });
    await settle(fixture);
    expect(navigate).toHaveBeenCalledWith(['/hosts', 9, 'detail']);
  });

  it('refuses a malformed address before asking, and shows the API’s refusal at its field', async () => {
    const { fixture, el } = await render();
    type(el, 'input[formcontrolname="name"]', 'x');
    type(el, 'input[formcontrolname="address"]', '300.1.2.3');
    el.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await settle(fixture);
    http.expectNone((r) => r.method === 'POST');
    expect(el.textContent).toContain('Not an IP address or DNS name.');

    type(el, 'input[formcontrolname="address"]', 'printer.example.net');
    el.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await settle(fixture);
    http
      .expectOne((r) => r.method === 'POST' && r.url === '/api/hosts')
      .flush({ code: 'CORE_API_BAD_REQUEST', message: 'collectorId: gw-1 has no enrolled agent', details: { field: 'collectorId' } }, { status: 400, statusText: 'Bad Request' });
    await settle(fixture);
    expect(el.textContent).toContain('collectorId: gw-1 has no enrolled agent');
  });
});
