import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../db/index.js';
import { ApiErrors } from '../kernel/index.js';
import { ancestors, causes, checkParents, children, type ParentMap } from './graph.js';

type Db = Pick<Database, 'sequelize'>;
const select = <T extends object>(db: Db, sql: string, replacements: unknown[] = [], transaction?: Transaction) =>
  db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements, ...(transaction ? { transaction } : {}) });

/**
 * The plugin whose major or critical state says a device is down (its collector pings it and
 * gets no answer, or loses most echoes; docs/devices.md): the first-party ping plugin, whose
 * classifier makes no reply at all `major`.
 */
export const REACHABILITY_PLUGIN = 'io.prophasis.ping';

/** A host named in a dependency answer. */
export interface HostRef {
  hostId: number;
  name: string;
}

/** Every host's parents, from `host_parents` (hosts without parents absent). */
async function loadParents(db: Db, transaction?: Transaction): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  for (const r of await select<{ host_id: number; parent_id: number }>(db, 'SELECT host_id, parent_id FROM host_parents ORDER BY host_id, parent_id', [], transaction)) {
    const id = Number(r.host_id);
    const list = out.get(id);
    if (list) list.push(Number(r.parent_id));
    else out.set(id, [Number(r.parent_id)]);
  }
  return out;
}

/**
 * Replaces a host's parents (the host API's `parentIds`), refusing with a 400 naming `parentIds`:
 * the host itself, an id twice, an id of no host, and a parent that would close a cycle (names
 * the chain). Inside the caller's transaction.
 */
export async function setParents(db: Db, hostId: number, parentIds: readonly number[], transaction?: Transaction): Promise<void> {
  const parents = await loadParents(db, transaction);
  const ids = [...new Set([hostId, ...parentIds])];
  const known = new Map(
    (await select<{ id: number; name: string }>(db, `SELECT id, name FROM hosts WHERE id IN (${ids.map(() => '?').join(',')})`, ids, transaction)).map((r) => [Number(r.id), r.name]),
  );
  const refusal = checkParents(parents, hostId, parentIds, (id) => known.has(id));
  if (refusal) {
    const field = 'parentIds';
    switch (refusal.kind) {
      case 'self':
        throw ApiErrors.BAD_REQUEST('parentIds: a host cannot be its own parent', { field });
      case 'duplicate':
        throw ApiErrors.BAD_REQUEST(`parentIds: ${refusal.id} is given twice`, { field });
      case 'unknown':
        throw ApiErrors.REFERENCE_NOT_FOUND(`parentIds: no host ${refusal.id}`, { field });
      case 'cycle': {
        const all = new Map(
          (await select<{ id: number; name: string }>(db, `SELECT id, name FROM hosts WHERE id IN (${refusal.path.map(() => '?').join(',')})`, refusal.path, transaction)).map((r) => [Number(r.id), r.name]),
        );
        const chain = refusal.path.map((id) => all.get(id) ?? `host ${id}`).join(' → ');
        throw ApiErrors.BAD_REQUEST(`parentIds: would make a cycle (${chain})`, { field });
      }
    }
  }
  await db.sequelize.query('DELETE FROM host_parents WHERE host_id = ?', { replacements: [hostId], ...(transaction ? { transaction } : {}) });
  for (const p of [...new Set(parentIds)]) {
    await db.sequelize.query('INSERT INTO host_parents (host_id, parent_id) VALUES (?, ?)', { replacements: [hostId, p], ...(transaction ? { transaction } : {}) });
  }
}

/**
 * The hosts that are down (docs/devices.md, "Dependencies"): an agent host whose agent is
 * unreachable (`unreachable_since` set, after the grace period) or already gone and in its grace
 * period (disconnected after having been seen: the hosts behind a router lose their agents at the
 * same moment, and one whose grace ends first must not be notified for the router's failure),
 * and a device whose collector reports it unreachable: the ping plugin ({@link REACHABILITY_PLUGIN}) major or critical on it. A
 * host whose other plugins fail is not down: it is reachable and its problems are its own.
 */
async function loadDownHosts(db: Db, hostIds: readonly number[]): Promise<Set<number>> {
  if (hostIds.length === 0) return new Set();
  const marks = hostIds.map(() => '?').join(',');
  const rows = await select<{ id: number }>(
    db,
    `SELECT id FROM hosts WHERE id IN (${marks}) AND (unreachable_since IS NOT NULL OR (enrolment_state = 'enrolled' AND agent_id IS NOT NULL AND connected_since IS NULL AND last_seen IS NOT NULL))
     UNION SELECT cs.host_id AS id FROM current_states cs JOIN plugins p ON p.id = cs.plugin_id WHERE cs.host_id IN (${marks}) AND p.plugin_id = ? AND cs.severity IN ('major', 'critical')`,
    [...hostIds, ...hostIds, REACHABILITY_PLUGIN],
  );
  return new Set(rows.map((r) => Number(r.id)));
}

/** What the dependencies say now: which host's problems are caused by which down ancestor. */
export interface DependencySnapshot {
  causedBy(hostId: number): HostRef | null;
}

/** Reads parents, the down hosts among the parents, and the names of the causes (nothing more when no host has parents). */
export async function loadDependencies(db: Db): Promise<DependencySnapshot> {
  const parents = await loadParents(db);
  if (parents.size === 0) return { causedBy: () => null };
  const parentIds = [...new Set([...parents.values()].flat())];
  const down = await loadDownHosts(db, parentIds);
  const cause = causes(parents, (id) => down.has(id));
  const names = await hostNames(db, [...new Set(cause.values())]);
  return {
    causedBy(hostId) {
      const c = cause.get(hostId);
      return c === undefined ? null : { hostId: c, name: names.get(c) ?? `host ${c}` };
    },
  };
}

async function hostNames(db: Db, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  return new Map((await select<{ id: number; name: string }>(db, `SELECT id, name FROM hosts WHERE id IN (${ids.map(() => '?').join(',')})`, [...ids])).map((r) => [Number(r.id), r.name]));
}

/** A host's place in the graph (`GET /api/hosts/:id/dependencies`). */
export interface HostDependencies {
  parents: (HostRef & { down: boolean })[];
  /** Every ancestor, nearest first. */
  ancestors: (HostRef & { down: boolean })[];
  children: HostRef[];
  /** The down ancestor its problems are caused by now, if any. */
  causedBy: HostRef | null;
}

export async function hostDependencies(db: Db, hostId: number): Promise<HostDependencies> {
  const parents: ParentMap = await loadParents(db);
  const up = ancestors(parents, hostId);
  const down = await loadDownHosts(db, up);
  const kids = children(parents, hostId);
  const names = await hostNames(db, [...up, ...kids]);
  const ref = (id: number): HostRef => ({ hostId: id, name: names.get(id) ?? `host ${id}` });
  const cause = causes(parents, (id) => down.has(id)).get(hostId);
  return {
    parents: (parents.get(hostId) ?? []).map((id) => ({ ...ref(id), down: down.has(id) })),
    ancestors: up.map((id) => ({ ...ref(id), down: down.has(id) })),
    children: kids.map(ref),
    causedBy: cause === undefined ? null : ref(cause),
  };
}
