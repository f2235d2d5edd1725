import { compareSeverity, isSeverity, SPARKLINE_PLUGINS, SPARKLINE_RANGES, type HostGroup, type HostHealth, type Severity, type SparklineRange, type SparklinesResponse } from '../../core/protocol';
import { isUnreachable } from './host-health';

/** How the host list is ordered: worst first (the default), by name, or by group. */
type HostSort = 'severity' | 'name' | 'group';
const SORTS: readonly HostSort[] = ['severity', 'name', 'group'];

/**
 * What the host list's filters say; all of it lives in the URL (`/hosts?group=3&severity=major&tag=db&sort=name`),
 * so a reload or a shared link shows the same list. Empty: not filtered.
 */
export interface HostListFilters {
  q: string;
  /** Only hosts that are not OK or whose agent is not connected. */
  attention: boolean;
  /** A host group's id: its hosts, nested groups included. */
  group: number | null;
  severity: Severity | '';
  tag: string;
  sort: HostSort;
  /** The sparklines' range. */
  range: SparklineRange;
}

export const DEFAULT_HOST_FILTERS: HostListFilters = { q: '', attention: false, group: null, severity: '', tag: '', sort: 'severity', range: 'day' };

/** The filters a URL's query says; anything unknown or malformed is left at its default (a stale link never breaks the page). */
export function hostFiltersFromQuery(get: (key: string) => string | null): HostListFilters {
  const group = Number(get('group'));
  const severity = get('severity');
  const sort = get('sort') as HostSort | null;
  const range = get('range');
  return {
    q: get('q')?.slice(0, 200) ?? '',
    attention: get('attention') === '1',
    group: Number.isSafeInteger(group) && group > 0 ? group : null,
    severity: isSeverity(severity) ? severity : '',
    tag: get('tag')?.slice(0, 64) ?? '',
    sort: sort !== null && SORTS.includes(sort) ? sort : 'severity',
    range: range !== null && Object.hasOwn(SPARKLINE_RANGES, range) ? (range as SparklineRange) : 'day',
  };
}

/** The query parameters for `filters`; defaults are left out, so the plain list stays `/hosts`. */
export function hostFiltersToQuery(f: HostListFilters): Record<string, string | null> {
  return {
    q: f.q || null,
    attention: f.attention ? '1' : null,
    group: f.group === null ? null : String(f.group),
    severity: f.severity || null,
    tag: f.tag || null,
    sort: f.sort === 'severity' ? null : f.sort,
    range: f.range === 'day' ? null : f.range,
  };
}

/** What the list knows of each host besides its health: its tags and groups (direct ones named, all ids for filtering). */
export interface HostFacts {
  tags: readonly string[];
  /** Names of the groups it is directly in, sorted. */
  groupNames: readonly string[];
  /** Every group it is in, directly or through nested groups. */
  groupIds: ReadonlySet<number>;
}

/**
 * Each host's groups from the groups' member lists: direct membership by name, and every group
 * whose members include it through nesting (a host of `db` nested in `prod` is in both).
 */
export function hostGroupFacts(groups: readonly HostGroup[]): Map<number, { groupNames: string[]; groupIds: Set<number> }> {
  const byId = new Map(groups.map((g) => [g.id, g]));
  const out = new Map<number, { groupNames: string[]; groupIds: Set<number> }>();
  const entry = (hostId: number) => {
    let e = out.get(hostId);
    if (!e) out.set(hostId, (e = { groupNames: [], groupIds: new Set() }));
    return e;
  };
  for (const g of groups) {
    for (const hostId of g.hostIds) entry(hostId).groupNames.push(g.name);
    // Every host below g, through child groups; `seen` guards against a cycle the API would refuse anyway.
    const seen = new Set<number>();
    const stack = [g.id];
    while (stack.length) {
      const current = byId.get(stack.pop()!);
      if (!current || seen.has(current.id)) continue;
      seen.add(current.id);
      for (const hostId of current.hostIds) entry(hostId).groupIds.add(g.id);
      stack.push(...current.groupIds);
    }
  }
  for (const e of out.values()) e.groupNames.sort((a, b) => a.localeCompare(b));
  return out;
}

const NO_FACTS: HostFacts = { tags: [], groupNames: [], groupIds: new Set() };

