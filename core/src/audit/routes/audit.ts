import { ApiErrorBody, AuditEntry, AuditQuery, Page, type AuditQuery as AuditQueryType } from '@prophasis/protocol';
import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from '../audit.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody };

/** The audit trail: who changed what, newest first, filtered by user, action, object and time (administrators only). */
export async function auditRoutes(api: FastifyInstance, audit: AuditTrail): Promise<void> {
  api.get<{ Querystring: AuditQueryType }>(
    '/audit',
    { config: { access: 'admin' }, schema: { tags: ['logs'], operationId: 'listAuditEntries', summary: 'List the audit trail of changes (paged)', querystring: AuditQuery, response: { 200: Page(AuditEntry), ...errors } } },
    async (request) => audit.list(request.query),
  );
}
