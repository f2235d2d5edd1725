import {
  ApiErrorBody,
  compareSeverity,
  HostHealth,
  HostMessage,
  HostReport,
  IdParams,
  isSeverity,
  MessageQuery,
  Page,
  RangeQuery,
  ServiceHealth,
  StateTransition,
  TransitionQuery,
  type HostHealth as HostHealthApi,
  type HostMessage as HostMessageApi,
  type HostReport as HostReportApi,
  type MessageQuery as MessageQueryType,
  type PageOf,
  type ServiceHealth as ServiceHealthApi,
  type Severity,
  type StateTransition as StateTransitionApi,
  type TransitionQuery as TransitionQueryType,
} from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Op, type Model, type ModelStatic, type WhereOptions } from 'sequelize';
import { loadFlapping, loadProblemMarks, problemKey } from '../../alerting/index.js';
import type { Database } from '../../db/index.js';
import { devicePresences } from '../device-presence.js';
import { evaluateService, loadServiceDefinitions } from '../../services/index.js';
import { loadHostStates, loadLatestResults } from '../../state/index.js';
import { ApiErrors } from '../../kernel/index.js';
import { loadGroupHosts, presentHost } from '../../inventory/index.js';
import { querySeriesPoints } from '../series.js';
import { sparklineRoutes } from './sparklines.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody };
const DAY_MS = 86_400_000;

/**
 * Service health by the rules of docs/services.md (core/src/services): the same evaluation the
 * service monitor records transitions with, over the host states of the state model.
 */
async function serviceHealth(db: Database): Promise<ServiceHealthApi[]> {
  const [definitions, hosts, marks] = await Promise.all([loadServiceDefinitions(db), loadHostStates(db), loadProblemMarks(db, Date.now())]);
  return definitions
    .map((service) => ({
      id: service.id,
      name: service.name,
      ...evaluateService(service, (id) => hosts.get(id)?.severity ?? 'no_data'),
      ...marks({ hostId: null, pluginId: null, serviceId: service.id }),
    }))
    .sort((a, b) => compareSeverity(a.severity, b.severity) || a.name.localeCompare(b.name));
}

const severityOf = (s: string): Severity => (isSeverity(s) ? s : 'unknown');

/** `[from, to)` on one time column; refuses an empty range naming `from`. */
function timeRange(column: string, from?: number, to?: number): WhereOptions[] {
  if (from !== undefined && to !== undefined && from >= to) throw ApiErrors.BAD_REQUEST('from must be before to', { field: 'from' });
  const out: WhereOptions[] = [];
  if (from !== undefined) out.push({ [column]: { [Op.gte]: from } });
  if (to !== undefined) out.push({ [column]: { [Op.lt]: to } });
  return out;
}

/** Names (and reverse-DNS ids of plugins) by row id: one query per table whatever the page size. */
async function namesById(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model class with an integer id and a name
  model: ModelStatic<any>,
  ids: readonly (number | null | undefined)[],
  withPluginId = false,
): Promise<Map<number, { name: string; pluginId: string }>> {
  const unique = [...new Set(ids.filter((id): id is number => id != null))];
  if (unique.length === 0) return new Map();
  const rows = (await model.findAll({ where: { id: unique }, attributes: ['id', 'name', ...(withPluginId ? ['pluginId'] : [])] })) as Model[];
  return new Map(rows.map((r) => [Number(r.get('id')), { name: String(r.get('name') ?? ''), pluginId: String(r.get('pluginId') ?? '') }]));
}

/** A problem as the keys of its transitions. */
interface ProblemIds {
  hostId: number | null;
  pluginId: number | null;
  serviceId: number | null;
}

/**
 * Rows whose problem is one of `problems`, as a condition that is never NULL (so `NOT` of it is
 * exact): a host's own problems, services, and per host its plugins.
 */
