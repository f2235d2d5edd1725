import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { isProphasisError, ProphasisError } from '@prophasis/protocol';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { ApiErrors, CoreErrors, roleAllows } from '../kernel/index.js';
import { DbErrors, translateDbError } from '../db/index.js';
import type { ApiConfig, ShellDeps } from './context.js';
import { configChangeOf } from './changes.js';
import { SESSION_COOKIE } from './cookies.js';
import { eventRoutes } from './event-stream.js';
import { registerSecurity } from './security.js';
import { registerConsole } from './static.js';
import { describeRoute, documentedSchema, sharedErrorBody } from './openapi.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Routes under `/api` that serve the interactive reference; public like the console itself. */
const DOCS_PREFIX = '/api/docs';

const isApi = (url: string) => url === '/api' || url.startsWith('/api/');

/** A route as registered, with the access it declared. */
export interface RouteInfo {
  method: string;
  url: string;
  access: string;
}
const routeLists = new WeakMap<FastifyInstance, RouteInfo[]>();

/** Every route of an app built by {@link createApp} (tests iterate it so new routes are covered automatically). */
export function listRoutes(app: FastifyInstance): readonly RouteInfo[] {
  return routeLists.get(app) ?? [];
}

/**
 * Builds the core's fastify app: REST API under `/api` (docs/api.md), its OpenAPI document and
 * interactive reference at `/api/docs`, and the console at `/`. Not listening yet: the HTTP
 * server (./server.ts) listens, tests call `inject()`.
 */
export async function createApp(config: ApiConfig, deps: ShellDeps): Promise<FastifyInstance> {
  const log = deps.logger.child({ component: 'http' });
  // HTTPS when configured (docs/operations.md, "HTTPS for the console"): the same app, on a TLS
  // server; `request.protocol` is then `https`, which turns on HSTS and the cookie's Secure flag.
  const https = config.tls ? { https: { cert: config.tls.certPem, key: config.tls.keyPem, minVersion: 'TLSv1.2' as const } } : {};
  const app = Fastify({
    ...https,
    loggerInstance: log as FastifyBaseLogger,
    // Request lines only for the API, and not for the health probe or the event stream's keepalive.
    logController: new LogController({
      disableRequestLogging: (req: { url?: string }) => !isApi(req.url ?? '') || req.url === '/api/health',
    }),
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    ajv: {
      customOptions: {
        // Refuse unknown fields (naming them) instead of silently dropping them.
        removeAdditional: false,
        useDefaults: true,
        coerceTypes: 'array',
        allErrors: false,
      },
    },
  });

  // First of all hooks: a change from another site is refused before anything reads it.
  await registerSecurity(app);
  app.decorateRequest('user', undefined);
  app.decorateRequest('auditNote', undefined);
  // A browser form can send text/plain cross-site without a CORS preflight; only JSON is accepted.
  app.removeContentTypeParser('text/plain');

  // Every API route must declare who may call it, so a forgotten check fails at startup, not in production.
  const routes: RouteInfo[] = [];
  routeLists.set(app, routes);
  app.addHook('onRoute', (route) => {
    const record = () => {
      for (const method of [route.method].flat()) routes.push({ method: String(method), url: route.url, access: route.config?.access ?? 'public' });
    };
    if (!isApi(route.url)) {
      describeRoute(route, route.config?.access ?? 'public', false);
      return record();
    }
    if (route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`)) {
      route.config = { ...route.config, access: 'public' };
      return record();
    }
    if (!route.config?.access) throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access)`);
    // Before @fastify/swagger's own onRoute hook (registered below) reads the route.
    describeRoute(route, route.config.access, true);
    record();
  });

  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Prophasis core API', version: '1', description: 'REST API of the Prophasis core (docs/api.md). Scripts send an API token as Authorization: Bearer; the console signs in with POST /api/auth/login and its session travels in an httpOnly cookie.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The console\'s session, from POST /api/auth/login' },
          token: { type: 'http', scheme: 'bearer', description: 'An API token (pht_…) from POST /api/tokens or `prophasis token create`' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    transform: documentedSchema,
    transformObject: sharedErrorBody,
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });

  app.addHook('onRequest', async (request) => {
    if (!isApi(request.url)) return;
    const access = request.routeOptions.config.access ?? 'viewer'; // unknown /api paths: 401 before 404
    // A script's API token, else the console's session cookie. A token that does not open is
    // refused outright (never treated as "not signed in" on a public route).
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    request.user = bearer !== undefined ? await deps.auth.authenticateBearer(bearer) : await deps.auth.authenticate(request.cookies[SESSION_COOKIE]);
    if (bearer !== undefined && !request.user) throw ApiErrors.UNAUTHENTICATED('the API token is unknown, expired or revoked');
    if (access !== 'public') {
      if (!request.user) throw ApiErrors.UNAUTHENTICATED();
      if (!roleAllows(request.user.role, access)) throw ApiErrors.FORBIDDEN(`needs the ${access} role`);
    }
    // CSRF: besides SameSite=Strict cookies, a change must be a JSON request, which a cross-site
    // form cannot send and cross-site fetch can send only after a CORS preflight we never grant.
    if (MUTATING.has(request.method) && request.method !== 'DELETE' && !isJson(request)) throw ApiErrors.JSON_REQUIRED();
  });

  // Record successful changes before the response leaves, so a client that reads the trail right after sees its entry.
  app.addHook('onSend', async (request, reply, payload) => {
    if (!MUTATING.has(request.method) || !isApi(request.url) || reply.statusCode >= 400 || request.routeOptions.config.audit === false) return payload;
    const note = request.auditNote ?? {
      action: `${request.method} ${request.routeOptions.url ?? request.url}`.slice(0, 64),
      targetKind: 'api',
      targetId: (request.params as { id?: unknown } | undefined)?.id as string | undefined,
      summary: request.body,
    };
    try {
      await deps.audit.record({
        user: request.user,
        action: note.action,
        targetKind: note.targetKind,
        targetId: note.targetId == null ? null : String(note.targetId),
        summary: note.summary ?? null,
      });
    } catch (err) {
      request.log.error({ err, action: note.action }, 'writing the audit trail failed');
    }
    const resource = request.routeOptions.config.configChange === false ? undefined : configChangeOf(request.routeOptions.url ?? request.url);
    if (resource !== undefined) deps.events.publish({ type: 'config.changed', ts: Date.now(), resource });
    return payload;
  });

  app.setErrorHandler((error: FastifyError | ProphasisError | Error, request, reply) => {
    const err = toProphasisError(error, request);
    if (err.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: err.code, status: err.status }, err.message);
    const retryAfterMs = (err.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
    if (err.status === 429 && retryAfterMs) reply.header('retry-after', String(Math.ceil(retryAfterMs / 1000)));
    return reply.status(err.status).send(err.toJSON());
  });

  await app.register(async (api) => eventRoutes(api, deps.events), { prefix: '/api' });
  for (const routes of deps.routes) await app.register(routes, { prefix: '/api' });
  for (const routes of deps.rootRoutes ?? []) await app.register(routes);
  await registerConsole(app, config, log);
  return app;
}

