import {
  compareSeverity,
  isSeverity,
  PROBLEM_SEVERITIES,
  type CurrentProblem,
  type CurrentProblems,
  type ProblemSeverity,
  type ProblemsOverTime,
  type TopHost,
} from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import { loadFlapping, loadProblemMarks, problemKey } from '../alerting/index.js';
import type { Database } from '../db/index.js';
import { ApiErrors } from '../kernel/index.js';
import { evaluateService, loadServiceDefinitions } from '../services/index.js';
import { loadHostStates } from '../state/index.js';

/**
 * The dashboard's reports (docs/api.md, "Reports"): the problems now, problems per severity over
 * time, and the hosts with the highest newest value of a plugin. Plain SQL that SQLite (3.25+, for
 * window functions) and PostgreSQL both run; BIGINT columns come back as strings on PostgreSQL.
 */

const DAY_MS = 86_400_000;
/** Longest range of problems-over-time: the longest retention of state transitions the settings allow. */
const MAX_RANGE_MS = 400 * DAY_MS;

const select = <T extends object>(db: Database, sql: string, replacements: unknown[] = []): Promise<T[]> =>
  db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements });

const num = (v: unknown): number | null => (v == null ? null : Number(v));
const isProblem = (s: string): s is ProblemSeverity => (PROBLEM_SEVERITIES as readonly string[]).includes(s);

/**
 * Every problem now, worst first (then longest first, then by name): each plugin of a host in a
 * problem state, each host whose agent is unreachable (the host's own problem; a host's other
 * state is the worst of its plugins, which are listed themselves), each service not ok. Each with
 * its marks (acknowledged, in maintenance) and whether it is flapping.
 */
export async function currentProblems(db: Database, limit: number, now: number): Promise<CurrentProblems> {
  const [hosts, definitions, marks, flapping, plugins, serviceSince] = await Promise.all([
    loadHostStates(db),
    loadServiceDefinitions(db),
    loadProblemMarks(db, now),
    loadFlapping(db),
    select<{ id: number; plugin_id: string; name: string }>(db, 'SELECT id, plugin_id, name FROM plugins'),
    select<{ service_id: number; at: unknown }>(db, 'SELECT service_id, MAX(at) AS at FROM state_transitions WHERE service_id IS NOT NULL GROUP BY service_id'),
  ]);
  const pluginById = new Map(plugins.map((p) => [Number(p.id), p]));
  const sinceOfService = new Map(serviceSince.map((s) => [Number(s.service_id), num(s.at)]));
  const none = { hostId: null, hostName: null, pluginId: null, pluginName: null, serviceId: null, serviceName: null };
  const out: CurrentProblem[] = [];
  const add = (ids: { hostId: number | null; pluginId: number | null; serviceId: number | null }, row: Omit<CurrentProblem, 'problem' | 'acknowledged' | 'maintenance' | 'flapping'>) => {
    const key = problemKey(ids);
    out.push({ problem: key, ...row, ...marks(ids), flapping: flapping.has(key) });
  };
  for (const host of hosts.values()) {
    if (host.presence.state === 'unreachable') {
      add({ hostId: host.id, pluginId: null, serviceId: null }, { ...none, kind: 'host', hostId: host.id, hostName: host.name, severity: 'major', since: host.presence.since });
    }
    for (const p of host.plugins) {
      if (!isProblem(p.severity)) continue;
      const plugin = pluginById.get(p.pluginRowId);
      add(
        { hostId: host.id, pluginId: p.pluginRowId, serviceId: null },
        { ...none, kind: 'plugin', hostId: host.id, hostName: host.name, pluginId: plugin?.plugin_id ?? null, pluginName: plugin ? plugin.name || plugin.plugin_id : null, severity: p.severity, since: p.since },
      );
    }
  }
  for (const service of definitions) {
    const { severity } = evaluateService(service, (id) => hosts.get(id)?.severity ?? 'no_data');
    if (!isProblem(severity)) continue;
    add({ hostId: null, pluginId: null, serviceId: service.id }, { ...none, kind: 'service', serviceId: service.id, serviceName: service.name, severity, since: sinceOfService.get(service.id) ?? null });
  }
  const name = (p: CurrentProblem) => [p.serviceName, p.hostName, p.pluginName].filter(Boolean).join(' ');
  out.sort((a, b) => compareSeverity(a.severity, b.severity) || (a.since ?? now) - (b.since ?? now) || name(a).localeCompare(name(b)));
  return { items: out.slice(0, limit), total: out.length };
}

interface TransitionRow {
  host_id: number | null;
  plugin_id: number | null;
  service_id: number | null;
  to_state: string;
  at?: unknown;
}

const keyOf = (r: TransitionRow) => `${r.host_id ?? ''}|${r.plugin_id ?? ''}|${r.service_id ?? ''}`;
const worse = (a: ProblemSeverity, b: ProblemSeverity): ProblemSeverity => (compareSeverity(a, b) <= 0 ? a : b);
const zeroCounts = (): Record<ProblemSeverity, number> => Object.fromEntries(PROBLEM_SEVERITIES.map((s) => [s, 0])) as Record<ProblemSeverity, number>;

/**
 * Counts problems per severity as the dashboard lists them now: plugins and services count
 * themselves; a host's own state counts only where it is worse than all of its plugins' (an
 * unreachable agent), since otherwise it only repeats the plugin that made it so.
 */
