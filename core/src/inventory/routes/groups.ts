import { HostGroup, HostGroupInput, type HostGroup as HostGroupApi } from '@prophasis/protocol';
import type { Model } from 'sequelize';
import type { Database } from '../../db/index.js';
import type { HostGroup as HostGroupRow } from '../../db/index.js';
import { addGroupToGroup } from '../groups.js';
import { loadGroupCollectors, setGroupCollector } from '../devices.js';
import { assertCollector } from './hosts.js';
import type { Resource } from '../../http/index.js';
import { assertExist, linksOf, namedObjectWrites, replaceLinks } from '../../http/index.js';
/**
 * Host groups with their direct members. Nested groups go through the database layer's
 * `addGroupToGroup`, which refuses a cycle with `CORE_GROUP_CYCLE` (409) naming the path.
 * Deleting a group removes it from its parents, checks, services and alert scopes (cascade);
 * its member hosts and child groups stay.
 */
export function groupsResource(db: Database): Resource<HostGroupApi, HostGroupInput> {
  const { Host: HostModel, HostGroup: GroupModel, HostGroupHost, HostGroupGroup } = db.models;
  async function writeMembers(id: number, input: HostGroupInput, tx: Parameters<Resource<HostGroupApi, HostGroupInput>['create']>[1]) {
    await assertExist(HostModel, input.hostIds, 'hostIds', tx);
    await assertExist(GroupModel, input.groupIds, 'groupIds', tx);
    await replaceLinks(HostGroupHost, 'groupId', id, input.hostIds.map((hostId) => ({ hostId })), tx);
    await HostGroupGroup.destroy({ where: { parentId: id }, transaction: tx });
    for (const childId of input.groupIds) await addGroupToGroup(db, id, childId, { transaction: tx });
    // The collector the group's devices inherit (docs/devices.md); omitted: unchanged.
    if (input.collectorId !== undefined) {
      if (input.collectorId !== null) await assertCollector(db, input.collectorId, 'collectorId', tx);
      await setGroupCollector(db, id, input.collectorId, tx);
    }
  }
  return {
    path: 'groups',
    kind: 'group',
    tag: 'groups',
    schema: HostGroup,
    inputSchema: HostGroupInput,
    model: GroupModel,
    searchable: ['name', 'description'],
    sortable: ['name', 'createdAt', 'updatedAt', 'id'],
    read: 'viewer',
    write: 'admin',
    async present(rows, tx) {
      const ids = rows.map((r) => r.get('id') as number);
      const hosts = await linksOf(HostGroupHost, 'groupId', ids, tx);
      const groups = await linksOf(HostGroupGroup, 'parentId', ids, tx);
      const collectors = new Map((await loadGroupCollectors(db, tx)).map((c) => [c.groupId, c.collectorId]));
      return (rows as HostGroupRow[]).map((g) => ({
        id: g.id,
        name: g.name,
        description: g.description,
        hostIds: (hosts.get(g.id) ?? []).map((l: Model) => l.get('hostId') as number),
        groupIds: (groups.get(g.id) ?? []).map((l: Model) => l.get('childId') as number),
        collectorId: collectors.get(g.id) ?? null,
        createdAt: g.createdAt,
        updatedAt: g.updatedAt,
      }));
    },
    ...namedObjectWrites(GroupModel, writeMembers),
  };
}