function isJson(request: FastifyRequest): boolean {
  const type = request.headers['content-type'];
  return typeof type === 'string' && /^application\/json\s*(;|$)/i.test(type);
}

/** One mapping of everything a handler or fastify can throw onto `{ code, message, details }`. */
function toProphasisError(error: unknown, request?: FastifyRequest): ProphasisError {
  if (isProphasisError(error)) return error;
  const e = error as FastifyError & { name?: string; fields?: unknown; errors?: { path?: string }[] };
  if (e.validation) {
    const first = e.validation[0];
    const params = (first?.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
    const path = [first?.instancePath?.replace(/^\//, '').replaceAll('/', '.'), params.missingProperty ?? params.additionalProperty].filter(Boolean).join('.');
    const field = path || (e.validationContext ?? 'body');
    return CoreErrors.VALIDATION(`${field}: ${first?.message ?? e.message}`, { field, in: e.validationContext, reason: first?.message });
  }
  // Constraint errors the database raises when two requests race past the handlers' own checks,
  // through the database layer's one translator, answered with the API's codes.
  const db = translateDbError(error);
  if (isProphasisError(db, DbErrors.DUPLICATE)) {
    const fields = (db.details as { fields?: string[] } | undefined)?.fields ?? [];
    return ApiErrors.NAME_TAKEN(fields.join(', ') || undefined, { field: fields[0] });
  }
  if (isProphasisError(db, DbErrors.IN_USE) || isProphasisError(db, DbErrors.NOT_FOUND)) {
    return request?.method === 'DELETE' ? ApiErrors.IN_USE('other objects still reference it') : ApiErrors.REFERENCE_NOT_FOUND();
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return ApiErrors.BODY_TOO_LARGE();
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return ApiErrors.JSON_REQUIRED();
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return ApiErrors.BAD_REQUEST(e.message, { fastifyCode: e.code });
  }
  return ApiErrors.INTERNAL();
}
