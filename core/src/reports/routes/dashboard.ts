import {
  ApiErrorBody,
  CurrentProblems,
  CurrentProblemsQuery,
  ProblemsOverTime,
  ProblemsOverTimeQuery,
  TopHost,
  TopHostsQuery,
  type CurrentProblemsQuery as CurrentProblemsQueryType,
  type ProblemsOverTimeQuery as ProblemsOverTimeQueryType,
  type TopHostsQuery as TopHostsQueryType,
} from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/index.js';
import { currentProblems, problemsOverTime, topHosts } from '../dashboard.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody };

/**
 * The dashboard's report endpoints (viewer): `GET /api/reports/problems` (problems now, worst
 * first), `GET /api/reports/problems-over-time` (counts per severity in buckets) and
 * `GET /api/reports/top-hosts` (busiest hosts of one plugin). docs/api.md, "Reports".
 */
export async function dashboardReportRoutes(api: FastifyInstance, db: Database): Promise<void> {
  api.get<{ Querystring: CurrentProblemsQueryType }>(
    '/reports/problems',
    {
      config: { access: 'viewer' },
      schema: { tags: ['reports'], operationId: 'listCurrentProblems', summary: 'List the problems now, worst first, with their marks', querystring: CurrentProblemsQuery, response: { 200: CurrentProblems, ...errors } },
    },
    async (request) => currentProblems(db, request.query.limit, Date.now()),
  );

  api.get<{ Querystring: ProblemsOverTimeQueryType }>(
    '/reports/problems-over-time',
    {
      config: { access: 'viewer' },
      schema: { tags: ['reports'], operationId: 'getProblemsOverTime', summary: 'Count the problems per severity over a time range', querystring: ProblemsOverTimeQuery, response: { 200: ProblemsOverTime, ...errors } },
    },
    async (request) => problemsOverTime(db, request.query, Date.now()),
  );

  api.get<{ Querystring: TopHostsQueryType }>(
    '/reports/top-hosts',
    {
      config: { access: 'viewer' },
      schema: { tags: ['reports'], operationId: 'listTopHosts', summary: 'List the hosts with the highest newest value of one plugin', querystring: TopHostsQuery, response: { 200: Type.Array(TopHost), ...errors } },
    },
    async (request) => topHosts(db, request.query.pluginId, request.query.limit),
  );
}