function problemsCondition(problems: readonly ProblemIds[]): WhereOptions {
  const parts: WhereOptions[] = [];
  const hosts = problems.filter((p) => p.serviceId === null && p.pluginId === null && p.hostId !== null).map((p) => p.hostId!);
  if (hosts.length) parts.push({ hostId: { [Op.in]: hosts, [Op.not]: null }, pluginId: null, serviceId: null });
  const services = problems.filter((p) => p.serviceId !== null).map((p) => p.serviceId!);
  if (services.length) parts.push({ serviceId: { [Op.in]: services, [Op.not]: null } });
  const byHost = new Map<number, number[]>();
  for (const p of problems) if (p.serviceId === null && p.pluginId !== null && p.hostId !== null) byHost.set(p.hostId, [...(byHost.get(p.hostId) ?? []), p.pluginId]);
  for (const [hostId, plugins] of byHost) parts.push({ hostId: { [Op.eq]: hostId, [Op.not]: null }, pluginId: { [Op.in]: plugins, [Op.not]: null }, serviceId: null });
  // None: a condition that is false for every row.
  return parts.length ? { [Op.or]: parts } : { id: { [Op.lt]: 0 } };
}

/**
 * State transitions newest first, filtered, one page with the total; host, service and plugin
 * names are resolved with one query per kind for the whole page. Each row carries its problem's
 * marks now (acknowledged, in maintenance, flapping); the mark filters keep the rows whose
 * problem has (true) or has not (false) the mark now.
 */
async function transitionsPage(db: Database, q: TransitionQueryType, now: number): Promise<PageOf<StateTransitionApi>> {
  const { StateTransition: TransitionModel, Host: HostModel, Service: ServiceModel, Plugin: PluginModel } = db.models;
  const page = { limit: q.limit, offset: q.offset };
  const where: WhereOptions[] = timeRange('at', q.from, q.to);
  if (q.hostId !== undefined) where.push({ hostId: q.hostId });
  if (q.serviceId !== undefined) where.push({ serviceId: q.serviceId });
  if (q.severity !== undefined) where.push({ toState: q.severity });
  if (q.pluginId !== undefined) {
    const plugin = await PluginModel.findOne({ where: { pluginId: q.pluginId }, attributes: ['id'] });
    // A filter that names no plugin matches nothing (it is not an error: the plugin may have been deleted).
    if (!plugin) return { items: [], total: 0, ...page };
    where.push({ pluginId: plugin.id });
  }
  if (q.groupId !== undefined) {
    if (!(await db.models.HostGroup.findByPk(q.groupId, { attributes: ['id'] }))) throw ApiErrors.REFERENCE_NOT_FOUND(`host group ${q.groupId}`, { field: 'groupId' });
    const hosts = [...(await loadGroupHosts(db))([q.groupId])];
    if (hosts.length === 0) return { items: [], total: 0, ...page };
    where.push({ hostId: hosts });
  }
  const [marks, flapping] = await Promise.all([loadProblemMarks(db, now), loadFlapping(db)]);
  const markFilters = (['acknowledged', 'maintenance', 'flapping'] as const).filter((m) => q[m] !== undefined);
  if (markFilters.length > 0) {
    // The problems of the rows the other filters keep, each asked once whether it has the marks.
    const candidates = (await TransitionModel.findAll({
      where: where.length ? { [Op.and]: where } : {},
      attributes: ['hostId', 'pluginId', 'serviceId'],
      group: ['hostId', 'pluginId', 'serviceId'],
      raw: true,
    })) as unknown as ProblemIds[];
    for (const mark of markFilters) {
      const has = candidates.filter((p) => {
        const ids = { hostId: p.hostId ?? null, pluginId: p.pluginId ?? null, serviceId: p.serviceId ?? null };
        if (mark === 'flapping') return flapping.has(problemKey(ids));
        return marks(ids)[mark] !== null;
      });
      const condition = problemsCondition(has);
      where.push(q[mark] ? condition : { [Op.not]: condition });
    }
  }
  const { rows, count } = await TransitionModel.findAndCountAll({
    where: where.length ? { [Op.and]: where } : {},
    order: [['at', 'DESC'], ['id', 'DESC']],
    ...page,
  });
  const [hosts, services, plugins] = await Promise.all([
    namesById(HostModel, rows.map((r) => r.hostId)),
    namesById(ServiceModel, rows.map((r) => r.serviceId)),
    namesById(PluginModel, rows.map((r) => r.pluginId), true),
  ]);
  return {
    items: rows.map((r) => {
      const plugin = r.pluginId != null ? plugins.get(r.pluginId) : undefined;
      const ids = { hostId: r.hostId ?? null, pluginId: r.pluginId ?? null, serviceId: r.serviceId ?? null };
      const problem = problemKey(ids);
      return {
        id: Number(r.id),
        at: Number(r.at),
        hostId: r.hostId ?? null,
        hostName: (r.hostId != null && hosts.get(r.hostId)?.name) || null,
        serviceId: r.serviceId ?? null,
        serviceName: (r.serviceId != null && services.get(r.serviceId)?.name) || null,
        pluginId: plugin?.pluginId ?? null,
        pluginName: plugin ? plugin.name || plugin.pluginId : null,
        from: severityOf(r.fromState),
        to: severityOf(r.toState),
        late: Boolean(r.late),
        problem,
        ...marks(ids),
        flapping: flapping.has(problem),
      };
    }),
    total: count,
    ...page,
  };
}

