import { BreakpointObserver, type BreakpointState } from '@angular/cdk/layout';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideNoopAnimations } from '@angular/platform-browser/animations';
import { provideRouter } from '@angular/router';
import { BehaviorSubject } from 'rxjs';
import { AuthService } from '../../core/auth.service';
import { ListPageComponent, PHONE_QUERY, type ListColumn } from './list-page.component';

interface Row {
  id: number;
  name: string;
  severity: 'ok' | 'major';
}

const columns: ListColumn<Row>[] = [
  { key: 'name', label: 'Name', sortable: true },
  { key: 'state', label: 'State', severity: (r) => r.severity },
];

describe('ListPageComponent', () => {
  let http: HttpTestingController;
  const phone = new BehaviorSubject<BreakpointState>({ matches: false, breakpoints: {} });

  beforeEach(() => {
    phone.next({ matches: false, breakpoints: {} });
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        provideNoopAnimations(),
        { provide: BreakpointObserver, useValue: { observe: (q: string) => (q === PHONE_QUERY ? phone : new BehaviorSubject({ matches: false, breakpoints: {} })) } },
      ],
    });
    http = TestBed.inject(HttpTestingController);
    void TestBed.inject(AuthService).ensureLoaded();
    http.expectOne('/api/auth/me').flush({ id: 1, name: 'admin', role: 'admin', expiresAt: Date.now() + 60_000 });
  });

  afterEach(() => {
    http.verify();
    vi.useRealTimers();
  });

  async function render() {
    const fixture = TestBed.createComponent(ListPageComponent<Row>);
    fixture.componentRef.setInput('title', 'Things');
    fixture.componentRef.setInput('resource', 'things');
    fixture.componentRef.setInput('columns', columns);
    fixture.componentRef.setInput('deletable', true);
    fixture.detectChanges();
    await fixture.whenStable();
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  async function answer(fixture: { whenStable(): Promise<unknown>; detectChanges(): void }, match: (url: string) => boolean, items: Row[]) {
    const req = http.expectOne((r) => r.url === '/api/things' && match(r.urlWithParams));
    req.flush({ items, total: items.length, limit: 25, offset: 0 });
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await fixture.whenStable();
    fixture.detectChanges();
    return req;
  }

  it('loads the first page, then searches with the API after a pause in typing', async () => {
    const { fixture, el } = await render();
    const first = await answer(fixture, (u) => !u.includes('q='), [
      { id: 1, name: 'alpha', severity: 'ok' },
      { id: 2, name: 'beta', severity: 'major' },
    ]);
    expect(first.request.params.get('limit')).toBe('25');
    expect(first.request.params.get('offset')).toBe('0');
    expect([...el.querySelectorAll('tr.mat-mdc-row')].length).toBe(2);
    expect(el.querySelector('p-severity-badge[data-severity="major"]')).not.toBeNull();

    vi.useFakeTimers();
    const input = el.querySelector<HTMLInputElement>('input[type="search"]');
    if (!input) throw new Error('no search box');
    input.value = ' be ';
    input.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    http.expectNone((r) => r.urlWithParams.includes('q=')); // not on every keystroke
    vi.advanceTimersByTime(250);
    vi.useRealTimers();
    fixture.detectChanges();
    const search = await answer(fixture, (u) => u.includes('q=be'), [{ id: 2, name: 'beta', severity: 'major' }]);
    expect(search.request.params.get('offset')).toBe('0');
    expect([...el.querySelectorAll('tr.mat-mdc-row')].map((r) => r.textContent?.trim().split(/\s+/)[0])).toEqual(['beta']);
  });

  it('shows cards instead of a table at phone width', async () => {
    phone.next({ matches: true, breakpoints: {} });
    const { fixture, el } = await render();
    await answer(fixture, () => true, [{ id: 1, name: 'alpha', severity: 'ok' }]);
    expect(el.querySelector('table')).toBeNull();
    const card = el.querySelector('mat-card');
    expect(card?.textContent).toContain('alpha');
    expect(card?.textContent).toContain('State');
  });

  it('shows the API message when the list cannot be loaded', async () => {
    const { fixture, el } = await render();
    http.expectOne((r) => r.url === '/api/things').flush({ code: 'CORE_API_FORBIDDEN', message: 'Your role does not allow this' }, { status: 403, statusText: 'Forbidden' });
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await fixture.whenStable();
    fixture.detectChanges();
    expect(el.querySelector('[role="alert"]')?.textContent?.trim()).toBe('Your role does not allow this');
  });
});
