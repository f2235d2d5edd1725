import { Host, HostGroup, HostGroupInput, HostInput, type Host as HostApi, type HostGroup as HostGroupApi } from '@prophasis/protocol';
import type { Model } from 'sequelize';
import type { Database } from '../../db/index.js';
import type { Host as HostRow, HostGroup as HostGroupRow } from '../../db/index.js';
import { addGroupToGroup } from '../../db/groups.js';
import type { Resource } from '../crud.js';
import { assertExist, assertNameFree, linksOf, namedObjectWrites, replaceLinks } from '../relations.js';

/** A host row as the API shows it: never the secret hash. */
export function presentHost(h: HostRow): HostApi {
  return {
    id: h.id,
    name: h.name,
    description: h.description,
    agentId: h.agentId ?? null,
    enrolmentState: h.enrolmentState,
    connectedSince: h.connectedSince ?? null,
    lastSeen: h.lastSeen ?? null,
    unreachableSince: h.unreachableSince ?? null,
    agentVersion: h.agentVersion ?? null,
    platform: h.platform ?? null,
    hostname: h.agentHostname ?? null,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
  };
}

/**
 * Hosts. Creating one here registers it as `pending`; enrolling its agent (a token, `prophasis
 * host add`) is the enrolment subsystem's. Deleting a host cascades: its group memberships,
 * check memberships, service dependencies, alert scopes, results and states go with it.
 */
export function hostsResource(db: Database): Resource<HostApi, HostInput> {
  const { Host: HostModel } = db.models;
  return {
    path: 'hosts',
    kind: 'host',
    tag: 'hosts',
    schema: Host,
    inputSchema: HostInput,
    model: HostModel,
    searchable: ['name', 'description', 'agentHostname'],
    sortable: ['name', 'createdAt', 'updatedAt', 'lastSeen', 'enrolmentState', 'id'],
    read: 'viewer',
    write: 'admin',
    present: async (rows) => (rows as HostRow[]).map(presentHost),
    async create(input, tx) {
      await assertNameFree(HostModel, input.name, tx);
      const row = await HostModel.create({ name: input.name, description: input.description ?? '' }, { transaction: tx });
      return row.id;
    },
    async update(id, input, tx) {
      await assertNameFree(HostModel, input.name, tx, id);
      await HostModel.update({ name: input.name, description: input.description ?? '' }, { where: { id }, transaction: tx, individualHooks: true });
    },
  };
}

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
      return (rows as HostGroupRow[]).map((g) => ({
        id: g.id,
        name: g.name,
        description: g.description,
        hostIds: (hosts.get(g.id) ?? []).map((l: Model) => l.get('hostId') as number),
        groupIds: (groups.get(g.id) ?? []).map((l: Model) => l.get('childId') as number),
        createdAt: g.createdAt,
        updatedAt: g.updatedAt,
      }));
    },
    ...namedObjectWrites(GroupModel, writeMembers),
  };
}
