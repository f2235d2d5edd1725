import { Service, ServiceInput, type Member, type Service as ServiceApi } from '@prophasis/protocol';
import type { Model, Transaction } from 'sequelize';
import type { Database, RedundancyGroup as RedundancyRow, Service as ServiceRow } from '../../db/index.js';
import type { Resource } from '../../http/index.js';
import { ApiErrors } from '../../kernel/index.js';
import { assertExist, linksOf, namedObjectWrites, replaceLinks } from '../../http/index.js';
const memberOf = (row: Model): Member =>
  row.get('hostId') != null ? { kind: 'host', id: row.get('hostId') as number } : { kind: 'group', id: row.get('groupId') as number };
const memberRow = (m: Member) => (m.kind === 'host' ? { hostId: m.id, groupId: null } : { hostId: null, groupId: m.id });

/**
 * Services: dependencies (each must be healthy) and redundancy groups (at least one member
 * healthy). Deleting a host or group removes it from every dependency and redundancy group
 * (cascade); a redundancy group left empty stays and counts as unhealthy (docs/api.md).
 */
export function servicesResource(db: Database): Resource<ServiceApi, ServiceInput> {
  const { Service: ServiceModel, ServiceDependency, RedundancyGroup, RedundancyGroupMember, Host, HostGroup } = db.models;

  async function write(id: number, input: ServiceInput, tx: Transaction) {
    const all = [...input.dependencies, ...input.redundancyGroups.flatMap((g) => g.members)];
    await assertExist(Host, all.filter((m) => m.kind === 'host').map((m) => m.id), 'members (host)', tx);
    await assertExist(HostGroup, all.filter((m) => m.kind === 'group').map((m) => m.id), 'members (group)', tx);
    const names = input.redundancyGroups.map((g, i) => g.name ?? `group ${i + 1}`);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw ApiErrors.BAD_REQUEST(`redundancyGroups: the name ${JSON.stringify(dup)} is used twice`, { field: 'redundancyGroups' });
    await replaceLinks(ServiceDependency, 'serviceId', id, input.dependencies.map(memberRow), tx);
    // Members cascade with their redundancy group.
    await RedundancyGroup.destroy({ where: { serviceId: id }, transaction: tx });
    for (const [i, group] of input.redundancyGroups.entries()) {
      const row = await RedundancyGroup.create({ serviceId: id, name: names[i]! }, { transaction: tx });
      await RedundancyGroupMember.bulkCreate(group.members.map((m) => ({ redundancyGroupId: row.id, ...memberRow(m) })), { transaction: tx, validate: true });
    }
  }

  return {
    path: 'services',
    kind: 'service',
    tag: 'services',
    schema: Service,
    inputSchema: ServiceInput,
    model: ServiceModel,
    searchable: ['name', 'description'],
    sortable: ['name', 'createdAt', 'updatedAt', 'id'],
    read: 'viewer',
    write: 'admin',
    async present(rows, tx) {
      const ids = rows.map((r) => r.get('id') as number);
      const deps = await linksOf(ServiceDependency, 'serviceId', ids, tx);
      const groups = await linksOf(RedundancyGroup, 'serviceId', ids, tx);
      const groupIds = [...groups.values()].flat().map((g) => g.get('id') as number);
      const members = await linksOf(RedundancyGroupMember, 'redundancyGroupId', groupIds, tx);
      return (rows as ServiceRow[]).map((s) => ({
        id: s.id,
        name: s.name,
        description: s.description,
        dependencies: (deps.get(s.id) ?? []).map(memberOf),
        redundancyGroups: ((groups.get(s.id) ?? []) as RedundancyRow[]).map((g) => ({ name: g.name, members: (members.get(g.id) ?? []).map(memberOf) })),
        createdAt: s.createdAt,
        updatedAt: s.updatedAt,
      }));
    },
    ...namedObjectWrites(ServiceModel, write),
  };
}
