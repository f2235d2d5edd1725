import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Subject } from 'rxjs';
import { EventsService } from '../../core/events.service';
import type { HttpTestingController } from '@angular/common/http/testing';
import type { ApiEvent, HostDependencies } from '../../core/protocol';
import { page, setUpPage, settle } from '../../shared/ui/page-testing';
import { ProblemMarksComponent } from '../../shared/ui/problem-marks.component';
import { HostDependenciesComponent } from './host-dependencies.component';

const host = (id: number, name: string) => ({ id, name, description: '', agentId: null, enrolmentState: 'pending' as const, connectedSince: null, lastSeen: null, unreachableSince: null, agentVersion: null, platform: null, hostname: null, createdAt: 0, updatedAt: 0 });
const HOSTS = [host(1, 'router-1'), host(2, 'switch-1'), host(3, 'web-1'), host(4, 'db-1')];
const webDeps = (over: Partial<HostDependencies> = {}): HostDependencies => ({
  parents: [{ hostId: 2, name: 'switch-1', down: false }],
  ancestors: [
    { hostId: 2, name: 'switch-1', down: false },
    { hostId: 1, name: 'router-1', down: true },
  ],
  children: [{ hostId: 5, name: 'printer-1' }],
  causedBy: { hostId: 1, name: 'router-1' },
  ...over,
});

describe('HostDependenciesComponent', () => {
  let http: HttpTestingController;
  afterEach(() => http.verify());

  async function render(editable: boolean) {
    const fixture = TestBed.createComponent(HostDependenciesComponent);
    fixture.componentRef.setInput('hostId', 3);
    fixture.componentRef.setInput('editable', editable);
    fixture.detectChanges();
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }
  const text = (el: Element | null) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

  it('shows the chain as links to each host (the down one marked), the children, and what is caused now', async () => {
    http = setUpPage('viewer');
    const { fixture, el } = await render(true);
    http.expectOne('/api/hosts/3/dependencies').flush(webDeps());
    await settle(fixture);
    const links = [...el.querySelectorAll<HTMLAnchorElement>('[data-testid="chain"] a')];
    expect(links.map((a) => [a.textContent?.trim(), a.getAttribute('href')])).toEqual([
      ['switch-1', '/hosts/2/detail'],
      ['router-1', '/hosts/1/detail'],
    ]);
    expect(text(el.querySelector('[data-testid="chain"]')).replace(/\s/g, '')).toBe('switch-1←router-1(down)');
    expect(el.querySelector('[data-testid="children"] a')?.getAttribute('href')).toBe('/hosts/5/detail');
    expect(text(el.querySelector('.caused'))).toContain('caused by router-1');
    // A viewer does not get the parents' select, even on the form.
    expect(el.querySelector('[data-testid="parents"]')).toBeNull();
  });

  it('an administrator sets the parents: PUT with the chosen ids, the answer shown; a refusal is shown as the core words it', async () => {
    http = setUpPage('admin');
    const { fixture, el } = await render(true);
    http.expectOne('/api/hosts/3/dependencies').flush(webDeps({ parents: [], ancestors: [], causedBy: null }));
    http.expectOne((r) => r.url === '/api/hosts').flush(page(HOSTS));
    await settle(fixture);
    expect(text(el.querySelector('[data-testid="chain"]'))).toBe('No parents: reached directly.');
    // The select offers every other host.
    const select = el.querySelector<HTMLElement>('[data-testid="parents"] .mat-mdc-select-trigger')!;
    select.click();
    await settle(fixture);
    const options = [...document.querySelectorAll<HTMLElement>('mat-option')];
    expect(options.map((o) => o.textContent?.trim())).toEqual(['db-1', 'router-1', 'switch-1']);
    options.find((o) => o.textContent?.trim() === 'switch-1')!.click();
    await settle(fixture);
    const save = [...el.querySelectorAll('button')].find((b) => b.textContent?.includes('Save parents'))!;
    save.click();
    const put = http.expectOne('/api/hosts/3/parents');
    expect(put.request.method).toBe('PUT');
    expect(put.request.body).toEqual({ parentIds: [2] });
    put.flush(webDeps({ causedBy: null }));
    await settle(fixture);
    expect(text(el.querySelector('[data-testid="chain"]')).replace(/\s/g, '')).toBe('switch-1←router-1(down)');
    save.click();
    http.expectOne('/api/hosts/3/parents').flush(
      { code: 'CORE_API_BAD_REQUEST', message: 'Bad request: parentIds: would make a cycle (web-1 → switch-1 → web-1)', details: { field: 'parentIds' } },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle(fixture);
    expect(text(el.querySelector('[role="alert"]'))).toContain('would make a cycle (web-1 → switch-1 → web-1)');
  });

  it('reads the chain again a second after a host’s state or presence changed (the router going down)', async () => {
    const live = new Subject<ApiEvent>();
    http = setUpPage('viewer', [{ provide: EventsService, useValue: { events$: live.asObservable(), connected: signal(true) } }]);
    const { fixture, el } = await render(false);
    http.expectOne('/api/hosts/3/dependencies').flush(webDeps({ ancestors: [{ hostId: 2, name: 'switch-1', down: false }, { hostId: 1, name: 'router-1', down: false }], causedBy: null }));
    await settle(fixture);
    expect(el.querySelector('.down-label')).toBeNull();
    live.next({ type: 'state.changed', hostId: 1 } as unknown as ApiEvent);
    live.next({ type: 'host.presence', hostId: 1 } as unknown as ApiEvent);
    await new Promise((r) => setTimeout(r, 1100));
    http.expectOne('/api/hosts/3/dependencies').flush(webDeps());
    await settle(fixture);
    expect(el.querySelector('.down-label')?.textContent).toBe('(down)');
    expect(el.querySelector('.caused')?.textContent).toContain('router-1');
  });

  it('hides itself on a core without the endpoint', async () => {
    http = setUpPage('admin');
    const { fixture, el } = await render(false);
    http.expectOne('/api/hosts/3/dependencies').flush({ code: 'CORE_API_NOT_FOUND', message: 'Not found: GET /api/hosts/3/dependencies' }, { status: 404, statusText: 'Not Found' });
    await settle(fixture);
    expect(el.querySelector('mat-card')).toBeNull();
  });
});

describe('ProblemMarksComponent: caused by a parent', () => {
  it('shows "Caused by router-1", a link to the router’s page', async () => {
    const http = setUpPage('viewer');
    const fixture = TestBed.createComponent(ProblemMarksComponent);
    fixture.componentRef.setInput('causedBy', { hostId: 1, name: 'router-1' });
    fixture.detectChanges();
    await settle(fixture);
    const mark = (fixture.nativeElement as HTMLElement).querySelector<HTMLAnchorElement>('[data-mark="caused-by"]');
    expect(mark?.textContent?.trim()).toBe('Caused by router-1');
    expect(mark?.getAttribute('href')).toBe('/hosts/1/detail');
    fixture.componentRef.setInput('causedBy', null);
    fixture.detectChanges();
    expect((fixture.nativeElement as HTMLElement).querySelector('[data-mark="caused-by"]')).toBeNull();
    http.verify();
  });
});
