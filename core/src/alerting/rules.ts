import { isSeverity, type Severity } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';
import { loadGroupHosts } from '../inventory/index.js';

/**
 * An enabled alert with its scopes resolved to plain id sets (docs/alerts.md, "Scopes"): group
 * scopes expanded to every host, nested groups included; check scopes to the hosts the check
 * runs on and the plugins it runs.
 */
export interface AlertRule {
  id: number;
  name: string;
  module: string;
  settings: Record<string, unknown>;
  fromStates: ReadonlySet<Severity>;
  toStates: ReadonlySet<Severity>;
  /** Repeat the notice this often while the problem lasts, unacknowledged and not silenced (docs/alerts.md, "Repeat and escalation"); null: never. */
  repeatMs: number | null;
  /** Escalation steps, in order of `afterMs` (how long after the problem started). */
  escalations: readonly EscalationStep[];
  scopes: {
    /** True when the alert has at least one host or group scope (even a group with no hosts). */
    restrictsHosts: boolean;
    hostIds: ReadonlySet<number>;
    serviceIds: ReadonlySet<number>;
    pluginIds: ReadonlySet<number>;
    checks: readonly { id: number; hostIds: ReadonlySet<number>; pluginIds: ReadonlySet<number> }[];
  };
}

/** One escalation step: after `afterMs`, the notice goes to `module` with `settings` (its recipients). */
export interface EscalationStep {
  afterMs: number;
  module: string;
  settings: Record<string, unknown>;
}

/** Stored steps (`alerts.escalations`, JSON `{ afterMinutes, module, settings }[]`), sorted; anything unreadable is left out. */
function escalationSteps(value: unknown): EscalationStep[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((s): s is { afterMinutes: number; module: string; settings: Record<string, unknown> } => typeof s === 'object' && s !== null && typeof s.afterMinutes === 'number' && typeof s.module === 'string')
    .map((s) => ({ afterMs: s.afterMinutes * 60_000, module: s.module, settings: typeof s.settings === 'object' && s.settings !== null ? s.settings : {} }))
    .sort((a, b) => a.afterMs - b.afterMs);
}

const severities = (value: unknown): Set<Severity> => new Set(Array.isArray(value) ? value.filter(isSeverity) : []);
const parse = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

/**
 * Every enabled alert as an {@link AlertRule}: a fixed number of queries (alerts, scopes, group
 * edges and memberships, check hosts, groups and plugins) whatever the number of alerts.
 */
export async function loadAlertRules(db: Database, options: { includeDisabled?: boolean; ids?: number[] } = {}): Promise<AlertRule[]> {
  const select = <T extends object>(sql: string) => db.sequelize.query<T>(sql, { type: QueryTypes.SELECT });
  const alerts = (await select<{ id: number; name: string; module: string; settings: unknown; from_states: unknown; to_states: unknown; enabled: unknown; repeat_minutes: number | string | null; escalations: string | null }>(
    'SELECT id, name, module, settings, from_states, to_states, enabled, repeat_minutes, escalations FROM alerts ORDER BY id',
  )).filter((a) => (options.includeDisabled || a.enabled === true || a.enabled === 1) && (!options.ids || options.ids.includes(Number(a.id))));
  if (alerts.length === 0) return [];
  const scopes = await select<{ alert_id: number; kind: string; host_id: number | null; group_id: number | null; service_id: number | null; plugin_id: number | null; check_id: number | null }>(
    'SELECT alert_id, kind, host_id, group_id, service_id, plugin_id, check_id FROM alert_scopes',
  );
  const expand = await loadGroupHosts(db);
  const checkIds = [...new Set(scopes.filter((s) => s.check_id != null).map((s) => Number(s.check_id)))];
  const checks = new Map<number, { id: number; hostIds: Set<number>; pluginIds: Set<number> }>();
  if (checkIds.length > 0) {
    const list = checkIds.join(',');
    const hosts = await select<{ check_id: number; host_id: number }>(`SELECT check_id, host_id FROM check_hosts WHERE check_id IN (${list})`);
    const groups = await select<{ check_id: number; group_id: number }>(`SELECT check_id, group_id FROM check_groups WHERE check_id IN (${list})`);
    const plugins = await select<{ check_id: number; plugin_id: number }>(`SELECT check_id, plugin_id FROM check_plugins WHERE check_id IN (${list})`);
    for (const id of checkIds) checks.set(id, { id, hostIds: new Set(), pluginIds: new Set() });
    for (const h of hosts) checks.get(Number(h.check_id))?.hostIds.add(Number(h.host_id));
    for (const g of groups) for (const h of expand([Number(g.group_id)])) checks.get(Number(g.check_id))?.hostIds.add(h);
    for (const p of plugins) checks.get(Number(p.check_id))?.pluginIds.add(Number(p.plugin_id));
  }
  return alerts.map((a) => {
    const own = scopes.filter((s) => Number(s.alert_id) === Number(a.id));
    const ids = (kind: string, pick: (s: (typeof own)[number]) => number | null) =>
      own.filter((s) => s.kind === kind).map(pick).filter((v): v is number => v != null).map(Number);
    const hostIds = new Set(ids('host', (s) => s.host_id));
    for (const h of expand(ids('group', (s) => s.group_id))) hostIds.add(h);
    const settings = parse(a.settings);
    return {
      id: Number(a.id),
      name: a.name,
      module: a.module,
      settings: settings && typeof settings === 'object' && !Array.isArray(settings) ? (settings as Record<string, unknown>) : {},
      fromStates: severities(parse(a.from_states)),
      toStates: severities(parse(a.to_states)),
      repeatMs: a.repeat_minutes == null ? null : Number(a.repeat_minutes) * 60_000,
      escalations: escalationSteps(a.escalations === null ? null : parse(a.escalations)),
      scopes: {
        restrictsHosts: own.some((s) => s.kind === 'host' || s.kind === 'group'),
        hostIds,
        serviceIds: new Set(ids('service', (s) => s.service_id)),
        pluginIds: new Set(ids('plugin', (s) => s.plugin_id)),
        checks: ids('check', (s) => s.check_id).map((id) => checks.get(id) ?? { id, hostIds: new Set<number>(), pluginIds: new Set<number>() }),
      },
    };
  });
}
