import { Alert, AlertInput, Service, ServiceInput, type Alert as AlertApi, type Member, type Service as ServiceApi } from '@prophasis/protocol';
import type { Model, Transaction } from 'sequelize';
import type { Alert as AlertRow, AlertScope as AlertScopeRow, Database, RedundancyGroup as RedundancyRow, Service as ServiceRow } from '../../db/index.js';
import type { AlertingApi } from '../context.js';
import type { Resource } from '../crud.js';
import { ApiErrors } from '../errors.js';
import { assertExist, assertNameFree, linksOf, namedObjectWrites, replaceLinks } from '../relations.js';
import { validateAlertSettings } from './alert-actions.js';

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

const SCOPE_FIELDS = [
  ['hostIds', 'host', 'hostId'],
  ['groupIds', 'group', 'groupId'],
  ['serviceIds', 'service', 'serviceId'],
  ['checkIds', 'check', 'checkId'],
] as const;

/**
 * Alerts: from-states → to-states, scoped to hosts, groups, services, plugins and checks, sent
 * by an alert module with its settings. A scope row cascades with its target, so deleting a
 * scoped host removes that scope; an alert whose every scope was deleted matches nothing
 * (docs/storage.md) rather than suddenly matching everything. With `alerting`, the module and
 * its settings are validated by the module before anything is written.
 */
export function alertsResource(db: Database, alerting?: AlertingApi): Resource<AlertApi, AlertInput> {
  const { Alert: AlertModel, AlertScope, Host, HostGroup, Service: ServiceModel, Check, Plugin } = db.models;
  const targets = { host: Host, group: HostGroup, service: ServiceModel, check: Check };

  async function write(id: number, input: AlertInput, tx: Transaction) {
    const scopes = input.scopes ?? { hostIds: [], groupIds: [], serviceIds: [], pluginIds: [], checkIds: [] };
    const rows: Record<string, unknown>[] = [];
    for (const [field, kind, column] of SCOPE_FIELDS) {
      await assertExist(targets[kind], scopes[field], `scopes.${field}`, tx);
      for (const targetId of scopes[field]) rows.push({ kind, [column]: targetId });
    }
    if (scopes.pluginIds.length) {
      const plugins = await Plugin.findAll({ where: { pluginId: scopes.pluginIds }, attributes: ['id', 'pluginId'], transaction: tx });
      const missing = scopes.pluginIds.filter((p) => !plugins.some((row) => row.pluginId === p));
      if (missing.length) throw ApiErrors.REFERENCE_NOT_FOUND(`scopes.pluginIds: ${missing.join(', ')}`, { field: 'scopes.pluginIds', missing });
      for (const p of plugins) rows.push({ kind: 'plugin', pluginId: p.id });
    }
    await replaceLinks(AlertScope, 'alertId', id, rows, tx);
  }
  const fields = (input: AlertInput) => ({
    name: input.name,
    enabled: input.enabled,
    fromStates: input.fromStates,
    toStates: input.toStates,
    module: input.module,
    settings: input.settings,
  });

  return {
    path: 'alerts',
    kind: 'alert',
    tag: 'alerts',
    schema: Alert,
    inputSchema: AlertInput,
    model: AlertModel,
    searchable: ['name', 'module'],
    sortable: ['name', 'createdAt', 'updatedAt', 'module', 'enabled', 'id'],
    read: 'viewer',
    write: 'admin',
    async present(rows, tx) {
      const ids = rows.map((r) => r.get('id') as number);
      const scopes = await linksOf(AlertScope, 'alertId', ids, tx);
      const pluginRowIds = [...scopes.values()].flat().map((s) => s.get('pluginId') as number | null).filter((p): p is number => p != null);
      const pluginNames = new Map((pluginRowIds.length ? await Plugin.findAll({ where: { id: pluginRowIds }, transaction: tx }) : []).map((p) => [p.id, p.pluginId]));
      return (rows as AlertRow[]).map((a) => {
        const own = (scopes.get(a.id) ?? []) as AlertScopeRow[];
        const ofKind = (kind: string, column: 'hostId' | 'groupId' | 'serviceId' | 'checkId') => own.filter((s) => s.kind === kind).map((s) => s[column]!);
        return {
          id: a.id,
          name: a.name,
          enabled: Boolean(a.enabled),
          fromStates: a.fromStates,
          toStates: a.toStates,
          scopes: {
            hostIds: ofKind('host', 'hostId'),
            groupIds: ofKind('group', 'groupId'),
            serviceIds: ofKind('service', 'serviceId'),
            checkIds: ofKind('check', 'checkId'),
            pluginIds: own.filter((s) => s.kind === 'plugin').map((s) => pluginNames.get(s.pluginId!) ?? ''),
          },
          module: a.module,
          settings: a.settings ?? {},
          createdAt: a.createdAt,
          updatedAt: a.updatedAt,
        };
      });
    },
    async create(input, tx) {
      if (alerting) validateAlertSettings(alerting, input.module, input.settings);
      await assertNameFree(AlertModel, input.name, tx);
      const row = await AlertModel.create(fields(input), { transaction: tx });
      await write(row.id, input, tx);
      return row.id;
    },
    async update(id, input, tx) {
      if (alerting) validateAlertSettings(alerting, input.module, input.settings);
      await assertNameFree(AlertModel, input.name, tx, id);
      await AlertModel.update(fields(input), { where: { id }, transaction: tx, individualHooks: true });
      await write(id, input, tx);
    },
  };
}
