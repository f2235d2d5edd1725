import { isSeverity, type Severity } from '@prophasis/protocol';
import { QueryTypes, type Transaction } from 'sequelize';
import { loadGroupHosts } from '../inventory/index.js';
import type { Database } from '../db/index.js';
import { loadHostStates } from '../state/index.js';
import type { ServiceDefinition } from './health.js';

type Select = <T extends object>(sql: string, replacements?: unknown[]) => Promise<T[]>;
const selector =
  (db: Database, transaction?: Transaction): Select =>
  <T extends object>(sql: string, replacements: unknown[] = []) =>
    db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements, ...(transaction ? { transaction } : {}) });


/**
 * Every service with its dependencies and redundancy groups expanded to host ids (docs/services.md):
 * six queries in all, whatever the number of services. Parts are named after their host or
 * group; redundancy groups after their own name.
 */
export async function loadServiceDefinitions(db: Database, options: { transaction?: Transaction } = {}): Promise<ServiceDefinition[]> {
  const select = selector(db, options.transaction);
  const services = await select<{ id: number; name: string }>('SELECT id, name FROM services ORDER BY id');
  if (services.length === 0) return [];
  const deps = await select<{ service_id: number; host_id: number | null; group_id: number | null }>(
    'SELECT service_id, host_id, group_id FROM service_dependencies ORDER BY id',
  );
  const groups = await select<{ id: number; service_id: number; name: string }>('SELECT id, service_id, name FROM redundancy_groups ORDER BY id');
  const members = await select<{ redundancy_group_id: number; host_id: number | null; group_id: number | null }>(
    'SELECT redundancy_group_id, host_id, group_id FROM redundancy_group_members ORDER BY id',
  );
  const hostNames = new Map((await select<{ id: number; name: string }>('SELECT id, name FROM hosts')).map((h) => [Number(h.id), h.name]));
  const groupNames = new Map((await select<{ id: number; name: string }>('SELECT id, name FROM host_groups')).map((g) => [Number(g.id), g.name]));
  const expand = await loadGroupHosts(db, options);

  const byId = new Map<number, ServiceDefinition & { dependencies: ServiceDefinition['dependencies'][number][]; redundancyGroups: ServiceDefinition['redundancyGroups'][number][] }>();
  for (const s of services) byId.set(Number(s.id), { id: Number(s.id), name: s.name, dependencies: [], redundancyGroups: [] });
  for (const d of deps) {
    const service = byId.get(Number(d.service_id));
    if (!service) continue;
    if (d.host_id != null) service.dependencies.push({ name: hostNames.get(Number(d.host_id)) ?? `host ${d.host_id}`, hostIds: [Number(d.host_id)] });
    else if (d.group_id != null) service.dependencies.push({ name: groupNames.get(Number(d.group_id)) ?? `group ${d.group_id}`, hostIds: [...expand([Number(d.group_id)])] });
  }
  const rgHosts = new Map<number, Set<number>>();
  for (const m of members) {
    let set = rgHosts.get(Number(m.redundancy_group_id));
    if (!set) rgHosts.set(Number(m.redundancy_group_id), (set = new Set()));
    if (m.host_id != null) set.add(Number(m.host_id));
    else if (m.group_id != null) for (const h of expand([Number(m.group_id)])) set.add(h);
  }
  for (const g of groups) {
    byId.get(Number(g.service_id))?.redundancyGroups.push({ name: g.name, hostIds: [...(rgHosts.get(Number(g.id)) ?? [])] });
  }
  return [...byId.values()];
}

/**
 * Host health (docs/services.md) of many hosts at once: each host's severity from the state
 * model (core/src/state, the same read the host reports use), all hosts when `hostIds` is
 * omitted. Hosts absent from the result do not exist; callers treat them as `no_data`.
 */
export async function loadHostHealths(db: Database, hostIds?: readonly number[], options: { transaction?: Transaction } = {}): Promise<Map<number, Severity>> {
  const states = await loadHostStates(db, hostIds, options);
  return new Map([...states].map(([id, s]) => [id, s.severity]));
}

/** The `to_state` of the newest transition of every service (what it was last recorded as). */
export async function loadLastServiceStates(db: Database): Promise<Map<number, Severity>> {
  const rows = await selector(db)<{ service_id: number; to_state: string }>(
    `SELECT t.service_id, t.to_state FROM state_transitions t
     JOIN (SELECT service_id, MAX(id) AS id FROM state_transitions WHERE service_id IS NOT NULL GROUP BY service_id) last ON last.id = t.id`,
  );
  return new Map(rows.filter((r) => isSeverity(r.to_state)).map((r) => [Number(r.service_id), r.to_state as Severity]));
}
