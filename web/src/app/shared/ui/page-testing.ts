import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting, type TestRequest } from '@angular/common/http/testing';
import type { Provider } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideNoopAnimations } from '@angular/platform-browser/animations';
import { provideRouter } from '@angular/router';
import { AuthService } from '../../core/auth.service';
import type { Me } from '../../core/protocol';

/**
 * Test scaffolding for the console's pages (not shipped: only specs import it). Sets up HTTP
 * testing, a router and animations, and signs in a user of the given role.
 */
export function setUpPage(role: Me['role'] = 'admin', providers: Provider[] = []): HttpTestingController {
  TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), provideNoopAnimations(), ...providers] });
  const http = TestBed.inject(HttpTestingController);
  void TestBed.inject(AuthService).ensureLoaded();
  http.expectOne('/api/auth/me').flush({ id: 1, name: role, role, expiresAt: Date.now() + 3_600_000 });
  return http;
}

/** Lets promise chains (HTTP → signal updates) run to their end, then renders. */
export async function settle(fixture: { whenStable(): Promise<unknown>; detectChanges(): void }): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await fixture.whenStable();
    fixture.detectChanges();
  }
}

/** A page of items as the API lists them. */
export const page = <T>(items: readonly T[]) => ({ items, total: items.length, limit: 500, offset: 0 });

/**
 * Answers every pending GET from `data` (`/api/<path>` → body: a list page for collections, an
 * object for `/api/<things>/<id>`), until none is left; returns the requests answered.
 */
export async function answerAll(
  http: HttpTestingController,
  fixture: { whenStable(): Promise<unknown>; detectChanges(): void },
  data: Readonly<Record<string, unknown>>,
): Promise<TestRequest[]> {
  const answered: TestRequest[] = [];
  for (let round = 0; round < 5; round++) {
    const pending = http.match((r) => r.method === 'GET');
    if (pending.length === 0) break;
    for (const req of pending) {
      const path = req.request.url.replace(/^\/api\//, '');
      if (!(path in data)) throw new Error(`no test data for GET ${req.request.url}`);
      const body = data[path];
      req.flush(Array.isArray(body) ? page(body) : (body as object));
      answered.push(req);
    }
    await settle(fixture);
  }
  return answered;
}

/** Texts of the buttons (and button-like links) a page shows. */
export function buttonTexts(el: HTMLElement): string[] {
  return [...el.querySelectorAll('button, a[mat-flat-button], a[mat-button]')].map((b) => b.textContent?.replace(/\s+/g, ' ').trim() ?? '');
}
