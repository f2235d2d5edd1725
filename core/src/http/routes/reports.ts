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
  type Member,
  type ServiceHealth as ServiceHealthApi,
  type Severity,
} from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Op } from 'sequelize';
import type { Database } from '../../db/index.js';
import { hostsOfGroups } from '../../db/groups.js';
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
 * Best member of a redundancy group: `ok` beats everything; after it the order is no_data,
 * unknown, degraded, minor, major (a member that reports nothing is better than one that is
 * known to be failing, but not healthy).
 */
const REDUNDANCY_PREFERENCE: readonly Severity[] = ['ok', 'no_data', 'unknown', 'degraded', 'minor', 'major', 'critical'];
function bestSeverity(severities: readonly Severity[]): Severity | undefined {
  let best: Severity | undefined;
  for (const s of severities) if (best === undefined || REDUNDANCY_PREFERENCE.indexOf(s) < REDUNDANCY_PREFERENCE.indexOf(best)) best = s;
  return best;
}

/**
 * Service health (docs/api.md, "Service health"): a host is its worst plugin state; a group is
 * its worst host, nested groups included (`no_data` when empty); a dependency that is `major`
 * makes the service `critical`, otherwise contributes its severity; a redundancy group
 * contributes its best member, and `critical` when even that is `major` or it has no members;
 * the service is the worst contribution, `unknown` when it has no structure.
 */
export async function serviceHealth(db: Database): Promise<ServiceHealthApi[]> {
  const services = await db.models.Service.findAll({ order: [['name', 'ASC']] });
  const deps = await db.models.ServiceDependency.findAll();
  const groups = await db.models.RedundancyGroup.findAll({ order: [['id', 'ASC']] });
  const members = await db.models.RedundancyGroupMember.findAll();
  const hosts = await hostSeverities(db);
  const hostNames = new Map((await db.models.Host.findAll({ attributes: ['id', 'name'] })).map((h) => [h.id, h.name]));
  const groupNames = new Map((await db.models.HostGroup.findAll({ attributes: ['id', 'name'] })).map((g) => [g.id, g.name]));
  const groupCache = new Map<number, Severity>();
  const hostSeverity = (id: number): Severity => hosts.get(id)?.severity ?? 'no_data';
  async function memberSeverity(m: Member): Promise<Severity> {
    if (m.kind === 'host') return hostSeverity(m.id);
    let s = groupCache.get(m.id);
    if (s === undefined) {
      s = worstSeverity((await hostsOfGroups(db, [m.id])).map(hostSeverity), 'no_data');
      groupCache.set(m.id, s);
    }
    return s;
  }
  const toMember = (r: { hostId?: number | null; groupId?: number | null }): Member => (r.hostId != null ? { kind: 'host', id: r.hostId } : { kind: 'group', id: r.groupId! });
  const memberName = (m: Member) => (m.kind === 'host' ? hostNames.get(m.id) : groupNames.get(m.id)) ?? `${m.kind} ${m.id}`;

  const out: ServiceHealthApi[] = [];
  for (const service of services) {
    const parts: ServiceHealthApi['parts'] = [];
    for (const d of deps.filter((x) => x.serviceId === service.id)) {
      const m = toMember(d);
      const s = await memberSeverity(m);
      parts.push({ kind: 'dependency', name: memberName(m), severity: s === 'major' ? 'critical' : s });
    }
    for (const g of groups.filter((x) => x.serviceId === service.id)) {
      const own = members.filter((x) => x.redundancyGroupId === g.id).map(toMember);
      const best = bestSeverity(await Promise.all(own.map(memberSeverity)));
      parts.push({ kind: 'redundancy', name: g.name, severity: best === undefined || best === 'major' ? 'critical' : best });
    }
    const severity = parts.length ? worstSeverity(parts.map((p) => p.severity)) : 'unknown';
    out.push({ id: service.id, name: service.name, severity, parts });
  }
  return out.sort((a, b) => compareSeverity(a.severity, b.severity) || a.name.localeCompare(b.name));
}

/** Report endpoints: host health, host detail with series, service health (docs/api.md). */
export async function reportRoutes(api: FastifyInstance, db: Database): Promise<void> {
  api.get(
    '/reports/hosts',
    { config: { access: 'viewer' }, schema: { tags: ['reports'], response: { 200: Type.Array(HostHealth), ...errors } } },
    async (): Promise<HostHealthApi[]> => {
      const hosts = await db.models.Host.findAll();
      const severities = await hostSeverities(db);
      return hosts
        .map((h) => ({
          id: h.id,
          name: h.name,
          severity: severities.get(h.id)?.severity ?? 'no_data',
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
