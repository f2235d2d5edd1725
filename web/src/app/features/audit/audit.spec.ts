import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import type { AuditEntry } from '../../core/protocol';
import { page, settle, setUpPage } from '../../shared/ui/page-testing';
import { auditFiltersFromQuery, auditFiltersToQuery, auditQuery, objectLink, summaryText } from './audit';
import { AuditComponent } from './audit.component';

const NOW = Date.UTC(2026, 11, 7, 12, 0);
const DAY = 86_400_000;
const query = (q: Record<string, string>) => (key: string) => q[key] ?? null;
const NONE = auditFiltersFromQuery(query({}));
const ENTRIES: AuditEntry[] = [
  { id: 2, time: NOW - 60_000, userId: 1, userName: 'ann', action: 'hosts.update', targetKind: 'host', targetId: '7', summary: { name: 'web-7', tags: ['web'] } },
  { id: 1, time: NOW - 120_000, userId: 2, userName: 'bob', action: 'publishers.remove', targetKind: 'publisher', targetId: 'ab'.repeat(32), summary: null },
];

describe('audit trail page', { timeout: 20_000 }, () => {
  let http: HttpTestingController | undefined;
  afterEach(() => http?.verify());

  it('builds the API query: presets end now, the object as targetKind/targetId, empty filters left out; a bad custom range is refused', () => {
    expect(auditQuery(NONE, 0, 50, NOW)).toEqual({ from: NOW - 7 * DAY, to: undefined, user: undefined, action: undefined, targetKind: undefined, targetId: undefined, limit: 50, offset: 0 });
    expect(auditQuery({ ...NONE, range: 'all', user: ' ann ', kind: 'host', id: '7' }, 2, 25, NOW)).toMatchObject({ from: undefined, user: 'ann', targetKind: 'host', targetId: '7', offset: 50 });
    expect(auditQuery({ ...NONE, range: 'custom', from: '2026-12-07T10:00', to: '' }, 0, 50, NOW)).toEqual({ error: 'Enter both ends of the time range.' });
    expect(auditQuery({ ...NONE, range: 'custom', from: '2026-12-07T10:00', to: '2026-12-07T09:00' }, 0, 50, NOW)).toEqual({ error: 'The range must end after it starts.' });
  });

  it('reads the filters from the URL and writes them back without the defaults', () => {
    const f = auditFiltersFromQuery(query({ range: 'month', user: 'ann', kind: 'plugin', id: 'io.prophasis.cpu-load', action: 'marketplace.' }));
    expect(f).toEqual({ range: 'month', from: '', to: '', user: 'ann', action: 'marketplace.', kind: 'plugin', id: 'io.prophasis.cpu-load' });
    expect(auditFiltersFromQuery(query({ range: 'forever' })).range).toBe('week');
    expect(auditFiltersToQuery(f)).toEqual({ range: 'month', from: null, to: null, user: 'ann', action: 'marketplace.', kind: 'plugin', id: 'io.prophasis.cpu-load' });
    expect(Object.values(auditFiltersToQuery(NONE)).every((v) => v === null)).toBe(true);
  });

  it('links objects that have a page, and shows summaries as JSON', () => {
    expect(objectLink('host', '7')).toEqual(['/hosts', '7', 'detail']);
    expect(objectLink('group', '2')).toEqual(['/host-groups', '2']);
    expect(objectLink('plugin', 'io.prophasis.cpu-load')).toBeUndefined();
    expect(objectLink('host', null)).toBeUndefined();
    expect(objectLink('constructor', '1')).toBeUndefined();
    expect(summaryText(null)).toBe('');
    expect(summaryText({})).toBe('');
    expect(summaryText({ a: 1 })).toBe('{\n  "a": 1\n}');
  });

  it('lists the trail for an administrator from the URL’s filters; History narrows it to one object and writes the URL', async () => {
    http = setUpPage('admin');
    await TestBed.inject(Router).navigateByUrl('/?user=ann&range=all');
    const fixture = TestBed.createComponent(AuditComponent);
    fixture.detectChanges();
    await settle(fixture);
    const first = http.expectOne((r) => r.url === '/api/audit');
    expect(first.request.params.get('user')).toBe('ann');
    expect(first.request.params.has('from')).toBe(false);
    first.flush(page(ENTRIES));
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    const rows = el.querySelectorAll('[data-testid="audit-entry"]');
    expect(rows.length).toBe(2);
    expect(rows[0]!.querySelector('a')?.getAttribute('href')).toBe('/hosts/7/detail');
    expect(rows[0]!.querySelector('pre')?.textContent).toContain('"name": "web-7"');
    expect(rows[1]!.querySelector('.id')?.textContent).toBe('ab'.repeat(32));
    (rows[0]!.querySelector('button.history') as HTMLButtonElement).click();
    await settle(fixture);
    const narrowed = http.expectOne((r) => r.url === '/api/audit');
    expect(narrowed.request.params.get('targetKind')).toBe('host');
    expect(narrowed.request.params.get('targetId')).toBe('7');
    expect(narrowed.request.params.has('user')).toBe(false);
    narrowed.flush(page([ENTRIES[0]!]));
    await settle(fixture);
    expect(TestBed.inject(Router).url).toBe('/?range=all&kind=host&id=7');
  });

  it('refuses an incomplete custom range in words, without asking the API', async () => {
    http = setUpPage('admin');
    await TestBed.inject(Router).navigateByUrl('/?range=custom&from=2026-12-07T10:00');
    const fixture = TestBed.createComponent(AuditComponent);
    fixture.detectChanges();
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[role="alert"]')?.textContent).toContain('Enter both ends of the time range.');
    http.expectNone((r) => r.url === '/api/audit');
  });

  it('tells other roles that the trail is for administrators, without asking the API', async () => {
    http = setUpPage('operator');
    const fixture = TestBed.createComponent(AuditComponent);
    fixture.detectChanges();
    await settle(fixture);
    expect((fixture.nativeElement as HTMLElement).textContent).toContain('Only administrators can read the audit trail.');
    http.expectNone((r) => r.url === '/api/audit');
  });
});
