import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { answerAll, settle, setUpPage } from '../../shared/ui/page-testing';
import { HostGroupFormComponent } from './host-group-form.component';
import type { createHostGroupForm } from './host-group-form';

const stamp = { createdAt: 0, updatedAt: 0 };
const data = {
  hosts: [
    { id: 1, name: 'web-1', description: '' },
    { id: 2, name: 'web-2', description: '' },
  ],
  groups: [
    { id: 3, name: 'production', description: '', hostIds: [], groupIds: [4] },
    { id: 4, name: 'web', description: '', hostIds: [1], groupIds: [] },
  ],
  'groups/4': { id: 4, name: 'web', description: '', hostIds: [1], groupIds: [], ...stamp },
};

describe('host group form', () => {
  let http: HttpTestingController;
  beforeEach(() => (http = setUpPage('admin')));
  afterEach(() => http.verify());

  async function render() {
    const fixture = TestBed.createComponent(HostGroupFormComponent);
    fixture.componentRef.setInput('id', '4');
    fixture.detectChanges();
    await answerAll(http, fixture, data);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  const list = (el: HTMLElement, label: string) => {
    const box = [...el.querySelectorAll('p-checkbox-list')].find((b) => b.querySelector('legend')?.textContent?.includes(label));
    if (!box) throw new Error(`no list ${label}`);
    return box as HTMLElement;
  };
  const tick = (box: HTMLElement, name: string) => {
    const cb = [...box.querySelectorAll('mat-checkbox')].find((c) => c.textContent?.includes(name));
    cb?.querySelector('input')?.click();
  };

  it('keeps what was typed into a new group while its lists were still loading', async () => {
    const fixture = TestBed.createComponent(HostGroupFormComponent);
    fixture.detectChanges(); // add mode: no id; the lists are requested now
    const form = (fixture.componentInstance as unknown as { form: ReturnType<typeof createHostGroupForm> }).form;
    form.controls.name.setValue('typed early');
    form.controls.name.markAsDirty();
    await answerAll(http, fixture, data);
    expect(form.controls.name.value).toBe('typed early');
  });

  it('offers every host and every other group, and sends the ticked ones', async () => {
    const { fixture, el } = await render();
    const hosts = list(el, 'Member hosts');
    const groups = list(el, 'Member groups');
    expect([...hosts.querySelectorAll('mat-checkbox')].map((c) => c.textContent?.trim())).toEqual(['web-1', 'web-2']);
    // A group is never offered as its own member.
    expect([...groups.querySelectorAll('mat-checkbox')].map((c) => c.textContent?.trim())).toEqual(['production']);
    expect(hosts.querySelector('legend')?.textContent).toContain('1 of 2 chosen');
    tick(hosts, 'web-2');
    tick(groups, 'production');
    await settle(fixture);
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const req = http.expectOne((r) => r.method === 'PUT');
    expect(req.request.body).toEqual({ name: 'web', description: '', hostIds: [1, 2], groupIds: [3] });
    // production already contains web: the API refuses the loop.
    req.flush(
      { code: 'CORE_GROUP_CYCLE', message: 'Host group cycle refused: web → production → web', details: { path: [4, 3, 4] } },
      { status: 409, statusText: 'Conflict' },
    );
    await settle(fixture);
    expect(el.querySelector('.p-error-banner')?.textContent).toContain('loop');
    expect(groups.querySelector('.error')?.textContent).toContain('web → production → web');
    // Unticking clears the message at the list.
    tick(groups, 'production');
    await settle(fixture);
    expect(groups.querySelector('.error')).toBeNull();
  });

  it('filters a long list with its search box without losing ticks', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, name: `host-${i + 1}`, description: '' }));
    const { fixture, el } = await (async () => {
      const fixture = TestBed.createComponent(HostGroupFormComponent);
      fixture.componentRef.setInput('id', '4');
      fixture.detectChanges();
      await answerAll(http, fixture, { ...data, hosts: many });
      return { fixture, el: fixture.nativeElement as HTMLElement };
    })();
    const hosts = list(el, 'Member hosts');
    const search = hosts.querySelector<HTMLInputElement>('input[type="search"]');
    if (!search) throw new Error('no search box');
    search.value = 'host-1';
    search.dispatchEvent(new Event('input'));
    await settle(fixture);
    expect([...hosts.querySelectorAll('mat-checkbox')].map((c) => c.textContent?.trim())).toEqual(['host-1', 'host-10', 'host-11', 'host-12']);
    expect(hosts.querySelector('legend')?.textContent).toContain('1 of 12 chosen');
  });
});
