import type { HostGroup, HostHealth } from '../../core/protocol';
import {
  DEFAULT_HOST_FILTERS,
  filterAndSortHosts,
  formatLast,
  hostFiltersFromQuery,
  hostFiltersToQuery,
  hostGroupFacts,
  sparklineColumns,
  sparklinePath,
  sparklinesByHost,
  type HostFacts,
} from './host-list';

const health = (id: number, name: string, severity: HostHealth['severity'], state: HostHealth['presence']['state'] = 'connected'): HostHealth => ({
  id,
  name,
  severity,
  enrolmentState: 'enrolled',
  presence: { state, since: 0, lastSeen: 0 },
  online: state === 'connected',
  lastSeen: 0,
  plugins: 1,
});
const group = (id: number, name: string, hostIds: number[], groupIds: number[] = []): HostGroup => ({ id, name, description: '', hostIds, groupIds, createdAt: 0, updatedAt: 0 });
const query = (q: Record<string, string>) => (key: string) => q[key] ?? null;

describe('host list: filters in the URL, groups, sorting, sparklines', () => {
  it('reads the filters from the URL, leaving malformed values at their defaults, and writes back only what differs', () => {
    expect(hostFiltersFromQuery(query({}))).toEqual(DEFAULT_HOST_FILTERS);
    const f = hostFiltersFromQuery(query({ q: 'web', attention: '1', group: '3', severity: 'major', tag: 'db', sort: 'name', range: 'week' }));
    expect(f).toEqual({ q: 'web', attention: true, group: 3, severity: 'major', tag: 'db', sort: 'name', range: 'week' });
    expect(hostFiltersFromQuery(query({ group: '-1', severity: 'worse', sort: 'random', range: 'year', attention: 'yes' }))).toEqual(DEFAULT_HOST_FILTERS);
    expect(hostFiltersFromQuery(query({ group: 'x' })).group).toBeNull();
    expect(hostFiltersToQuery(f)).toEqual({ q: 'web', attention: '1', group: '3', severity: 'major', tag: 'db', sort: 'name', range: 'week' });
    expect(Object.values(hostFiltersToQuery(DEFAULT_HOST_FILTERS)).every((v) => v === null)).toBe(true);
    // A round trip through the URL keeps every filter.
    const url = hostFiltersToQuery(f);
    expect(hostFiltersFromQuery((key) => url[key] ?? null)).toEqual(f);
  });

  it('knows each host’s direct groups by name and every group it is in through nesting', () => {
    const facts = hostGroupFacts([group(1, 'prod', [3], [2]), group(2, 'db', [4]), group(5, 'empty', [])]);
    expect(facts.get(3)).toEqual({ groupNames: ['prod'], groupIds: new Set([1]) });
    expect(facts.get(4)).toEqual({ groupNames: ['db'], groupIds: new Set([2, 1]) });
    // A cycle (which the API refuses) does not loop.
    expect(hostGroupFacts([group(1, 'a', [7], [2]), group(2, 'b', [], [1])]).get(7)?.groupIds).toEqual(new Set([1, 2]));
  });

  const hosts = [health(1, 'web-2', 'ok'), health(2, 'db-1', 'major'), health(3, 'web-1', 'minor'), health(4, 'api', 'ok', 'unreachable'), health(5, 'lone', 'ok')];
  const facts = new Map<number, HostFacts>([
    [1, { tags: ['web'], groupNames: ['web'], groupIds: new Set([10, 30]) }],
    [2, { tags: ['db', 'Prod'], groupNames: ['db'], groupIds: new Set([20, 30]) }],
    [3, { tags: ['web'], groupNames: ['web'], groupIds: new Set([10, 30]) }],
    [4, { tags: [], groupNames: ['api', 'web'], groupIds: new Set([10, 40]) }],
  ]);
  const names = (f: Partial<typeof DEFAULT_HOST_FILTERS>) => filterAndSortHosts(hosts, (id) => facts.get(id), { ...DEFAULT_HOST_FILTERS, ...f }).map((h) => h.name);

  it('sorts by severity (worst first, unreachable first among equals), by name, or by group (hosts in no group last)', () => {
    expect(names({})).toEqual(['db-1', 'web-1', 'api', 'lone', 'web-2']);
    expect(names({ sort: 'name' })).toEqual(['api', 'db-1', 'lone', 'web-1', 'web-2']);
    expect(names({ sort: 'group' })).toEqual(['api', 'db-1', 'web-1', 'web-2', 'lone']);
  });

  it('filters by group (nested membership), severity, tag (any case), text and needing attention, all combined', () => {
    expect(names({ group: 30 })).toEqual(['db-1', 'web-1', 'web-2']);
    expect(names({ group: 99 })).toEqual([]);
    expect(names({ severity: 'ok' })).toEqual(['api', 'lone', 'web-2']);
    expect(names({ tag: 'prod' })).toEqual(['db-1']);
    expect(names({ tag: 'web', severity: 'minor' })).toEqual(['web-1']);
    expect(names({ q: 'WEB', group: 10 })).toEqual(['web-1', 'web-2']);
    expect(names({ attention: true })).toEqual(['db-1', 'web-1', 'api']);
  });

  it('turns one sparkline answer into each host’s lines with the hints’ range and its newest value', () => {
    const answer = {
      from: 0,
      to: 4,
      stepMs: 1,
      plugins: [
        { pluginId: 'io.prophasis.cpu-load', name: 'CPU load', unit: '%', min: 0, max: 100 },
        { pluginId: 'io.prophasis.disk-usage', name: 'Disk', unit: null, min: null, max: null },
      ],
      hosts: [
        { hostId: 1, series: [{ pluginId: 'io.prophasis.cpu-load', values: [10, null, 30, null] }, { pluginId: 'io.prophasis.disk-usage', values: [2, 8, null, null] }] },
        { hostId: 2, series: [] },
      ],
    };
    const lines = sparklinesByHost(answer);
    expect(lines.get(1)).toEqual([
      { pluginId: 'io.prophasis.cpu-load', label: 'CPU', unit: '%', values: [10, null, 30, null], last: 30, min: 0, max: 100 },
      { pluginId: 'io.prophasis.disk-usage', label: 'Disk', unit: null, values: [2, 8, null, null], last: 8, min: 0, max: 8 },
    ]);
    expect(lines.get(2)).toEqual([]);
    expect(sparklineColumns(answer)).toEqual([
      { pluginId: 'io.prophasis.cpu-load', label: 'CPU' },
      { pluginId: 'io.prophasis.disk-usage', label: 'Disk' },
    ]);
  });

  it('draws a hole where a point has no value, a lone value as a short stroke, and clamps to the range', () => {
    expect(sparklinePath([0, 50, null, 100, 100], 0, 100, 40, 10)).toBe('M0.0 10.0L10.0 5.0M30.0 0.0L40.0 0.0');
    expect(sparklinePath([null, 20, null], 0, 100, 20, 10)).toBe('M9.0 8.0h2');
    expect(sparklinePath([150, -5], 0, 100, 10, 10)).toBe('M0.0 0.0L10.0 10.0');
    expect(sparklinePath([], 0, 100, 10, 10)).toBe('');
    expect(formatLast({ last: 45.26, unit: '%' })).toBe('45 %');
    expect(formatLast({ last: 2.46, unit: null })).toBe('2.5');
    expect(formatLast({ last: null, unit: '%' })).toBe('—');
  });
});
