import { SEVERITIES, compareSeverity, type HostGroup, type HostHealth, type ServiceHealth, type Severity } from '../../core/protocol';
import { healthIndex, hostsOfGroup, memberView, serviceBoxes, sortServicesWorstFirst } from './service-health';

const service = (id: number, name: string, severity: Severity): ServiceHealth => ({ id, name, severity, parts: [] });
const host = (id: number, name: string, severity: Severity): HostHealth => ({
  id,
  name,
  severity,
  enrolmentState: 'enrolled',
  presence: { state: 'connected', since: 1, lastSeen: 1 },
  online: true,
  lastSeen: 1,
  plugins: 1,
});
const group = (id: number, name: string, hostIds: number[], groupIds: number[] = []): HostGroup => ({ id, name, description: '', hostIds, groupIds, createdAt: 0, updatedAt: 0 });

describe('service health: worst first', () => {
  it('sorts every service by protocol’s compareSeverity, then by name', () => {
    const list = [service(1, 'wiki', 'ok'), service(2, 'mail', 'critical'), service(3, 'shop', 'degraded'), service(4, 'dns', 'no_data'), service(5, 'backup', 'critical'), service(6, 'vpn', 'unknown'), service(7, 'erp', 'major'), service(8, 'print', 'minor')];
    const sorted = sortServicesWorstFirst(list);
    expect(sorted.map((s) => s.name)).toEqual(['backup', 'mail', 'erp', 'print', 'shop', 'vpn', 'wiki', 'dns']);
    // The order is exactly protocol's, whatever it is.
    for (let i = 1; i < sorted.length; i++) expect(compareSeverity(sorted[i - 1]!.severity, sorted[i]!.severity)).toBeLessThanOrEqual(0);
    expect([...new Set(sorted.map((s) => s.severity))]).toEqual(SEVERITIES.filter((s) => list.some((x) => x.severity === s)));
    // The input is not reordered in place.
    expect(list[0]?.name).toBe('wiki');
  });
});

describe('service detail: members and boxes', () => {
  const hosts = [host(1, 'mail', 'major'), host(2, 'web-1', 'ok'), host(3, 'web-2', 'minor'), host(4, 'db-1', 'degraded'), host(5, 'db-2', 'ok')];
  const groups = [group(10, 'databases', [4, 5]), group(11, 'all', [1], [10, 12]), group(12, 'loop', [2], [11]), group(13, 'empty', [])];
  const index = healthIndex(hosts, groups);

  it('collects the hosts of nested groups once, even through a cycle', () => {
    expect(hostsOfGroup(index, 11).sort()).toEqual([1, 2, 4, 5]);
    expect(hostsOfGroup(index, 99)).toEqual([]);
  });

  it('gives a group its worst host, its hosts worst first, and no_data when empty', () => {
    const databases = memberView({ kind: 'group', id: 10 }, index);
    expect(databases).toMatchObject({ name: 'databases', severity: 'degraded' });
    expect(databases.hosts.map((h) => h.name)).toEqual(['db-1', 'db-2']);
    expect(memberView({ kind: 'group', id: 13 }, index).severity).toBe('no_data');
    expect(memberView({ kind: 'host', id: 42 }, index)).toMatchObject({ name: 'host 42', severity: 'no_data' });
  });

  it('computes what each box contributes by the core’s rule when the report does not say', () => {
    const boxes = serviceBoxes(
      {
        dependencies: [{ kind: 'host', id: 1 }, { kind: 'group', id: 10 }],
        redundancyGroups: [
          { name: 'front ends', members: [{ kind: 'host', id: 3 }, { kind: 'host', id: 2 }] },
          { name: 'mail only', members: [{ kind: 'host', id: 1 }] },
          { name: 'nothing', members: [] },
        ],
      },
      undefined,
      index,
    );
    expect(boxes.map((b) => [b.kind, b.name, b.severity])).toEqual([
      ['dependency', 'mail', 'critical'], // a major dependency makes the service critical
      ['dependency', 'databases', 'degraded'],
      ['redundancy', 'front ends', 'ok'], // the best member counts
      ['redundancy', 'mail only', 'critical'],
      ['redundancy', 'nothing', 'critical'],
    ]);
    expect(boxes[2]?.members.map((m) => [m.name, m.severity])).toEqual([
      ['web-2', 'minor'],
      ['web-1', 'ok'],
    ]);
  });

  it('prefers the severity the core reported for a part', () => {
    const health: ServiceHealth = { id: 1, name: 's', severity: 'minor', parts: [{ kind: 'dependency', name: 'databases', severity: 'minor' }] };
    const [box] = serviceBoxes({ dependencies: [{ kind: 'group', id: 10 }], redundancyGroups: [] }, health, index);
    expect(box?.severity).toBe('minor');
    expect(box?.members[0]?.severity).toBe('degraded');
  });
});
