import { ApiErrorBody, LoginRequest, Me, SetupRequest, SetupStatus } from '@prophasis/protocol';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie, type ApiConfig } from '../../http/index.js';
import type { Auth } from '../auth.js';
import { ApiErrors } from '../../kernel/index.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 409: ApiErrorBody, 429: ApiErrorBody };

/** Sign-in, sign-out, the current user and first-run setup (docs/users.md). */
export async function authRoutes(api: FastifyInstance, config: ApiConfig, auth: Auth): Promise<void> {

  api.get('/health', { config: { access: 'public' }, schema: { tags: ['system'], operationId: 'getHealth', summary: 'Tell whether the core is up', security: [], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  api.post<{ Body: LoginRequest }>(
    '/auth/login',
    { config: { access: 'public' }, schema: { tags: ['auth'], operationId: 'login', summary: 'Sign in with a name and password (sets the session cookie)', security: [], body: LoginRequest, response: { 200: Me, ...errors } } },
    async (request, reply) => {
      const { token, user, expiresAt } = await auth.login(request.body.name, request.body.password, request.ip);
      setSessionCookie(config, request, reply, token, expiresAt);
      request.user = user;
      request.auditNote = { action: 'auth.login', targetKind: 'user', targetId: user.id, summary: { ip: request.ip } };
      return { id: user.id, name: user.name, role: user.role, expiresAt: expiresAt.getTime() };
    },
  );

  api.post(
    '/auth/logout',
    { config: { access: 'viewer' }, schema: { tags: ['auth'], operationId: 'logout', summary: 'Sign out (ends the session)', response: { 204: Type.Null() } } },
    async (request, reply) => {
      await auth.logout(request.cookies[SESSION_COOKIE]);
      clearSessionCookie(config, request, reply);
      request.auditNote = { action: 'auth.logout', targetKind: 'user', targetId: request.user?.id ?? null };
      return reply.status(204).send();
    },
  );

  api.get('/auth/me', { config: { access: 'viewer' }, schema: { tags: ['auth'], operationId: 'getMe', summary: 'Get the signed-in user and the session\'s expiry', response: { 200: Me } } }, async (request) => {
    const session = await auth.session(request.cookies[SESSION_COOKIE]);
    if (!session) throw ApiErrors.UNAUTHENTICATED();
    return { id: session.user.id, name: session.user.name, role: session.user.role, expiresAt: session.expiresAt.getTime() };
  });

  api.get('/setup', { config: { access: 'public' }, schema: { tags: ['auth'], operationId: 'getSetupStatus', summary: 'Tell whether first-run setup is still needed', security: [], response: { 200: SetupStatus } } }, async () => ({
    required: await auth.setupRequired(),
  }));

  api.post<{ Body: SetupRequest }>(
    '/setup',
    { config: { access: 'public' }, schema: { tags: ['auth'], operationId: 'completeSetup', summary: 'Create the first administrator with the setup link\'s token', security: [], body: SetupRequest, response: { 201: Me, ...errors } } },
    async (request, reply) => {
      const { token, user, expiresAt } = await auth.completeSetup({ ...request.body, ip: request.ip });
      setSessionCookie(config, request, reply, token, expiresAt);
      request.user = user;
      request.auditNote = { action: 'users.setup', targetKind: 'user', targetId: user.id, summary: { name: user.name, role: user.role } };
      return reply.status(201).send({ id: user.id, name: user.name, role: user.role, expiresAt: expiresAt.getTime() });
    },
  );
}
