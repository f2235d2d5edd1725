import {
  ApiErrorBody,
  ClassifierHistoryRequest,
  ClassifierHistoryResult,
  ClassifierOverride,
  ClassifierOverrideInput,
  ClassifierOverrideQuery,
  ClassifierValuesRequest,
  ClassifierValuesResult,
  EffectiveClassifier,
  EffectiveClassifierQuery,
  IdParams,
  type ClassifierOverride as ClassifierOverrideApi,
  type EffectiveClassifier as EffectiveClassifierApi,
} from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Database } from '../../db/index.js';
import type { ClassifierOverride as OverrideRow, ClassifierScopeKind } from '../../db/models/checks.js';
import { ApiErrors } from '../../kernel/index.js';
import { expandGroups, loadGroupRows } from '../../inventory/index.js';
import { newestApproved, pluginVersionRow, type PluginVersionRow } from '../../plugins/index.js';
import { loadClassifierOverrides, resolveClassifier } from '../overrides.js';
import type { ClassificationEngine } from '../engine.js';
import { runClassifierHistory } from '../history.js';
import type { ClassifierParam, ClassifyOutcome } from '../types.js';

export interface ClassifierRouteDeps {
  db: Database;
  engine: Pick<ClassificationEngine, 'classify'>;
}

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody, 415: ApiErrorBody, 503: ApiErrorBody };
const SCOPE_COLUMN = { check: 'checkId', group: 'groupId', host: 'hostId' } as const;

/**
 * Classifier overrides and "try before you save" (docs/classifiers.md), registered under `/api`:
 *
 * - `POST /api/classifiers/test` (operator): a candidate classifier over a host's stored history
 * - `POST /api/classifiers/test-values` (operator): a candidate classifier over one given window
 * - `GET /api/classifier-overrides?pluginId=` (viewer), `PUT /api/classifier-overrides` (admin),
 *   `DELETE /api/classifier-overrides/:id` (admin)
 * - `GET /api/classifiers/effective?hostId&pluginId&checkId` (viewer): which classifier applies and why
 *
 * Trying a classifier runs it in the same sandbox as the ingest and writes nothing, so an
 * operator may; overrides change what every future result means, so only an administrator.
 * Authentication, the JSON-only rule, the audit trail and the error body come from the app.
 */
