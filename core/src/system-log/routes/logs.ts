import { ApiErrorBody, LogEntry, LogQuery, Page, type LogQuery as LogQueryType, type PageOf } from '@prophasis/protocol';
import type { FastifyInstance } from 'fastify';
import { Op, type WhereOptions } from 'sequelize';
import type { Database } from '../../db/index.js';

/** Most to least severe; `level=warn` returns warn, error and fatal. */
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody };

/** The system log (newest first, filtered by minimum level, component, time and text). */
export async function logRoutes(api: FastifyInstance, db: Database): Promise<void> {
  api.get<{ Querystring: LogQueryType }>(
    '/logs',
    { config: { access: 'viewer' }, schema: { tags: ['logs'], operationId: 'listLogEntries', summary: 'List the system log (paged, filtered)', querystring: LogQuery, response: { 200: Page(LogEntry), ...errors } } },
    async (request): Promise<PageOf<LogEntry>> => {
      const q = request.query;
      const where: WhereOptions[] = [];
      if (q.level) where.push({ level: LEVELS.slice(0, LEVELS.indexOf(q.level) + 1) as unknown as string[] });
      if (q.component) where.push({ component: q.component });
      if (q.from !== undefined) where.push({ at: { [Op.gte]: q.from } });
      if (q.to !== undefined) where.push({ at: { [Op.lt]: q.to } });
      if (q.q) where.push({ message: { [db.dialect === 'postgres' ? Op.iLike : Op.like]: `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` } });
      const { rows, count } = await db.models.SystemLog.findAndCountAll({
        where: where.length ? { [Op.and]: where } : {},
        order: [['at', 'DESC'], ['id', 'DESC']],
        limit: q.limit,
        offset: q.offset,
      });
      return {
        items: rows.map((r) => ({ id: r.id, time: r.at, level: r.level, component: r.component, message: r.message, context: r.context ?? null })),
        total: count,
        limit: q.limit,
        offset: q.offset,
      };
    },
  );
}
