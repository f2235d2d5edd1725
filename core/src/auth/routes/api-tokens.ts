import { ApiErrorBody, ApiToken, ApiTokenCreated, ApiTokenInput, IdParams } from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ApiErrors } from '../../kernel/index.js';
import type { ApiTokens } from '../api-tokens.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody };

/**
 * `/api/tokens` (docs/api.md, "API tokens"): every signed-in user manages their own tokens;
 * administrators see and revoke everyone's. The token is in the creation's answer only.
 */
export async function apiTokenRoutes(api: FastifyInstance, tokens: ApiTokens): Promise<void> {
  const userOf = (request: { user?: { id: number; name: string; role: 'viewer' | 'operator' | 'admin' } | undefined }) => {
    if (!request.user) throw ApiErrors.UNAUTHENTICATED();
    return request.user;
  };

  api.get('/tokens', { config: { access: 'viewer' }, schema: { tags: ['auth'], operationId: 'listApiTokens', summary: 'List API tokens (one\'s own; an administrator sees all)', response: { 200: Type.Array(ApiToken), ...errors } } }, async (request) => tokens.list(userOf(request)));

  api.post<{ Body: ApiTokenInput }>(
    '/tokens',
    { config: { access: 'viewer', configChange: false }, schema: { tags: ['auth'], operationId: 'createApiToken', summary: 'Create an API token (the token is in this answer only)', body: ApiTokenInput, response: { 201: ApiTokenCreated, ...errors } } },
    async (request, reply) => {
      const created = await tokens.create(userOf(request), request.body);
      // The trail names the token, never its secret.
      request.auditNote = { action: 'tokens.create', targetKind: 'api-token', targetId: created.id, summary: { name: created.name, role: created.role, expiresAt: created.expiresAt } };
      return reply.status(201).send(created);
    },
  );

  api.delete<{ Params: IdParams }>(
    '/tokens/:id',
    { config: { access: 'viewer', configChange: false }, schema: { tags: ['auth'], operationId: 'revokeApiToken', summary: 'Revoke an API token', params: IdParams, response: { 200: ApiToken, ...errors } } },
    async (request) => {
      const revoked = await tokens.revoke(userOf(request), request.params.id);
      request.auditNote = { action: 'tokens.revoke', targetKind: 'api-token', targetId: revoked.id, summary: { name: revoked.name, userName: revoked.userName } };
      return revoked;
    },
  );
}
