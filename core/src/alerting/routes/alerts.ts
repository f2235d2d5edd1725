import { Alert, AlertInput, isProphasisError, ProphasisError, type Alert as AlertApi } from '@prophasis/protocol';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Alert as AlertRow, AlertScope as AlertScopeRow, Database } from '../../db/index.js';
import type { Resource } from '../../http/index.js';
import { ApiErrors } from '../../kernel/index.js';
import { assertExist, assertNameFree, linksOf, replaceLinks } from '../../http/index.js';
import { validateAlertSettings, type AlertingApi } from './alert-actions.js';

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
  /** Each step's module validates its settings (an email step without `to` is refused), the field named `escalations.<i>.…`. */
  function validateSteps(input: AlertInput): void {
    if (!alerting) return;
    (input.escalations ?? []).forEach((step, i) => {
      try {
        validateAlertSettings(alerting, step.module, step.settings);
      } catch (err) {
        if (!isProphasisError(err)) throw err;
        const field = `escalations.${i}.${(err.details as { field?: string } | undefined)?.field ?? 'settings'}`;
        throw new ProphasisError(err.code, `${field}: ${err.message}`, err.status, { ...(err.details as object), field });
      }
    });
  }
  /** Repeat and escalation columns (migration 0007), written beside the model's fields. */
  async function writeRepeat(id: number, input: AlertInput, tx: Transaction): Promise<void> {
    const steps = input.escalations ?? [];
    await db.sequelize.query('UPDATE alerts SET repeat_minutes = :repeat, escalations = :steps WHERE id = :id', {
      replacements: { id, repeat: input.repeatMinutes ?? null, steps: steps.length > 0 ? JSON.stringify(steps) : null },
      transaction: tx,
    });
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
      const repeat = new Map(
        (ids.length === 0 ? [] : await db.sequelize.query<{ id: number; repeat_minutes: number | string | null; escalations: string | null }>('SELECT id, repeat_minutes, escalations FROM alerts WHERE id IN (:ids)', { type: QueryTypes.SELECT, replacements: { ids }, transaction: tx })).map((r) => [
          Number(r.id),
          { repeatMinutes: r.repeat_minutes === null ? null : Number(r.repeat_minutes), escalations: r.escalations ? (JSON.parse(r.escalations) as NonNullable<AlertApi['escalations']>) : [] },
        ]),
      );
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
          ...(repeat.get(a.id) ?? { repeatMinutes: null, escalations: [] }),
          createdAt: a.createdAt,
          updatedAt: a.updatedAt,
        };
      });
    },
    async create(input, tx) {
      if (alerting) validateAlertSettings(alerting, input.module, input.settings);
      await assertNameFree(AlertModel, input.name, tx);
      validateSteps(input);
      const row = await AlertModel.create(fields(input), { transaction: tx });
      await write(row.id, input, tx);
      await writeRepeat(row.id, input, tx);
      return row.id;
    },
    async update(id, input, tx) {
      if (alerting) validateAlertSettings(alerting, input.module, input.settings);
      await assertNameFree(AlertModel, input.name, tx, id);
      validateSteps(input);
      await AlertModel.update(fields(input), { where: { id }, transaction: tx, individualHooks: true });
      await write(id, input, tx);
      await writeRepeat(id, input, tx);
    },
  };
}