export function classifierRoutes(deps: ClassifierRouteDeps): FastifyPluginAsync {
  const { db, engine } = deps;
  const m = db.models;

  /** The plugin's row and the version the ingest would classify with: the newest approved, else the newest stored. */
  async function pluginAndVersion(pluginId: string): Promise<{ rowId: number; version: PluginVersionRow }> {
    const plugin = await m.Plugin.findOne({ where: { pluginId }, attributes: ['id'] });
    if (!plugin) throw ApiErrors.NOT_FOUND(`no plugin ${pluginId}`, { field: 'pluginId' });
    const rows = await m.PluginVersion.findAll({ where: { pluginId: plugin.id }, attributes: ['pluginId', 'version', 'bundleSha256', 'approvedCapabilities', 'historyCount', 'defaultClassifier'] });
    const versions = rows.map(pluginVersionRow);
    const version = newestApproved(versions).get(plugin.id) ?? newestApproved(versions.map((v) => ({ ...v, approvedCapabilities: [] }))).get(plugin.id);
    if (!version) throw ApiErrors.NOT_FOUND(`plugin ${pluginId} has no stored version`, { field: 'pluginId' });
    return { rowId: plugin.id, version };
  }

  /** Refuses code that does not compile, with the Lua message. */
  async function assertCompiles(code: string): Promise<void> {
    const [outcome] = await engine.classify([{ classifierKey: 'compile-check', code, values: [], messages: [], resultTypes: [] }]);
    if (outcome?.error?.kind === 'compile') throw ApiErrors.BAD_REQUEST(`classifier does not compile: ${outcome.error.message}`, { field: 'code', kind: 'compile', reason: outcome.error.message });
  }

  async function present(row: OverrideRow, pluginIds?: Map<number, string>): Promise<ClassifierOverrideApi> {
    const pluginId = pluginIds?.get(row.pluginId) ?? (await m.Plugin.findByPk(row.pluginId, { attributes: ['pluginId'] }))?.pluginId ?? '';
    return {
      id: row.id,
      pluginId,
      scope: row.scopeKind,
      scopeId: Number(row[SCOPE_COLUMN[row.scopeKind]]),
      code: row.code,
      createdAt: Number(row.createdAt),
      updatedAt: Number(row.updatedAt),
    };
  }

  return async (api: FastifyInstance) => {
    api.post<{ Body: ClassifierHistoryRequest }>(
      '/classifiers/test',
      { config: { access: 'operator', configChange: false }, schema: { tags: ['classifiers'], operationId: 'testClassifierOnHistory', summary: 'Try a classifier over a host\'s stored history', body: ClassifierHistoryRequest, response: { 200: ClassifierHistoryResult, ...errors } } },
      async (request) => {
        const { code, hostId, pluginId, from, to, params } = request.body;
        if (from > to) throw ApiErrors.BAD_REQUEST('from must not be after to', { field: 'from' });
        if (!(await m.Host.findByPk(hostId, { attributes: ['id'] }))) throw ApiErrors.NOT_FOUND(`no host ${hostId}`, { field: 'hostId' });
        const { rowId, version } = await pluginAndVersion(pluginId);
        await assertCompiles(code);
        request.auditNote = { action: 'classifiers.test', targetKind: 'plugin', targetId: pluginId, summary: { hostId, from, to } };
        return runClassifierHistory(db, engine, {
          code,
          hostId,
          pluginRowId: rowId,
          historyCount: version.historyCount,
          from,
          to,
          params: params as Record<string, ClassifierParam> | undefined,
        });
      },
    );

    api.post<{ Body: ClassifierValuesRequest }>(
      '/classifiers/test-values',
      { config: { access: 'operator', configChange: false }, schema: { tags: ['classifiers'], operationId: 'testClassifierOnValues', summary: 'Try a classifier over one given window of values', body: ClassifierValuesRequest, response: { 200: ClassifierValuesResult, ...errors } } },
      async (request) => {
        const { code, values, messages, resultTypes, params } = request.body;
        for (const [field, list] of [['messages', messages], ['resultTypes', resultTypes]] as const) {
          if (list && list.length !== values.length) throw ApiErrors.BAD_REQUEST(`${field} must have as many entries as values`, { field });
        }
        const [outcome] = await engine.classify([
          {
            classifierKey: 'test-values',
            code,
            values,
            messages: messages ?? values.map(() => null),
            resultTypes: resultTypes ?? values.map(() => 'plugin'),
            params: (params ?? {}) as Record<string, ClassifierParam>,
          },
        ]);
        request.auditNote = { action: 'classifiers.test-values', targetKind: 'classifier', summary: { values: values.length } };
        return outcome satisfies ClassifyOutcome | undefined;
      },
    );

    api.get<{ Querystring: { pluginId?: string } }>(
      '/classifier-overrides',
      { config: { access: 'viewer' }, schema: { tags: ['classifiers'], operationId: 'listClassifierOverrides', summary: 'List classifier overrides', querystring: ClassifierOverrideQuery, response: { 200: Type.Object({ items: Type.Array(ClassifierOverride) }), ...errors } } },
      async (request) => {
        const pluginIds = new Map<number, string>();
        let where = {};
        if (request.query.pluginId !== undefined) {
          const plugin = await m.Plugin.findOne({ where: { pluginId: request.query.pluginId }, attributes: ['id', 'pluginId'] });
          if (!plugin) return { items: [] };
          where = { pluginId: plugin.id };
        }
        for (const p of await m.Plugin.findAll({ attributes: ['id', 'pluginId'] })) pluginIds.set(p.id, p.pluginId);
        const rows = await m.ClassifierOverride.findAll({ where, order: [['pluginId', 'ASC'], ['scopeKind', 'ASC'], ['id', 'ASC']] });
        return { items: await Promise.all(rows.map((r) => present(r, pluginIds))) };
      },
    );

    api.put<{ Body: ClassifierOverrideInput }>(
      '/classifier-overrides',
      { config: { access: 'admin' }, schema: { tags: ['classifiers'], operationId: 'setClassifierOverride', summary: 'Create or replace a classifier override', body: ClassifierOverrideInput, response: { 200: ClassifierOverride, 201: ClassifierOverride, ...errors } } },
      async (request, reply) => {
        const { pluginId, scope, scopeId, code } = request.body;
        const plugin = await m.Plugin.findOne({ where: { pluginId }, attributes: ['id'] });
        if (!plugin) throw ApiErrors.REFERENCE_NOT_FOUND(`no plugin ${pluginId}`, { field: 'pluginId' });
        const scopeModel = scope === 'check' ? m.Check : scope === 'group' ? m.HostGroup : m.Host;
        if (!(await (scopeModel as typeof m.Host).findByPk(scopeId, { attributes: ['id'] }))) {
          throw ApiErrors.REFERENCE_NOT_FOUND(`no ${scope} ${scopeId}`, { field: 'scopeId' });
        }
        await assertCompiles(code);
        const column = SCOPE_COLUMN[scope];
        const key = { pluginId: plugin.id, scopeKind: scope as ClassifierScopeKind, [column]: scopeId };
        let row = await m.ClassifierOverride.findOne({ where: key });
        const created = !row;
        if (row) await row.update({ code });
        else row = await m.ClassifierOverride.create({ ...key, code });
        request.auditNote = { action: 'classifier-overrides.put', targetKind: 'classifier-override', targetId: row.id, summary: { pluginId, scope, scopeId, created } };
        return reply.status(created ? 201 : 200).send(await present(row));
      },
    );

    api.delete<{ Params: IdParams }>(
      '/classifier-overrides/:id',
      { config: { access: 'admin' }, schema: { tags: ['classifiers'], operationId: 'deleteClassifierOverride', summary: 'Delete a classifier override', params: IdParams, response: { 204: { type: 'null' }, ...errors } } },
      async (request, reply) => {
        const row = await m.ClassifierOverride.findByPk(request.params.id);
        if (!row) throw ApiErrors.NOT_FOUND(`no classifier override ${request.params.id}`);
        const summary = await present(row);
        await row.destroy();
        request.auditNote = { action: 'classifier-overrides.delete', targetKind: 'classifier-override', targetId: row.id, summary: { pluginId: summary.pluginId, scope: summary.scope, scopeId: summary.scopeId } };
        return reply.status(204).send();
      },
    );

    api.get<{ Querystring: EffectiveClassifierQuery }>(
      '/classifiers/effective',
      { config: { access: 'viewer' }, schema: { tags: ['classifiers'], operationId: 'getEffectiveClassifier', summary: 'Tell which classifier applies to a host and plugin, and why', querystring: EffectiveClassifierQuery, response: { 200: EffectiveClassifier, ...errors } } },
      async (request): Promise<EffectiveClassifierApi> => {
        const { hostId, pluginId, checkId } = request.query;
        if (!(await m.Host.findByPk(hostId, { attributes: ['id'] }))) throw ApiErrors.NOT_FOUND(`no host ${hostId}`, { field: 'hostId' });
        const { rowId, version } = await pluginAndVersion(pluginId);
        // The same rows, expansion and resolver as the ingest (through the dispatcher's snapshot).
        const [groups, overrides] = await Promise.all([loadGroupRows(db), loadClassifierOverrides(db)]);
        const { groupsOfHost } = expandGroups(groups.groupHosts, groups.groupGroups);
        const resolved = resolveClassifier(
          {
            pluginRowId: rowId,
            pluginKey: `${pluginId}@${version.version}`,
            hostId,
            checkId: checkId ?? null,
            hostGroups: groupsOfHost.get(hostId),
            defaultClassifier: version.defaultClassifier,
          },
          overrides,
        );
        if (resolved.source === 'plugin') return { source: 'default', version: version.version, code: resolved.code };
        return { source: resolved.source, scopeId: Number(resolved.key.slice(resolved.key.indexOf(':') + 1)), code: resolved.code };
      },
    );
  };
}
