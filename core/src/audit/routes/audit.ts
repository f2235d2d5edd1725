import { ApiErrorBody, AuditEntry, AuditQuery, Page } from '@prophasis/protocol';
import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from '../audit.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody };

/** The audit trail: who changed what, newest first, filtered by user and action (administrators only). */
export async function auditRoutes(api: FastifyInstance, audit: AuditTrail): Promise<void> {
  api.get<{ Querystring: { user?: string; action?: string; limit: number; offset: number } }>(
    '/audit',
    { config: { access: 'admin' }, schema: { tags: ['logs'], operationId: 'listAuditEntries', summary: 'List the audit trail of changes (paged)', querystring: AuditQuery, response: { 200: Page(AuditEntry), ...errors } } },
    async (request) => audit.list(request.query),
  );
}