/** The hosts the filters keep, in the order they ask for. */
export function filterAndSortHosts(hosts: readonly HostHealth[], facts: (hostId: number) => HostFacts | undefined, f: HostListFilters): HostHealth[] {
  const needle = f.q.trim().toLowerCase();
  const tag = f.tag.trim().toLowerCase();
  const kept = hosts.filter((h) => {
    const x = facts(h.id) ?? NO_FACTS;
    return (
      (!needle || h.name.toLowerCase().includes(needle)) &&
      (!f.attention || needsAttention(h)) &&
      (f.group === null || x.groupIds.has(f.group)) &&
      (!f.severity || h.severity === f.severity) &&
      (!tag || x.tags.some((t) => t.toLowerCase() === tag))
    );
  });
  const bySeverity = (a: HostHealth, b: HostHealth) => compareSeverity(a.severity, b.severity) || Number(isUnreachable(b)) - Number(isUnreachable(a));
  const byName = (a: HostHealth, b: HostHealth) => a.name.localeCompare(b.name);
  // Hosts in no group come after those in one.
  const groupKey = (h: HostHealth) => (facts(h.id) ?? NO_FACTS).groupNames[0];
  const byGroup = (a: HostHealth, b: HostHealth) => {
    const ga = groupKey(a);
    const gb = groupKey(b);
    if (ga === gb) return 0;
    if (ga === undefined) return 1;
    if (gb === undefined) return -1;
    return ga.localeCompare(gb);
  };
  const order = f.sort === 'name' ? [byName, bySeverity] : f.sort === 'group' ? [byGroup, bySeverity, byName] : [bySeverity, byName];
  return kept.sort((a, b) => {
    for (const compare of order) {
      const c = compare(a, b);
      if (c !== 0) return c;
    }
    return 0;
  });
}

/** Not OK, or its agent is not connected (unreachable, or away within the grace period). */
function needsAttention(h: Pick<HostHealth, 'severity' | 'presence'>): boolean {
  return h.severity !== 'ok' || h.presence.state === 'unreachable' || h.presence.state === 'disconnected';
}

/** Every tag of the hosts, sorted, for the tag filter's choices. */
export function allTags(tags: Iterable<readonly string[]>): string[] {
  const set = new Set<string>();
  for (const list of tags) for (const t of list) set.add(t);
  return [...set].sort((a, b) => a.localeCompare(b));
}

/** One sparkline as the list draws it. */
export interface Sparkline {
  pluginId: string;
  label: string;
  unit: string | null;
  values: readonly (number | null)[];
  /** The newest value in the range, or null. */
  last: number | null;
  /** The y range: the plugin's hints (0–100 for percentages), else the values'. */
  min: number;
  max: number;
}

/** Short labels of the first-party plugins' sparklines, by plugin id; others keep their name. */
const SHORT_LABELS: Readonly<Record<string, string>> = {
  'io.prophasis.cpu-load': 'CPU',
  'io.prophasis.memory-usage': 'Memory',
  'io.prophasis.disk-usage': 'Disk',
};

/** The sparkline columns of the list: the first-party plugins the core has, in protocol's order (CPU, memory, disk). */
export function sparklineColumns(answer: Pick<SparklinesResponse, 'plugins'>): { pluginId: string; label: string }[] {
  const present = new Map(answer.plugins.map((p) => [p.pluginId, p]));
  return SPARKLINE_PLUGINS.filter((id) => present.has(id)).map((pluginId) => ({ pluginId, label: SHORT_LABELS[pluginId] ?? present.get(pluginId)!.name }));
}

/** The sparklines of each host, by host id, from one answer of `GET /api/reports/sparklines`. */
export function sparklinesByHost(answer: SparklinesResponse): Map<number, Sparkline[]> {
  const plugins = new Map(answer.plugins.map((p) => [p.pluginId, p]));
  return new Map(
    answer.hosts.map((h) => [
      h.hostId,
      h.series.map((s) => {
        const p = plugins.get(s.pluginId);
        const present = s.values.filter((v): v is number => v !== null);
        const min = p?.min ?? Math.min(0, ...present);
        const max = p?.max ?? Math.max(min + 1, ...present);
        return { pluginId: s.pluginId, label: SHORT_LABELS[s.pluginId] ?? p?.name ?? s.pluginId, unit: p?.unit ?? null, values: s.values, last: present.at(-1) ?? null, min, max };
      }),
    ]),
  );
}

/**
 * SVG path data of a sparkline in a `width` × `height` box: one `M … L …` run per stretch of
 * values, so a point without a value is a hole, never a line drawn across it (as in every chart).
 */
export function sparklinePath(values: readonly (number | null)[], min: number, max: number, width: number, height: number): string {
  if (values.length === 0) return '';
  const span = max - min || 1;
  const x = (i: number) => (values.length === 1 ? width / 2 : (i * width) / (values.length - 1));
  const y = (v: number) => height - (Math.min(Math.max(v, min), max) - min) * (height / span);
  let d = '';
  let drawing = false;
  values.forEach((v, i) => {
    if (v === null) {
      drawing = false;
      return;
    }
    const next = values[i + 1];
    const prev = i > 0 ? values[i - 1] : null;
    // A lone value between holes is drawn as a short flat stroke so that it shows.
    if (!drawing && (next === null || next === undefined) && (prev === null || prev === undefined)) {
      d += `M${(x(i) - 1).toFixed(1)} ${y(v).toFixed(1)}h2`;
      return;
    }
    d += `${drawing ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
    drawing = true;
  });
  return d;
}

/** A sparkline's newest value in words, with its unit (`45 %`, `2.5`), or `—`. */
export function formatLast(s: Pick<Sparkline, 'last' | 'unit'>): string {
  if (s.last === null) return '—';
  const rounded = Math.abs(s.last) >= 10 ? Math.round(s.last) : Math.round(s.last * 10) / 10;
  return s.unit ? `${rounded} ${s.unit}` : String(rounded);
}
