import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { AlertDelivery } from '../../core/protocol';
import { settle, setUpPage } from '../../shared/ui/page-testing';
import { deliveryQuery, NotificationsComponent } from './notifications.component';

const base: AlertDelivery = {
  id: 'd-1',
  alertId: 7,
  alert: 'Pager',
  module: 'email',
  recipients: 'oncall@example.com',
  status: 'delivered',
  attempts: 1,
  lastError: null,
  reason: 'transition',
  createdAt: Date.UTC(2026, 11, 7, 10, 0),
  finishedAt: Date.UTC(2026, 11, 7, 10, 0, 2),
  nextAt: null,
  subject: 'web-1 cpu: ok → major',
  text: 'Alert: Pager\nHost: web-1',
  hostId: 3,
  serviceId: null,
};

describe('notifications page', () => {
  let http: HttpTestingController | undefined;
  afterEach(() => http?.verify());

  it('builds the query: an empty status is left out, pages become offsets', () => {
    expect(deliveryQuery('', 0, 50)).toEqual({ status: undefined, limit: 50, offset: 0 });
    expect(deliveryQuery('failed', 2, 25)).toEqual({ status: 'failed', limit: 25, offset: 50 });
  });

  it('lists each delivery with its status, why, alert, recipients, attempts, last error, a link to the host and the text sent', async () => {
    const controller = (http = setUpPage('viewer'));
    const fixture = TestBed.createComponent(NotificationsComponent);
    fixture.detectChanges();
    const failed: AlertDelivery = { ...base, id: 'd-2', module: 'webhook', recipients: 'hooks.example.com', status: 'failed', attempts: 5, lastError: 'HTTP 500', reason: 'repeat', subject: 'REPEAT web-1 cpu: ok → major' };
    controller.expectOne((r) => r.url === '/api/alert-deliveries' && r.params.get('limit') === '50' && !r.params.has('status')).flush({ items: [failed, base], total: 2, limit: 50, offset: 0 });
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    const rows = [...el.querySelectorAll('[data-testid="delivery"]')];
    expect(rows.length).toBe(2);
    const first = rows[0]!.textContent!.replace(/\s+/g, ' ');
    expect(first).toContain('Failed');
    expect(first).toContain('Repeat');
    expect(first).toContain('Pager');
    expect(first).toContain('webhook → hooks.example.com');
    expect(first).toContain('5 attempts');
    expect(first).toContain('Last error: HTTP 500');
    expect(first).toContain('REPEAT web-1 cpu: ok → major');
    expect(rows[1]!.textContent).toContain('State changed');
    expect(rows[1]!.querySelector('pre')?.textContent).toBe('Alert: Pager\nHost: web-1');
    expect(rows[1]!.querySelector('a')?.getAttribute('href')).toBe('/hosts/3/detail');
  });

  it('shows the API error and no rows when the list cannot be read', async () => {
    const controller = (http = setUpPage('viewer'));
    const fixture = TestBed.createComponent(NotificationsComponent);
    fixture.detectChanges();
    controller.expectOne((r) => r.url === '/api/alert-deliveries').flush({ code: 'CORE_API_UNAVAILABLE', message: 'the database is unreachable' }, { status: 503, statusText: 'Unavailable' });
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[role="alert"]')?.textContent).toContain('the database is unreachable');
    expect(el.querySelectorAll('[data-testid="delivery"]').length).toBe(0);
  });
});