/** Results of one host that carried a message, newest first (by measured time). */
async function hostMessages(db: Database, hostId: number, q: MessageQueryType): Promise<HostMessageApi[]> {
  const { Result: ResultModel, Plugin: PluginModel } = db.models;
  const where: WhereOptions[] = [{ hostId }, { message: { [Op.not]: null } }, { message: { [Op.ne]: '' } }, ...timeRange('measuredAt', q.from, q.to)];
  if (q.pluginId !== undefined) {
    const plugin = await PluginModel.findOne({ where: { pluginId: q.pluginId }, attributes: ['id'] });
    if (!plugin) return [];
    where.push({ pluginId: plugin.id });
  }
  const rows = await ResultModel.findAll({ where: { [Op.and]: where }, order: [['measuredAt', 'DESC'], ['id', 'DESC']], limit: q.limit });
  const plugins = await namesById(PluginModel, rows.map((r) => r.pluginId), true);
  return rows.map((r) => {
    const plugin = plugins.get(r.pluginId);
    return {
      resultId: r.resultId,
      pluginId: plugin?.pluginId ?? String(r.pluginId),
      pluginName: plugin ? plugin.name || plugin.pluginId : String(r.pluginId),
      checkId: r.checkId ?? null,
      measuredAt: Number(r.measuredAt),
      severity: severityOf(r.severity),
      resultType: r.resultType,
      value: r.value ?? null,
      message: r.message ?? '',
      late: Boolean(r.late),
    };
  });
}

