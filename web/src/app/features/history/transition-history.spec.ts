import type { HttpTestingController } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Subject } from 'rxjs';
import { EventsService } from '../../core/events.service';
import type { ApiEvent, StateTransition } from '../../core/protocol';
import { page, settle, setUpPage } from '../../shared/ui/page-testing';
import { historyQuery, TransitionHistoryComponent } from './transition-history.component';

const DAY = 86_400_000;
const T = (id: number, to: StateTransition['to']): StateTransition => ({
  id,
  at: Date.UTC(2026, 11, 7, 10, id),
  hostId: 3,
  hostName: 'web-1',
  serviceId: null,
  serviceName: null,
  pluginId: 'io.prophasis.disk-usage',
  pluginName: 'Disk',
  from: 'ok',
  to,
  late: false,
});

describe('transition history: query', () => {
  it('asks for one object over a range ending now, paged', () => {
    expect(historyQuery({ serviceId: 4 }, 'day', 0, 20, 10 * DAY)).toEqual({ serviceId: 4, from: 9 * DAY, limit: 20, offset: 0 });
    expect(historyQuery({ hostId: 3 }, 'month', 2, 20, 40 * DAY)).toEqual({ hostId: 3, from: 10 * DAY, limit: 20, offset: 40 });
  });
});

describe('transition history panel', { timeout: 20_000 }, () => {
  let http: HttpTestingController;
  const live = new Subject<ApiEvent>();
  afterEach(() => http.verify());

  it('lists a host’s changes, switches the range, links to Problems with the same filters and reloads on its live changes only', async () => {
    http = setUpPage('viewer', [{ provide: EventsService, useValue: { events$: live.asObservable(), connected: signal(true) } }]);
    const fixture = TestBed.createComponent(TransitionHistoryComponent);
    fixture.componentRef.setInput('hostId', 3);
    fixture.detectChanges();
    const first = http.expectOne((r) => r.url === '/api/reports/transitions');
    expect(first.request.params.get('hostId')).toBe('3');
    first.flush(page([T(2, 'major'), T(1, 'minor')]));
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    expect([...el.querySelectorAll('[data-testid="history-entry"] p-severity-badge:last-of-type')].map((b) => b.getAttribute('data-severity'))).toEqual(['major', 'minor']);
    expect(el.querySelector('a[href^="/problems"]')?.getAttribute('href')).toBe('/problems?hostId=3&range=week');

    const toggle = [...el.querySelectorAll('mat-button-toggle button')].find((b) => b.textContent?.includes('24 h')) as HTMLButtonElement;
    toggle.click();
    await settle(fixture);
    const day = http.expectOne((r) => r.url === '/api/reports/transitions');
    expect(Date.now() - Number(day.request.params.get('from'))).toBeLessThanOrEqual(DAY + 1_000);
    day.flush(page([]));
    await settle(fixture);
    expect(el.textContent).toContain('No changes of state in this range.');
    expect(el.querySelector('a[href^="/problems"]')?.getAttribute('href')).toBe('/problems?hostId=3&range=day');

    vi.useFakeTimers();
    live.next({ type: 'state.changed', ts: 1, data: { hostId: 9, pluginId: 1, from: 'ok', to: 'major' } });
    vi.advanceTimersByTime(1_000);
    live.next({ type: 'state.changed', ts: 2, data: { hostId: 3, pluginId: 1, from: 'ok', to: 'major' } });
    vi.advanceTimersByTime(1_000);
    vi.useRealTimers();
    fixture.detectChanges();
    await settle(fixture);
    http.expectOne((r) => r.url === '/api/reports/transitions').flush(page([T(3, 'major')]));
    await settle(fixture);
    expect(el.querySelectorAll('[data-testid="history-entry"]').length).toBe(1);
  });
});
