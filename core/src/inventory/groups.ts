import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../db/database.js';
import { CoreErrors } from '../kernel/index.js';
import { DbErrors } from '../db/errors.js';

interface Edge {
  parent_id: number;
  child_id: number;
}

/**
 * Makes group `childId` a member of group `parentId`, refusing anything that would let a group
 * contain itself (directly, through other groups, or as its own member) with `CORE_GROUP_CYCLE`
 * naming the path, e.g. `a → b → c → a`. Adding an existing membership is a no-op.
 *
 * The check and the insert run in one transaction that locks the membership table against
 * other writers, so two concurrent requests (a→b and b→a) cannot together build a cycle.
 */
export async function addGroupToGroup(
  db: Database,
  parentId: number,
  childId: number,
  options: { transaction?: Transaction } = {},
): Promise<void> {
  const run = async (transaction: Transaction): Promise<void> => {
    if (db.dialect === 'postgres') {
      // Blocks other writers of the table (not readers) until commit. SQLite's IMMEDIATE
      // transactions already serialise writers.
      await db.sequelize.query('LOCK TABLE host_group_groups IN SHARE ROW EXCLUSIVE MODE', { transaction });
    }
    const names = await groupNames(db, [parentId, childId], transaction);
    for (const id of [parentId, childId]) {
      if (!names.has(id)) throw DbErrors.NOT_FOUND(`host group ${id}`);
    }
    if (parentId === childId) {
      const name = names.get(parentId) ?? String(parentId);
      throw CoreErrors.GROUP_CYCLE(`${name} → ${name}`, { path: [parentId, parentId] });
    }
    const edges = await db.sequelize.query<Edge>('SELECT parent_id, child_id FROM host_group_groups', {
      type: QueryTypes.SELECT,
      transaction,
    });
    if (edges.some((e) => e.parent_id === parentId && e.child_id === childId)) return;
    const back = pathBetween(edges, childId, parentId);
    if (back) {
      const path = [parentId, ...back];
      const all = await groupNames(db, path, transaction);
      throw CoreErrors.GROUP_CYCLE(path.map((id) => all.get(id) ?? String(id)).join(' → '), { path });
    }
    await db.models.HostGroupGroup.create({ parentId, childId }, { transaction });
  };
  if (options.transaction) return run(options.transaction);
  return db.sequelize.transaction(run);
}

/** A host's membership of a group, direct. */
export interface GroupHostRow {
  groupId: number;
  hostId: number;
}

/** A group nested in another. */
export interface GroupGroupRow {
  parentId: number;
  childId: number;
}

/** Every group's hosts (nested groups included) and every host's groups with their distance. */
export interface GroupExpansion {
  hostsOfGroup: Map<number, Set<number>>;
  /** Host → group → distance (1 = direct member). */
  groupsOfHost: Map<number, Map<number, number>>;
}

/**
 * The one expansion of nested groups, used by the scheduler, service health, alerting and the
 * classifier routes: for every group, the hosts it contains directly or through nested groups;
 * for every host, each group that contains it with the shortest distance. Breadth first from
 * each group, so a cycle (which {@link addGroupToGroup} refuses, but rows are not trusted
 * here) terminates.
 */
export function expandGroups(groupHosts: readonly GroupHostRow[], groupGroups: readonly GroupGroupRow[]): GroupExpansion {
  const directHosts = adjacency(groupHosts.map((r) => ({ parent_id: r.groupId, child_id: r.hostId })));
  const children = adjacency(groupGroups.map((r) => ({ parent_id: r.parentId, child_id: r.childId })));
  const groupIds = new Set<number>([...directHosts.keys(), ...children.keys(), ...groupGroups.map((r) => r.childId)]);
  const hostsOfGroup = new Map<number, Set<number>>();
  const groupsOfHost = new Map<number, Map<number, number>>();
  for (const root of groupIds) {
    const hosts = new Set<number>();
    const seen = new Set<number>([root]);
    let frontier = [root];
    for (let depth = 1; frontier.length > 0; depth++) {
      const next: number[] = [];
      for (const g of frontier) {
        for (const h of directHosts.get(g) ?? []) {
          hosts.add(h);
          let groups = groupsOfHost.get(h);
          if (!groups) groupsOfHost.set(h, (groups = new Map()));
          const known = groups.get(root);
          if (known === undefined || depth < known) groups.set(root, depth);
        }
        for (const c of children.get(g) ?? []) {
          if (!seen.has(c)) {
            seen.add(c);
            next.push(c);
          }
        }
      }
      frontier = next;
    }
    hostsOfGroup.set(root, hosts);
  }
  return { hostsOfGroup, groupsOfHost };
}

/** The group tables read as rows (two queries whatever the depth). */
export async function loadGroupRows(db: Database, options: { transaction?: Transaction } = {}): Promise<{ groupHosts: GroupHostRow[]; groupGroups: GroupGroupRow[] }> {
  const select = <T extends object>(sql: string) => db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, ...options });
  const edges = await select<Edge>('SELECT parent_id, child_id FROM host_group_groups');
  const direct = await select<{ group_id: number; host_id: number }>('SELECT group_id, host_id FROM host_group_hosts');
  return {
    groupHosts: direct.map((m) => ({ groupId: Number(m.group_id), hostId: Number(m.host_id) })),
    groupGroups: edges.map((e) => ({ parentId: Number(e.parent_id), childId: Number(e.child_id) })),
  };
}

/**
 * Every host of every group, nested groups included, read from the database now. The returned
 * function answers for any set of groups.
 */
export async function loadGroupHosts(db: Database, options: { transaction?: Transaction } = {}): Promise<(groupIds: Iterable<number>) => Set<number>> {
  const rows = await loadGroupRows(db, options);
  const { hostsOfGroup } = expandGroups(rows.groupHosts, rows.groupGroups);
  return (groupIds) => {
    const out = new Set<number>();
    for (const g of groupIds) for (const h of hostsOfGroup.get(g) ?? []) out.add(h);
    return out;
  };
}

/** A path `from → … → to` along parent→child edges (breadth first, so the shortest), or undefined. */
function pathBetween(edges: readonly Edge[], from: number, to: number): number[] | undefined {
  const children = adjacency(edges);
  const previous = new Map<number, number>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length > 0) {
    const node = queue.shift() as number;
    if (node === to) {
      const path = [node];
      for (let n = node; n !== from; ) {
        n = previous.get(n) as number;
        path.unshift(n);
      }
      return path;
    }
    for (const c of children.get(node) ?? []) {
      if (!seen.has(c)) {
        seen.add(c);
        previous.set(c, node);
        queue.push(c);
      }
    }
  }
  return undefined;
}

function adjacency(edges: readonly Edge[]): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const e of edges) {
    const list = map.get(e.parent_id);
    if (list) list.push(e.child_id);
    else map.set(e.parent_id, [e.child_id]);
  }
  return map;
}

async function groupNames(db: Database, ids: readonly number[], transaction: Transaction): Promise<Map<number, string>> {
  const rows = await db.models.HostGroup.findAll({ attributes: ['id', 'name'], where: { id: [...new Set(ids)] }, transaction });
  return new Map(rows.map((r) => [r.id, r.name]));
}
