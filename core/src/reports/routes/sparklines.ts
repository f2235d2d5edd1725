import { ApiErrorBody, SparklineQuery, SparklinesResponse, type SparklineQuery as SparklineQueryType } from '@prophasis/protocol';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/index.js';
import { parseHostIds, querySparklines } from '../sparklines.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody };

/** `GET /api/reports/sparklines?hostIds=3,7&range=day` (viewer): the host list's sparklines, one request per page of hosts. */
export async function sparklineRoutes(api: FastifyInstance, db: Database): Promise<void> {
  api.get<{ Querystring: SparklineQueryType }>(
    '/reports/sparklines',
    {
      config: { access: 'viewer' },
      schema: { tags: ['reports'], operationId: 'listHostSparklines', summary: 'Get the CPU, memory and disk sparklines of some hosts', querystring: SparklineQuery, response: { 200: SparklinesResponse, ...errors } },
    },
    async (request) => querySparklines(db, parseHostIds(request.query.hostIds), request.query.range, Date.now()),
  );
}
