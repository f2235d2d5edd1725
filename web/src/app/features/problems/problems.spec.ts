import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { StateTransition } from '../../core/protocol';
import { page, settle, setUpPage } from '../../shared/ui/page-testing';
import { filtersFromQuery, filtersToQuery, NO_FILTERS, problemRef, problemsQuery } from './problems';
import { ProblemsComponent } from './problems.component';

const NOW = Date.UTC(2026, 11, 7, 12, 0);
const base: StateTransition = {
  id: 11,
  at: NOW - 60_000,
  hostId: 3,
  hostName: 'web-1',
  serviceId: null,
  serviceName: null,
  pluginId: 'io.prophasis.disk',
  pluginName: 'Disk',
  from: 'ok',
  to: 'major',
  late: false,
  problem: 'h:3:p:9',
  acknowledged: null,
  maintenance: null,
  flapping: false,
};

// A page of Material selects: its first rendering can pass vitest's default 5 s on a loaded machine.
describe('problems page', { timeout: 20_000 }, () => {
  let http: HttpTestingController | undefined;
  afterEach(() => http?.verify());

  it('builds the query: empty filters left out, presets end now, marks as true/false, pages as offsets; a bad custom range is refused', () => {
    expect(problemsQuery(NO_FILTERS, 0, 50, NOW)).toEqual({
      from: NOW - 86_400_000,
      to: undefined,
      hostId: undefined,
      groupId: undefined,
      serviceId: undefined,
      severity: undefined,
      acknowledged: undefined,
      maintenance: undefined,
      flapping: undefined,
      limit: 50,
      offset: 0,
    });
    const q = problemsQuery({ ...NO_FILTERS, range: 'all', groupId: 4, severity: 'major', acknowledged: 'false', flapping: 'true' }, 2, 25, NOW);
    expect(q).toMatchObject({ from: undefined, groupId: 4, severity: 'major', acknowledged: 'false', flapping: 'true', maintenance: undefined, offset: 50 });
    expect(problemsQuery({ ...NO_FILTERS, range: 'custom', from: '2026-12-07T10:00', to: '' }, 0, 50, NOW)).toEqual({ error: 'Enter both ends of the time range.' });
    expect(problemsQuery({ ...NO_FILTERS, range: 'custom', from: '2026-12-07T10:00', to: '2026-12-07T09:00' }, 0, 50, NOW)).toEqual({ error: 'The range must end after it starts.' });
  });

  it('reads the filters from the URL, ignoring what is malformed, and writes them back without the defaults', () => {
    const query = (q: Record<string, string>) => (key: string) => q[key] ?? null;
    expect(filtersFromQuery(query({}))).toEqual(NO_FILTERS);
    const f = filtersFromQuery(query({ range: 'week', hostId: '3', groupId: 'x', serviceId: '-1', severity: 'major', acknowledged: 'false', flapping: 'maybe', from: '2026-01-01T00:00' }));
    expect(f).toEqual({ ...NO_FILTERS, range: 'week', hostId: 3, severity: 'major', acknowledged: 'false' });
    expect(filtersFromQuery(query({ severity: 'worse' })).severity).toBe('');
    expect(filtersFromQuery(query({ range: 'custom', from: '2026-01-01T00:00', to: '2026-01-02T00:00' }))).toMatchObject({ range: 'custom', from: '2026-01-01T00:00', to: '2026-01-02T00:00' });
    expect(filtersToQuery(f)).toEqual({ range: 'week', from: null, to: null, hostId: 3, groupId: null, serviceId: null, severity: 'major', acknowledged: 'false', maintenance: null, flapping: null });
    expect(filtersToQuery(NO_FILTERS)['range']).toBeNull();
  });

  it('reads problem keys as the acknowledgement API names problems', () => {
    expect(problemRef('h:3:p:9')).toEqual({ hostId: 3, pluginId: 9 });
    expect(problemRef('h:3')).toEqual({ hostId: 3 });
    expect(problemRef('s:2')).toEqual({ serviceId: 2 });
    expect(problemRef('x:1')).toBeUndefined();
    expect(problemRef(undefined)).toBeUndefined();
  });

  async function render(role: 'operator' | 'viewer') {
    const controller = (http = setUpPage(role));
    const fixture = TestBed.createComponent(ProblemsComponent);
    fixture.detectChanges();
    for (const r of ['hosts', 'groups', 'services']) controller.expectOne((q) => q.url === `/api/${r}`).flush(page(r === 'hosts' ? [{ id: 3, name: 'web-1' }] : r === 'groups' ? [{ id: 4, name: 'web' }] : []));
    return { controller, fixture, el: fixture.nativeElement as HTMLElement };
  }

  it('lists transitions with their marks; an operator acknowledges a row with a comment and the list is read again', async () => {
    const { controller, fixture, el } = await render('operator');
    const flapping: StateTransition = { ...base, id: 12, problem: 'h:3', pluginId: null, pluginName: null, flapping: true, maintenance: { silenceId: 2, name: 'patch night' } };
    const acked: StateTransition = { ...base, id: 13, serviceId: 5, serviceName: 'shop', hostId: null, hostName: null, pluginId: null, pluginName: null, problem: 's:5', to: 'critical', acknowledged: { id: 8, by: 'olga', comment: 'on it', sticky: false, at: NOW } };
    controller.expectOne((r) => r.url === '/api/reports/transitions' && r.params.get('limit') === '50').flush({ items: [base, flapping, acked], total: 3, limit: 50, offset: 0 });
    await settle(fixture);
    const rows = [...el.querySelectorAll<HTMLElement>('[data-testid="problem"]')];
    expect(rows.map((r) => r.dataset['problem'])).toEqual(['h:3:p:9', 'h:3', 's:5']);
    expect(rows[0]!.textContent).toContain('web-1');
    expect(rows[0]!.textContent).toContain('Disk');
    expect(rows[0]!.querySelector('a')?.getAttribute('href')).toBe('/hosts/3/detail');
    expect(rows[1]!.querySelector('[data-mark="flapping"]')).not.toBeNull();
    expect(rows[1]!.querySelector('[data-mark="maintenance"]')).not.toBeNull();
    expect(rows[2]!.querySelector('[data-mark="acknowledged"]')?.textContent).toContain('olga');
    expect(rows[2]!.querySelector('a')?.getAttribute('href')).toBe('/services/5');
    // Acknowledge the first row.
    [...rows[0]!.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Acknowledge')!.click();
    await settle(fixture);
    const comment = rows[0]!.querySelector<HTMLInputElement>('input[name="comment"]')!;
    comment.value = 'replacing the disk';
    comment.dispatchEvent(new Event('input'));
    await settle(fixture);
    rows[0]!.querySelector('form')!.dispatchEvent(new Event('submit'));
    const post = controller.expectOne((r) => r.method === 'POST' && r.url === '/api/acknowledgements');
    expect(post.request.body).toEqual({ problem: { hostId: 3, pluginId: 9 }, comment: 'replacing the disk', sticky: false });
    post.flush({ id: 9 });
    await settle(fixture);
    const again = controller.expectOne((r) => r.url === '/api/reports/transitions');
    again.flush({ items: [{ ...base, acknowledged: { id: 9, by: 'operator', comment: 'replacing the disk', sticky: false, at: NOW } }], total: 1, limit: 50, offset: 0 });
    await settle(fixture);
    expect(el.querySelector('[data-mark="acknowledged"]')?.textContent).toContain('operator');
  });

  it('asks again with a filter, from the first page; viewers get no actions', async () => {
    const { controller, fixture, el } = await render('viewer');
    controller.expectOne((r) => r.url === '/api/reports/transitions').flush({ items: [base], total: 1, limit: 50, offset: 0 });
    await settle(fixture);
    expect([...el.querySelectorAll('button')].some((b) => b.textContent?.trim() === 'Acknowledge')).toBe(false);
    expect([...el.querySelectorAll('a')].some((a) => a.textContent?.trim() === 'Silence')).toBe(false);
    (fixture.componentInstance as unknown as { set(k: string, v: unknown): void }).set('acknowledged', 'true');
    await settle(fixture);
    const filtered = controller.expectOne((r) => r.url === '/api/reports/transitions');
    expect(filtered.request.params.get('acknowledged')).toBe('true');
    expect(filtered.request.params.get('offset')).toBe('0');
    filtered.flush({ items: [], total: 0, limit: 50, offset: 0 });
    await settle(fixture);
    expect(el.textContent).toContain('No changes match.');
  });
});
