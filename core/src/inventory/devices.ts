import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../db/database.js';
import { expandGroups, type GroupGroupRow, type GroupHostRow } from './groups.js';

/** What the collector resolution reads of a host. */
export interface CollectorHostRow {
  id: number;
  kind: 'agent' | 'device';
  collectorId: number | null;
}

/** A group's collector (table `host_group_collectors`). */
export interface GroupCollectorRow {
  groupId: number;
  collectorId: number;
}

/**
 * Every device's effective collector (docs/devices.md, "Collectors"): its own, else the collector
 * of the nearest group containing it (directly or through nesting; equal distance: the lowest
 * group id). Only an agent host can collect: a device named as a collector (rows are not trusted
 * here, the API refuses it) leaves the device without one. Devices without a collector are absent.
 */
export function effectiveCollectors(
  hosts: readonly CollectorHostRow[],
  groupCollectors: readonly GroupCollectorRow[],
  groupsOfHost: ReadonlyMap<number, ReadonlyMap<number, number>>,
): Map<number, number> {
  const kindOf = new Map(hosts.map((h) => [h.id, h.kind]));
  const ofGroup = new Map(groupCollectors.map((g) => [g.groupId, g.collectorId]));
  const out = new Map<number, number>();
  for (const h of hosts) {
    if (h.kind !== 'device') continue;
    let collector = h.collectorId;
    if (collector === null) {
      let best: { distance: number; groupId: number } | undefined;
      for (const [groupId, distance] of groupsOfHost.get(h.id) ?? []) {
        if (!ofGroup.has(groupId)) continue;
        if (!best || distance < best.distance || (distance === best.distance && groupId < best.groupId)) best = { distance, groupId };
      }
      collector = best ? ofGroup.get(best.groupId)! : null;
    }
    if (collector !== null && kindOf.get(collector) === 'agent') out.set(h.id, collector);
  }
  return out;
}

/** The collector of every group that has one. */
export async function loadGroupCollectors(db: Pick<Database, 'sequelize'>, transaction?: Transaction): Promise<GroupCollectorRow[]> {
  const rows = await db.sequelize.query<{ group_id: number; collector_id: number }>('SELECT group_id, collector_id FROM host_group_collectors', {
    type: QueryTypes.SELECT,
    ...(transaction ? { transaction } : {}),
  });
  return rows.map((r) => ({ groupId: Number(r.group_id), collectorId: Number(r.collector_id) }));
}

/** Sets (or with null, removes) a group's collector. */
export async function setGroupCollector(db: Pick<Database, 'sequelize'>, groupId: number, collectorId: number | null, transaction: Transaction): Promise<void> {
  await db.sequelize.query('DELETE FROM host_group_collectors WHERE group_id = ?', { replacements: [groupId], transaction });
  if (collectorId !== null) await db.sequelize.query('INSERT INTO host_group_collectors (group_id, collector_id) VALUES (?, ?)', { replacements: [groupId, collectorId], transaction });
}

/** Every device's effective collector, read from the database (the API's view; the scheduler computes the same from its rows). */
export async function loadEffectiveCollectors(db: Database, transaction?: Transaction): Promise<Map<number, number>> {
  const opts = { raw: true, ...(transaction ? { transaction } : {}) } as const;
  const m = db.models;
  const hosts = await m.Host.findAll({ ...opts, attributes: ['id', 'kind', 'collectorId'] });
  const groupHosts = (await m.HostGroupHost.findAll({ ...opts, attributes: ['groupId', 'hostId'] })) as unknown as GroupHostRow[];
  const groupGroups = (await m.HostGroupGroup.findAll({ ...opts, attributes: ['parentId', 'childId'] })) as unknown as GroupGroupRow[];
  const groupCollectors = await loadGroupCollectors(db, transaction);
  const { groupsOfHost } = expandGroups(groupHosts, groupGroups);
  return effectiveCollectors(
    hosts.map((h) => ({ id: h.id, kind: h.kind === 'device' ? 'device' : 'agent', collectorId: h.collectorId ?? null })),
    groupCollectors,
    groupsOfHost,
  );
}
