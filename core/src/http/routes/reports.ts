import {
  ApiErrorBody,
  compareSeverity,
  HostHealth,
  HostReport,
  IdParams,
  isSeverity,
  RangeQuery,
  ServiceHealth,
  worstSeverity,
  type HostHealth as HostHealthApi,
  type HostReport as HostReportApi,
  type ServiceHealth as ServiceHealthApi,
  type Severity,
} from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Op } from 'sequelize';
import type { Database } from '../../db/index.js';
import { evaluateService, loadHostHealths, loadServiceDefinitions } from '../../services/index.js';
import { ApiErrors } from '../errors.js';
import { presentHost } from './hosts.js';
import { querySeriesPoints } from './series.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody };
const DAY_MS = 86_400_000;

/** Worst current severity per host (`no_data` for a host with no state yet). */
async function hostSeverities(db: Database, hostIds?: number[]): Promise<Map<number, { severity: Severity; plugins: number }>> {
  const states = await db.models.CurrentState.findAll({ where: hostIds ? { hostId: hostIds } : {}, attributes: ['hostId', 'severity'] });
  const out = new Map<number, { severity: Severity; plugins: number }>();
  for (const s of states) {
    const severity: Severity = isSeverity(s.severity) ? s.severity : 'unknown';
    const cur = out.get(s.hostId);
    out.set(s.hostId, { severity: cur ? worstSeverity([cur.severity, severity]) : severity, plugins: (cur?.plugins ?? 0) + 1 });
  }
  return out;
}

/**
 * Service health by the rules of docs/services.md (core/src/services): the same evaluation the
 * service monitor records transitions with, computed from the current host states.
 */
export async function serviceHealth(db: Database): Promise<ServiceHealthApi[]> {
  const [definitions, hostHealths] = await Promise.all([loadServiceDefinitions(db), loadHostHealths(db)]);
  return definitions
    .map((service) => ({ id: service.id, name: service.name, ...evaluateService(service, (id) => hostHealths.get(id) ?? 'no_data') }))
    .sort((a, b) => compareSeverity(a.severity, b.severity) || a.name.localeCompare(b.name));
}

/** Report endpoints: host health, host detail with series, service health (docs/api.md). */
export async function reportRoutes(api: FastifyInstance, db: Database): Promise<void> {
  api.get(
    '/reports/hosts',
    { config: { access: 'viewer' }, schema: { tags: ['reports'], response: { 200: Type.Array(HostHealth), ...errors } } },
    async (): Promise<HostHealthApi[]> => {
      const hosts = await db.models.Host.findAll();
      const severities = await hostSeverities(db);
      // Health counts an unreachable host as failed (docs/services.md), not just its plugins' states.
      const health = await loadHostHealths(db);
      return hosts
        .map((h) => ({
          id: h.id,
          name: h.name,
          severity: health.get(h.id) ?? severities.get(h.id)?.severity ?? 'no_data',
          enrolmentState: h.enrolmentState,
          online: h.connectedSince != null,
          lastSeen: h.lastSeen ?? null,
          plugins: severities.get(h.id)?.plugins ?? 0,
        }))
        .sort((a, b) => compareSeverity(a.severity, b.severity) || a.name.localeCompare(b.name));
    },
  );

  api.get<{ Params: IdParams; Querystring: { from?: number; to?: number } }>(
    '/reports/hosts/:id',
    { config: { access: 'viewer' }, schema: { tags: ['reports'], params: IdParams, querystring: RangeQuery, response: { 200: HostReport, ...errors } } },
    async (request): Promise<HostReportApi> => {
      const host = await db.models.Host.findByPk(request.params.id);
      if (!host) throw ApiErrors.NOT_FOUND(`host ${request.params.id}`);
      const to = request.query.to ?? Date.now();
      const from = request.query.from ?? to - DAY_MS;
      if (from >= to) throw ApiErrors.BAD_REQUEST('from must be before to', { field: 'from' });
      const states = await db.models.CurrentState.findAll({ where: { hostId: host.id } });
      const pluginIds = states.map((s) => s.pluginId);
      const plugins = new Map((pluginIds.length ? await db.models.Plugin.findAll({ where: { id: pluginIds } }) : []).map((p) => [p.id, p]));
      const lastIds = states.map((s) => s.lastResultId).filter((x): x is string => !!x);
      const last = new Map((lastIds.length ? await db.models.Result.findAll({ where: { resultId: { [Op.in]: lastIds } } }) : []).map((r) => [r.resultId, r]));
      let resolutionMs = 0;
      const rows = [];
      for (const state of states) {
        const r = state.lastResultId ? last.get(state.lastResultId) : undefined;
        const series = await querySeriesPoints(db, { hostId: host.id, pluginId: state.pluginId, from, to });
        resolutionMs = Math.max(resolutionMs, series.resolutionMs);
        rows.push({
          pluginId: plugins.get(state.pluginId)?.pluginId ?? String(state.pluginId),
          checkId: r?.checkId ?? null,
          severity: isSeverity(state.severity) ? state.severity : 'unknown',
          value: r?.value ?? null,
          message: r?.message ?? null,
          resultType: r?.resultType ?? null,
          measuredAt: r?.measuredAt ?? null,
          changedAt: state.since,
          series: series.points,
        });
      }
      rows.sort((a, b) => compareSeverity(a.severity, b.severity) || a.pluginId.localeCompare(b.pluginId));
      return { host: presentHost(host), severity: worstSeverity(rows.map((r) => r.severity)), from, to, resolutionMs, plugins: rows };
    },
  );

  api.get(
    '/reports/services',
    { config: { access: 'viewer' }, schema: { tags: ['reports'], response: { 200: Type.Array(ServiceHealth), ...errors } } },
    async () => serviceHealth(db),
  );
}
