import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from './database.js';
import { DbErrors, ModelErrors } from './errors.js';

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
      throw ModelErrors.GROUP_CYCLE(`${name} → ${name}`, { path: [parentId, parentId] });
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
      throw ModelErrors.GROUP_CYCLE(path.map((id) => all.get(id) ?? String(id)).join(' → '), { path });
    }
    await db.models.HostGroupGroup.create({ parentId, childId }, { transaction });
  };
  if (options.transaction) return run(options.transaction);
  return db.sequelize.transaction(run);
}

/**
 * Every host in the given groups, directly or through nested groups, deduplicated. One query
 * for the group edges and one for the memberships, whatever the depth.
 */
export async function hostsOfGroups(
  db: Database,
  groupIds: readonly number[],
  options: { transaction?: Transaction } = {},
): Promise<number[]> {
  if (groupIds.length === 0) return [];
  const edges = await db.sequelize.query<Edge>('SELECT parent_id, child_id FROM host_group_groups', {
    type: QueryTypes.SELECT,
    ...options,
  });
  const groups = descendants(edges, groupIds);
  const rows = await db.models.HostGroupHost.findAll({
    attributes: ['hostId'],
    where: { groupId: [...groups] },
    ...options,
  });
  return [...new Set(rows.map((r) => r.hostId))].sort((a, b) => a - b);
}

/** The groups themselves and every group nested in them. */
function descendants(edges: readonly Edge[], roots: readonly number[]): Set<number> {
  const children = adjacency(edges);
  const seen = new Set(roots);
  const queue = [...roots];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    for (const c of children.get(next) ?? []) {
      if (!seen.has(c)) {
        seen.add(c);
        queue.push(c);
      }
    }
  }
  return seen;
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