/** Report endpoints: host health, host detail with series, message history, service health, transitions (docs/api.md). */
export async function reportRoutes(api: FastifyInstance, db: Database): Promise<void> {
  api.get(
    '/reports/hosts',
    { config: { access: 'viewer' }, schema: { tags: ['reports'], operationId: 'listHostHealth', summary: 'Summarise the health of every host', response: { 200: Type.Array(HostHealth), ...errors } } },
    async (): Promise<HostHealthApi[]> => {
      const states = await loadHostStates(db);
      const marks = await loadProblemMarks(db, Date.now());
      const devices = await devicePresences(db, states);
      return [...states.values()]
        .map((state) => ({ state, presence: devices.get(state.id) ?? state.presence }))
        .map(({ state, presence }) => ({
          id: state.id,
          name: state.name,
          severity: state.severity,
          enrolmentState: state.enrolmentState,
          presence,
          online: presence.state === 'connected',
          lastSeen: presence.lastSeen,
          plugins: state.plugins.length,
          ...marks({ hostId: state.id, pluginId: null, serviceId: null }),
        }))
        .sort((a, b) => compareSeverity(a.severity, b.severity) || a.name.localeCompare(b.name));
    },
  );

  api.get<{ Params: IdParams; Querystring: { from?: number; to?: number } }>(
    '/reports/hosts/:id',
    { config: { access: 'viewer' }, schema: { tags: ['reports'], operationId: 'getHostReport', summary: 'Get one host\'s states and series over a time range', params: IdParams, querystring: RangeQuery, response: { 200: HostReport, ...errors } } },
    async (request): Promise<HostReportApi> => {
      const host = await db.models.Host.findByPk(request.params.id);
      const state = host && (await loadHostStates(db, [host.id])).get(host.id);
      if (!host || !state) throw ApiErrors.NOT_FOUND(`host ${request.params.id}`);
      const to = request.query.to ?? Date.now();
      const from = request.query.from ?? to - DAY_MS;
      if (from >= to) throw ApiErrors.BAD_REQUEST('from must be before to', { field: 'from' });
      const pluginRowIds = state.plugins.map((p) => p.pluginRowId);
      const plugins = new Map((pluginRowIds.length ? await db.models.Plugin.findAll({ where: { id: pluginRowIds } }) : []).map((p) => [p.id, p]));
      // The newest stored result of each series, not the one that last changed its state.
      const latest = await loadLatestResults(db, host.id, pluginRowIds);
      const marks = await loadProblemMarks(db, Date.now());
      let resolutionMs = 0;
      const rows = [];
      for (const p of state.plugins) {
        const r = latest.get(p.pluginRowId);
        const series = await querySeriesPoints(db, { hostId: host.id, pluginId: p.pluginRowId, from, to });
        resolutionMs = Math.max(resolutionMs, series.resolutionMs);
        rows.push({
          pluginId: plugins.get(p.pluginRowId)?.pluginId ?? String(p.pluginRowId),
          checkId: r?.checkId ?? null,
          severity: p.severity,
          value: r?.value ?? null,
          message: r?.message ?? null,
          resultType: r?.resultType ?? null,
          measuredAt: r?.measuredAt ?? null,
          changedAt: p.since,
          series: series.points,
          ...marks({ hostId: host.id, pluginId: p.pluginRowId, serviceId: null }),
        });
      }
      rows.sort((a, b) => compareSeverity(a.severity, b.severity) || a.pluginId.localeCompare(b.pluginId));
      const presence = host.kind === 'device' ? ((await devicePresences(db, new Map([[host.id, state]]))).get(host.id) ?? state.presence) : state.presence;
      return { host: presentHost(host), severity: state.severity, presence, from, to, resolutionMs, plugins: rows, ...marks({ hostId: host.id, pluginId: null, serviceId: null }) };
    },
  );

  api.get<{ Querystring: TransitionQueryType }>(
    '/reports/transitions',
    { config: { access: 'viewer' }, schema: { tags: ['reports'], operationId: 'listTransitions', summary: 'List state transitions (paged, filtered)', querystring: TransitionQuery, response: { 200: Page(StateTransition), ...errors } } },
    async (request): Promise<PageOf<StateTransitionApi>> => transitionsPage(db, request.query, Date.now()),
  );

  api.get<{ Params: IdParams; Querystring: MessageQueryType }>(
    '/reports/hosts/:id/messages',
    { config: { access: 'viewer' }, schema: { tags: ['reports'], operationId: 'listHostMessages', summary: 'List the messages of one host\'s results', params: IdParams, querystring: MessageQuery, response: { 200: Type.Array(HostMessage), ...errors } } },
    async (request): Promise<HostMessageApi[]> => {
      const host = await db.models.Host.findByPk(request.params.id, { attributes: ['id'] });
      if (!host) throw ApiErrors.NOT_FOUND(`host ${request.params.id}`);
      return hostMessages(db, host.id, request.query);
    },
  );

  api.get(
    '/reports/services',
    { config: { access: 'viewer' }, schema: { tags: ['reports'], operationId: 'listServiceHealth', summary: 'Summarise the health of every service', response: { 200: Type.Array(ServiceHealth), ...errors } } },
    async () => serviceHealth(db),
  );

  await sparklineRoutes(api, db);
}
