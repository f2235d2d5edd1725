import { compareSeverity, worstSeverity, type HostGroup, type HostHealth, type Member, type Service, type ServiceHealth, type Severity } from '../../core/protocol';

/** Every service worst first by protocol's `compareSeverity`, then by name. */
export function sortServicesWorstFirst(services: readonly ServiceHealth[]): ServiceHealth[] {
  return [...services].sort((a, b) => compareSeverity(a.severity, b.severity) || a.name.localeCompare(b.name));
}

/** What the page knows about hosts and groups to give each member of a service its health. */
export interface HealthIndex {
  hosts: ReadonlyMap<number, Pick<HostHealth, 'id' | 'name' | 'severity' | 'presence'>>;
  groups: ReadonlyMap<number, Pick<HostGroup, 'id' | 'name' | 'hostIds' | 'groupIds'>>;
}

export function healthIndex(hosts: readonly HostHealth[], groups: readonly HostGroup[]): HealthIndex {
  return { hosts: new Map(hosts.map((h) => [h.id, h])), groups: new Map(groups.map((g) => [g.id, g])) };
}

/** Hosts of a group and of its nested groups, each once; a cycle (refused by the API anyway) cannot loop. */
export function hostsOfGroup(index: HealthIndex, groupId: number): number[] {
  const hosts = new Set<number>();
  const seen = new Set<number>();
  const stack = [groupId];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const group = index.groups.get(id);
    if (!group) continue;
    for (const h of group.hostIds) hosts.add(h);
    stack.push(...group.groupIds);
  }
  return [...hosts];
}

interface HostCell {
  id: number;
  name: string;
  severity: Severity;
  /** Its agent is unreachable (why a host with OK plugins is Major). */
  unreachable: boolean;
}

/** One member of a dependency or redundancy group, with its health as the core computes it. */
export interface MemberView {
  kind: Member['kind'];
  id: number;
  name: string;
  severity: Severity;
  /** For a host: its agent is unreachable. */
  unreachable: boolean;
  /** For a group: its hosts (nested groups included), worst first, each linking to its report. */
  hosts: HostCell[];
}

/**
 * A member's health by the core's rule (docs/api.md, "Service health"): a host is its state from
 * the core's state model (`GET /api/reports/hosts`: worst plugin state, `major` while its agent is
 * unreachable, `no_data` with neither); a group is its worst host, nested groups included
 * (`no_data` when empty).
 */
export function memberView(member: Member, index: HealthIndex): MemberView {
  const host = (id: number): HostCell => {
    const h = index.hosts.get(id);
    return { id, name: h?.name ?? `host ${id}`, severity: h?.severity ?? 'no_data', unreachable: h?.presence?.state === 'unreachable' };
  };
  if (member.kind === 'host') {
    const h = host(member.id);
    return { kind: 'host', id: member.id, name: h.name, severity: h.severity, unreachable: h.unreachable, hosts: [] };
  }
  const hosts = hostsOfGroup(index, member.id)
    .map(host)
    .sort((a, b) => compareSeverity(a.severity, b.severity) || a.name.localeCompare(b.name));
  return {
    kind: 'group',
    id: member.id,
    name: index.groups.get(member.id)?.name ?? `group ${member.id}`,
    severity: worstSeverity(hosts.map((h) => h.severity), 'no_data'),
    unreachable: false,
    hosts,
  };
}

/** One box of the service detail: a dependency (one member) or a redundancy group (its members). */
export interface ServiceBox {
  kind: 'dependency' | 'redundancy';
  name: string;
  /** What the box contributes to the service. */
  severity: Severity;
  members: MemberView[];
}

// Best member of a redundancy group, as the core ranks them: ok, then no data, then unknown, …
const REDUNDANCY_PREFERENCE: readonly Severity[] = ['ok', 'no_data', 'unknown', 'degraded', 'minor', 'major', 'critical'];

/**
 * The boxes of a service with each member's health. A box's contribution is the core's (from
 * `GET /api/reports/services`) when the report names it, otherwise computed by the same rule:
 * a dependency contributes its severity (`critical` when `major`); a redundancy group its best
 * member (`critical` when even that is `major`, or when it has no members).
 */
export function serviceBoxes(service: Pick<Service, 'dependencies' | 'redundancyGroups'>, health: ServiceHealth | undefined, index: HealthIndex): ServiceBox[] {
  const reported = (kind: ServiceBox['kind'], name: string) => health?.parts.find((p) => p.kind === kind && p.name === name)?.severity;
  const boxes: ServiceBox[] = [];
  for (const dependency of service.dependencies) {
    const member = memberView(dependency, index);
    const computed: Severity = member.severity === 'major' ? 'critical' : member.severity;
    boxes.push({ kind: 'dependency', name: member.name, severity: reported('dependency', member.name) ?? computed, members: [member] });
  }
  for (const group of service.redundancyGroups) {
    const members = group.members.map((m) => memberView(m, index));
    let best: Severity | undefined;
    for (const m of members) if (best === undefined || REDUNDANCY_PREFERENCE.indexOf(m.severity) < REDUNDANCY_PREFERENCE.indexOf(best)) best = m.severity;
    const computed: Severity = best === undefined || best === 'major' || best === 'critical' ? 'critical' : best;
    boxes.push({ kind: 'redundancy', name: group.name, severity: reported('redundancy', group.name) ?? computed, members });
  }
  return boxes;
}
