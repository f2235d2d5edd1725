import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideNoopAnimations } from '@angular/platform-browser/animations';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { AuthService } from '../../core/auth.service';
import { listRoute } from './list-route';

describe('listRoute', () => {
  it('pages from the first row although the route data leaves the page size out', async () => {
    // Component input binding sets inputs missing from the data to undefined; the list must
    // still ask for `offset=0&limit=25`, not `offset=NaN`.
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideNoopAnimations(),
        provideRouter([{ path: 'things', children: [listRoute({ title: 'Things', resource: 'things', noun: 'thing', help: 'Help.', columns: [{ key: 'name', label: 'Name' }] })] }], withComponentInputBinding()),
      ],
    });
    const http = TestBed.inject(HttpTestingController);
    void TestBed.inject(AuthService).ensureLoaded();
    http.expectOne('/api/auth/me').flush({ id: 1, name: 'v', role: 'viewer', expiresAt: Date.now() + 60_000 });
    const harness = await RouterTestingHarness.create('/things');
    const req = http.expectOne((r) => r.url === '/api/things');
    expect(req.request.params.get('offset')).toBe('0');
    expect(req.request.params.get('limit')).toBe('25');
    req.flush({ items: [{ id: 1, name: 'one' }], total: 1, limit: 25, offset: 0 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    harness.detectChanges();
    const el = harness.routeNativeElement as HTMLElement;
    // The page has the usual padding and the list its help; a viewer gets no add or delete.
    expect(el.querySelector('section.p-page p-list-page')).not.toBeNull();
    expect(el.textContent).toContain('Help.');
    expect(el.textContent).toContain('one');
    expect(el.textContent).not.toContain('Add thing');
    expect(el.querySelector('button.danger')).toBeNull();
    http.verify();
  });
});