function countProblems(worst: ReadonlyMap<string, ProblemSeverity>): Record<ProblemSeverity, number> {
  const counts = zeroCounts();
  const worstPlugin = new Map<string, ProblemSeverity>();
  for (const [key, severity] of worst) {
    const [host, plugin] = key.split('|');
    if (!plugin) continue;
    const before = worstPlugin.get(host!);
    worstPlugin.set(host!, before ? worse(before, severity) : severity);
  }
  for (const [key, severity] of worst) {
    const [host, plugin, service] = key.split('|');
    if (!plugin && !service && host) {
      const plugins = worstPlugin.get(host);
      if (plugins && compareSeverity(severity, plugins) >= 0) continue;
    }
    counts[severity] += 1;
  }
  return counts;
}

/**
 * Problems per severity in `buckets` equal buckets of `[from, to)`, replayed from
 * `state_transitions`: each problem's state at `from` (its newest transition before it, by
 * `at` then id), then its transitions in the range in order. A problem counts once per bucket, at
 * the worst state it was in during the bucket, so a short outage inside one bucket still shows;
 * a host's own state only where {@link countProblems} says so.
 * Refuses `from >= to` and ranges longer than 400 days (`CORE_API_BAD_REQUEST`, field `from`).
 */
export async function problemsOverTime(db: Database, q: { from?: number; to?: number; buckets: number }, now: number): Promise<ProblemsOverTime> {
  const to = q.to ?? now;
  const from = q.from ?? to - DAY_MS;
  if (from >= to) throw ApiErrors.BAD_REQUEST('from must be before to', { field: 'from' });
  if (to - from > MAX_RANGE_MS) throw ApiErrors.BAD_REQUEST('the range may be at most 400 days', { field: 'from' });
  const bucketMs = Math.max(1, Math.ceil((to - from) / q.buckets));
  const count = Math.ceil((to - from) / bucketMs);
  const [initial, changes] = await Promise.all([
    // The newest transition of each problem before the range: its state at `from`.
    select<TransitionRow>(
      db,
      `SELECT host_id, plugin_id, service_id, to_state FROM (
         SELECT host_id, plugin_id, service_id, to_state,
                ROW_NUMBER() OVER (PARTITION BY host_id, plugin_id, service_id ORDER BY at DESC, id DESC) AS rn
         FROM state_transitions WHERE at < ?
       ) newest WHERE rn = 1`,
      [from],
    ),
    select<TransitionRow>(db, 'SELECT host_id, plugin_id, service_id, to_state, at FROM state_transitions WHERE at >= ? AND at < ? ORDER BY at, id', [from, to]),
  ]);
  // Only problems in a problem state are kept: the rest count nowhere.
  const state = new Map<string, ProblemSeverity>();
  for (const r of initial) if (isProblem(r.to_state)) state.set(keyOf(r), r.to_state);
  const buckets: ProblemsOverTime['buckets'] = [];
  let next = 0;
  const apply = (r: TransitionRow): ProblemSeverity | undefined => {
    const key = keyOf(r);
    if (!isProblem(r.to_state)) {
      state.delete(key);
      return undefined;
    }
    state.set(key, r.to_state);
    return r.to_state;
  };
  for (let i = 0; i < count; i++) {
    const start = from + i * bucketMs;
    const end = Math.min(start + bucketMs, to);
    // A change at the very start of the bucket is its state from the start on.
    for (; next < changes.length && Number(changes[next]!.at) <= start; next++) apply(changes[next]!);
    const worst = new Map(state);
    for (; next < changes.length && Number(changes[next]!.at) < end; next++) {
      const r = changes[next]!;
      const severity = apply(r);
      if (severity === undefined) continue;
      const before = worst.get(keyOf(r));
      worst.set(keyOf(r), before ? worse(before, severity) : severity);
    }
    buckets.push({ t: start, counts: countProblems(worst) });
  }
  return { from, to, bucketMs, buckets };
}

/**
 * The `limit` hosts with the highest newest value of one plugin (by reverse-DNS id): per host,
 * its newest result of the plugin that carried a value (an indexed look-up per host, as the host
 * report reads its latest results), with the plugin's current state on the host. A plugin that
 * is not installed has no hosts (not an error: the dashboard asks for the first-party ones).
 */
export async function topHosts(db: Database, pluginId: string, limit: number): Promise<TopHost[]> {
  const rows = await select<{ host_id: number; name: string; severity: string; value: unknown; measured_at: unknown }>(
    db,
    `SELECT cs.host_id, h.name, cs.severity, r.value, r.measured_at
     FROM plugins p
     JOIN current_states cs ON cs.plugin_id = p.id
     JOIN hosts h ON h.id = cs.host_id
     JOIN results r ON r.id = (
       SELECT r2.id FROM results r2
       WHERE r2.host_id = cs.host_id AND r2.plugin_id = cs.plugin_id AND r2.value IS NOT NULL
       ORDER BY r2.measured_at DESC, r2.id DESC LIMIT 1
     )
     WHERE p.plugin_id = ?
     ORDER BY r.value DESC, h.name ASC
     LIMIT ?`,
    [pluginId, limit],
  );
  return rows.map((r) => ({
    hostId: Number(r.host_id),
    hostName: r.name,
    value: Number(r.value),
    measuredAt: Number(r.measured_at),
    severity: isSeverity(r.severity) ? r.severity : 'unknown',
  }));
}
