import { Check, CheckInput, type Check as CheckApi } from '@prophasis/protocol';
import type { Transaction } from 'sequelize';
import type { Check as CheckRow, CheckPlugin as CheckPluginRow, Database } from '../../db/index.js';
import type { Resource } from '../../http/index.js';
import { ApiErrors, type SecretBox } from '../../kernel/index.js';
import { loadSecretNames, presentSecrets, splitSecrets } from '../secret-params.js';
import { assertExist, linksOf, namedObjectWrites, replaceLinks } from '../../http/index.js';
/**
 * A check's own flap thresholds (docs/alerts.md, "Flapping"): both or neither (neither: the
 * global settings), the high one not below the low one; refusals name the field.
 */
function flapThresholds(input: CheckInput): { flapLowPercent: number | null; flapHighPercent: number | null } {
  const low = input.flapLowPercent ?? null;
  const high = input.flapHighPercent ?? null;
  if (low === null && high !== null) throw ApiErrors.BAD_REQUEST('flapLowPercent: set both flap thresholds or neither (neither: the global settings)', { field: 'flapLowPercent' });
  if (high === null && low !== null) throw ApiErrors.BAD_REQUEST('flapHighPercent: set both flap thresholds or neither (neither: the global settings)', { field: 'flapHighPercent' });
  if (low !== null && high !== null && high < low) throw ApiErrors.BAD_REQUEST(`flapHighPercent: ${high} must not be below flapLowPercent (${low})`, { field: 'flapHighPercent' });
  return { flapLowPercent: low, flapHighPercent: high };
}

/**
 * Checks: hosts/groups × plugins with parameter values. Plugins are named by their reverse-DNS
 * id. A plugin a check uses cannot be deleted (RESTRICT); deleting a host or group drops it
 * from the check; deleting a check removes it from its schedules and alert scopes.
 */
export function checksResource(db: Database, box?: SecretBox): Resource<CheckApi, CheckInput> {
  const { Check: CheckModel, CheckHost, CheckGroup, CheckPlugin, Host, HostGroup, Plugin } = db.models;
  /** Secret parameter names per plugin id, as the last write saw them: the audit summary leaves their values out. */
  const secretNames = new Map<string, ReadonlySet<string>>();

  async function pluginRowIds(pluginIds: string[], tx: Transaction): Promise<Map<string, number>> {
    const rows = pluginIds.length ? await Plugin.findAll({ where: { pluginId: pluginIds }, attributes: ['id', 'pluginId'], transaction: tx }) : [];
    const map = new Map(rows.map((p) => [p.pluginId, p.id]));
    const missing = pluginIds.filter((p) => !map.has(p));
    if (missing.length) throw ApiErrors.REFERENCE_NOT_FOUND(`plugins: ${missing.join(', ')}`, { field: 'plugins', missing });
    return map;
  }

  async function write(id: number, input: CheckInput, tx: Transaction) {
    const seen = new Set<string>();
    for (const p of input.plugins) {
      if (seen.has(p.pluginId)) throw ApiErrors.BAD_REQUEST(`plugins: ${p.pluginId} is listed twice`, { field: 'plugins' });
      seen.add(p.pluginId);
    }
    const flap = flapThresholds(input);
    await CheckModel.update(flap, { where: { id }, transaction: tx });
    await assertExist(Host, input.hostIds, 'hostIds', tx);
    await assertExist(HostGroup, input.groupIds, 'groupIds', tx);
    const rowIds = await pluginRowIds([...seen], tx);
    await replaceLinks(CheckHost, 'checkId', id, input.hostIds.map((hostId) => ({ hostId })), tx);
    await replaceLinks(CheckGroup, 'checkId', id, input.groupIds.map((groupId) => ({ groupId })), tx);
    // Secret parameters (docs/devices.md, "Credentials"): sealed apart from params; one left out keeps its stored value.
    const names = await loadSecretNames(db, [...rowIds.values()], tx);
    const stored = new Map(
      (await CheckPlugin.findAll({ where: { checkId: id }, attributes: ['pluginId', 'secrets'], transaction: tx })).map((r) => [r.pluginId, r.secrets ?? null]),
    );
    const rows = input.plugins.map((p, i) => {
      const pluginRowId = rowIds.get(p.pluginId)!;
      const secretsOf = names.get(pluginRowId) ?? new Set<string>();
      secretNames.set(p.pluginId, secretsOf);
      const split = splitSecrets({ params: p.params ?? {}, names: secretsOf, stored: stored.get(pluginRowId) ?? null, box, field: `plugins[${i}].params` });
      return { pluginId: pluginRowId, params: split.params, secrets: split.secrets };
    });
    await replaceLinks(CheckPlugin, 'checkId', id, rows, tx);
  }

  return {
    path: 'checks',
    kind: 'check',
    tag: 'checks',
    schema: Check,
    inputSchema: CheckInput,
    model: CheckModel,
    searchable: ['name', 'description'],
    sortable: ['name', 'createdAt', 'updatedAt', 'id'],
    read: 'viewer',
    write: 'admin',
    async present(rows, tx) {
      const ids = rows.map((r) => r.get('id') as number);
      // One after the other: inside a transaction they share one connection (pg refuses concurrent queries on a client from v9).
      const hosts = await linksOf(CheckHost, 'checkId', ids, tx);
      const groups = await linksOf(CheckGroup, 'checkId', ids, tx);
      const plugins = await linksOf(CheckPlugin, 'checkId', ids, tx);
      const pluginRowIds = [...new Set([...plugins.values()].flat().map((p) => p.get('pluginId') as number))];
      const names = new Map((pluginRowIds.length ? await Plugin.findAll({ where: { id: pluginRowIds }, transaction: tx }) : []).map((p) => [p.id, p.pluginId]));
      return (rows as CheckRow[]).map((c) => ({
        id: c.id,
        name: c.name,
        description: c.description,
        hostIds: (hosts.get(c.id) ?? []).map((l) => l.get('hostId') as number),
        groupIds: (groups.get(c.id) ?? []).map((l) => l.get('groupId') as number),
        plugins: ((plugins.get(c.id) ?? []) as CheckPluginRow[]).map((p) => ({ pluginId: names.get(p.pluginId) ?? '', params: presentSecrets(p.params ?? {}, p.secrets ?? null, box) })),
        flapLowPercent: c.flapLowPercent ?? null,
        flapHighPercent: c.flapHighPercent ?? null,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
      }));
    },
    ...namedObjectWrites(CheckModel, write),
    summarize: (input) => ({
      ...input,
      plugins: input.plugins.map((p) => {
        const secret = secretNames.get(p.pluginId);
        if (!secret || !p.params) return p;
        return { ...p, params: Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, secret.has(k) ? '[redacted]' : v])) };
      }),
    }),
  };
}
