import { Plugin, User, UserInput, type Plugin as PluginApi, type PluginChartHints, type User as UserApi } from '@prophasis/protocol';
import { Op, type Transaction } from 'sequelize';
import type { Auth } from '../../auth/auth.js';
import type { Database, Plugin as PluginRow, PluginVersion as VersionRow, User as UserRow } from '../../db/index.js';
import type { Resource } from '../crud.js';
import { ApiErrors, CoreErrors } from '../errors.js';
import { assertNameFree, groupBy } from '../relations.js';

/**
 * Users (administrators only). Passwords are write-only and checked for strength; changing a
 * password signs that user out everywhere. The last administrator can be neither deleted nor
 * demoted, so the system never locks itself out.
 */
export function usersResource(db: Database, auth: Auth): Resource<UserApi, UserInput> {
  const { User: UserModel, Session } = db.models;

  async function assertOtherAdmin(id: number, tx: Transaction) {
    const others = await UserModel.count({ where: { role: 'admin', id: { [Op.ne]: id } }, transaction: tx });
    if (others === 0) throw ApiErrors.LAST_ADMIN();
  }

  return {
    path: 'users',
    kind: 'user',
    tag: 'users',
    schema: User,
    inputSchema: UserInput,
    model: UserModel,
    searchable: ['name'],
    sortable: ['name', 'role', 'createdAt', 'lastLoginAt', 'id'],
    read: 'admin',
    write: 'admin',
    present: async (rows) =>
      (rows as UserRow[]).map((u) => ({ id: u.id, name: u.name, role: u.role, lastLoginAt: u.lastLoginAt ?? null, createdAt: u.createdAt })),
    summarize: (input) => ({ name: input.name, role: input.role, passwordChanged: input.password !== undefined }),
    async create(input, tx) {
      if (input.password === undefined) throw CoreErrors.VALIDATION('password: required when creating a user', { field: 'password' });
      await assertNameFree(UserModel, input.name, tx);
      const passwordHash = await auth.hashNewPassword(input.password, input.name);
      const row = await UserModel.create({ name: input.name, role: input.role, passwordHash }, { transaction: tx });
      return row.id;
    },
    async update(id, input, tx) {
      await assertNameFree(UserModel, input.name, tx, id);
      const current = await UserModel.findByPk(id, { transaction: tx });
      if (current?.role === 'admin' && input.role !== 'admin') await assertOtherAdmin(id, tx);
      const changes: Partial<{ name: string; role: UserRow['role']; passwordHash: string }> = { name: input.name, role: input.role };
      if (input.password !== undefined) changes.passwordHash = await auth.hashNewPassword(input.password, input.name);
      await UserModel.update(changes, { where: { id }, transaction: tx, individualHooks: true });
      if (input.password !== undefined) await Session.destroy({ where: { userId: id }, transaction: tx });
    },
    async remove(id, tx) {
      const current = await UserModel.findByPk(id, { transaction: tx });
      if (current?.role === 'admin') await assertOtherAdmin(id, tx);
      // Sessions cascade with the user; the audit trail keeps the name (user_id SET NULL).
      await UserModel.destroy({ where: { id }, transaction: tx });
    },
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A manifest as stored: the JSON column comes back parsed, or as text from an older driver. */
const manifestOf = (m: unknown): Record<string, unknown> => {
  if (typeof m === 'string') {
    try {
      m = JSON.parse(m);
    } catch {
      return {};
    }
  }
  return isRecord(m) ? m : {};
};
const CHART_KINDS = new Set(['line', 'area', 'bar', 'none']);

/** The manifest's `chart` hints, only the known, well-typed keys (manifests were validated on upload). */
export function chartHints(manifest: unknown): PluginChartHints | undefined {
  const chart = manifestOf(manifest)['chart'];
  if (!isRecord(chart)) return undefined;
  const out: PluginChartHints = {};
  if (typeof chart['unit'] === 'string') out.unit = chart['unit'];
  if (typeof chart['kind'] === 'string' && CHART_KINDS.has(chart['kind'])) out.kind = chart['kind'] as NonNullable<PluginChartHints['kind']>;
  if (typeof chart['min'] === 'number') out.min = chart['min'];
  if (typeof chart['max'] === 'number') out.max = chart['max'];
  if (typeof chart['label'] === 'string') out.label = chart['label'];
  return out;
}

function parametersOf(manifest: unknown): { parameters?: Record<string, unknown> } {
  const parameters = manifestOf(manifest)['parameters'];
  return isRecord(parameters) ? { parameters } : {};
}

/**
 * Plugins, read and delete (installing arrives with bundle upload, issue 5). Deleting a plugin
 * that a check still uses is refused with `CORE_API_IN_USE` (409, RESTRICT): remove it from
 * the checks first. Otherwise its versions, results, states and alert scopes go with it.
 * Each plugin carries the newest version's chart hints, each version its parameters schema and
 * its default classifier.
 */
export function pluginsResource(db: Database): Resource<PluginApi, never> {
  const { Plugin: PluginModel, PluginVersion, CheckPlugin } = db.models;
  return {
    path: 'plugins',
    kind: 'plugin',
    tag: 'plugins',
    schema: Plugin,
    inputSchema: Plugin,
    model: PluginModel,
    searchable: ['name', 'pluginId', 'description'],
    sortable: ['name', 'pluginId', 'createdAt', 'updatedAt', 'id'],
    read: 'viewer',
    write: 'admin',
    verbs: ['delete'],
    async present(rows, tx) {
      const ids = rows.map((r) => r.get('id') as number);
      // One query for every version of the page, without the bundle bytes.
      const versions = groupBy(
        ids.length ? await PluginVersion.findAll({ where: { pluginId: ids }, attributes: { exclude: ['bundle'] }, order: [['id', 'ASC']], transaction: tx }) : [],
        'pluginId',
      );
      return (rows as PluginRow[]).map((p) => {
        const own = ((versions.get(p.id) ?? []) as VersionRow[]).sort((a, b) => b.createdAt - a.createdAt);
        const chart = own[0] ? chartHints(own[0].manifest) : undefined;
        return {
          id: p.id,
          pluginId: p.pluginId,
          name: p.name,
          description: p.description,
          version: own[0]?.version ?? null,
          versions: own.map((v) => ({
            version: v.version,
            sha256: v.bundleSha256,
            publisher: v.publisher,
            requestedCapabilities: v.requestedCapabilities ?? [],
            approvedCapabilities: v.approvedCapabilities ?? null,
            approvedAt: v.approvedAt ?? null,
            historyCount: v.historyCount,
            createdAt: v.createdAt,
            ...parametersOf(v.manifest),
            defaultClassifier: v.defaultClassifier,
          })),
          ...(chart ? { chart } : {}),
          createdAt: p.createdAt,
          updatedAt: p.updatedAt,
        };
      });
    },
    create: () => Promise.reject(new Error('plugins are installed by bundle upload')),
    update: () => Promise.reject(new Error('plugins are installed by bundle upload')),
    async remove(id, tx) {
      const uses = await CheckPlugin.count({ where: { pluginId: id }, transaction: tx });
      if (uses > 0) throw ApiErrors.IN_USE(`${uses} check(s) use this plugin; remove it from them first`, { checks: uses });
      await PluginModel.destroy({ where: { id }, transaction: tx });
    },
  };
}
