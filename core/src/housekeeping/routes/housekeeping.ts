import { ApiErrorBody, HousekeepingRun, HousekeepingStatus } from '@prophasis/protocol';
import type { FastifyInstance } from 'fastify';
import type { Housekeeper } from '../housekeeper.js';

const errors = { 401: ApiErrorBody, 403: ApiErrorBody };

/**
 * Housekeeping for the settings page: each growing table's size and the last run (everyone
 * signed in), and "Run now" for administrators (audited like every change).
 */
export async function housekeepingRoutes(api: FastifyInstance, housekeeper: Pick<Housekeeper, 'status' | 'run'>): Promise<void> {
  api.get('/housekeeping', { config: { access: 'viewer' }, schema: { tags: ['housekeeping'], operationId: 'getHousekeeping', summary: 'Get table sizes and the last housekeeping run', response: { 200: HousekeepingStatus, ...errors } } }, async () =>
    housekeeper.status(),
  );
  api.post(
    '/housekeeping/run',
    { config: { access: 'admin' }, schema: { tags: ['housekeeping'], operationId: 'runHousekeeping', summary: 'Run housekeeping now', response: { 200: HousekeepingRun, ...errors } } },
    async (request) => {
      const run = await housekeeper.run('manual');
      request.auditNote = { action: 'housekeeping.run', targetKind: 'housekeeping', targetId: null, summary: { removed: run.removed, errors: run.errors } };
      return run;
    },
  );
}
