import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  ApiErrorBody,
  DEFAULT_BUNDLE_LIMITS,
  isProphasisError,
  RegistryKey,
  RegistryPluginPage,
  RegistrySearchQuery,
  RegistrySearchResponse,
  RegistryVersion,
  type Logger,
  type ProphasisError,
} from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { MarketErrors } from '../errors.js';
import { AddKeyBody, HashParams, KeyParams, PluginParams, PublishResult, VersionParams } from '../schemas.js';
import type { Registry } from './registry.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody, 409: ApiErrorBody, 410: ApiErrorBody, 413: ApiErrorBody, 415: ApiErrorBody };
const bearer = [{ token: [] }];
const ZIP = { 200: { type: 'string', format: 'binary', description: 'the bundle (application/zip)' } };

/**
 * The registry's HTTP API (docs/marketplace.md), versioned under `/api/v1`, with its OpenAPI
 * document and reference at `/api/docs`. Publishing takes the bundle as the raw
 * `application/zip` body and a publisher token as `Authorization: Bearer …`; reading is public.
 */
export async function createMarketApp(deps: { registry: Registry; logger: Logger }): Promise<FastifyInstance> {
  const { registry } = deps;
  const app = Fastify({ loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger, bodyLimit: 64 * 1024 });
  // Up to twice the largest bundle reaches verifyBundle, which then refuses it with BUNDLE_TOO_LARGE and the reason.
  const bundleBodyLimit = 2 * DEFAULT_BUNDLE_LIMITS.maxPackedBytes;
  app.decorateRequest('publisher', undefined);
  app.addContentTypeParser('application/zip', { parseAs: 'buffer', bodyLimit: bundleBodyLimit }, (_request, body, done) => done(null, body));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Prophasis marketplace API', version: '1', description: 'Registry of signed Prophasis plugin bundles (docs/marketplace.md).' },
      components: { securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'publisher API token (prophasis-marketplace publisher add)' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.setErrorHandler((error: FastifyError | ProphasisError | Error, request, reply) => {
    const err = toMarketError(error);
    if (err.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: err.code, status: err.status }, err.message);
    return reply.status(err.status).send(err.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const err = MarketErrors.NOT_FOUND(`${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).send(err.toJSON());
  });

  const publisherOf = (request: FastifyRequest) => registry.authenticate(request.headers.authorization);

  app.post(
    '/api/v1/plugins',
    {
      bodyLimit: bundleBodyLimit,
      schema: {
        tags: ['publishing'],
        summary: 'Publish a signed bundle (raw application/zip body)',
        security: bearer,
        response: { 200: PublishResult, 201: PublishResult, ...errors },
      },
      // Authenticate before the (up to 10 MiB) body is read.
      onRequest: async (request) => {
        request.publisher = await publisherOf(request);
        if (!/^application\/zip\s*(;|$)/i.test(request.headers['content-type'] ?? '')) throw MarketErrors.UNSUPPORTED_MEDIA_TYPE();
      },
    },
    async (request, reply) => {
      const result = await registry.publish(request.publisher!, request.body as Buffer);
      return reply.status(result.created ? 201 : 200).send(result);
    },
  );

  app.post<{ Params: { id: string; version: string } }>(
    '/api/v1/plugins/:id/versions/:version/yank',
    { schema: { tags: ['publishing'], summary: 'Yank a version: no longer offered, still downloadable by hash', security: bearer, params: VersionParams, response: { 200: RegistryVersion, ...errors } } },
    async (request) => registry.yank(await publisherOf(request), request.params.id, request.params.version),
  );

  app.get(
    '/api/v1/publishers/me',
    { schema: { tags: ['publishing'], summary: 'Your account and keys', security: bearer, response: { 200: Type.Object({ name: Type.String(), keys: Type.Array(RegistryKey) }), ...errors } } },
    async (request) => registry.publisherInfo(await publisherOf(request)),
  );

  app.post<{ Body: AddKeyBody }>(
    '/api/v1/publishers/me/keys',
    { schema: { tags: ['publishing'], summary: 'Add a key, signed by one of your active keys (rotation)', security: bearer, body: AddKeyBody, response: { 201: RegistryKey, ...errors } } },
    async (request, reply) => reply.status(201).send(await registry.addKey(await publisherOf(request), request.body)),
  );

  app.delete<{ Params: { keyId: string } }>(
    '/api/v1/publishers/me/keys/:keyId',
    { schema: { tags: ['publishing'], summary: 'Revoke one of your keys (not the last one)', security: bearer, params: KeyParams, response: { 200: RegistryKey, ...errors } } },
    async (request) => registry.revokeKey(await publisherOf(request), request.params.keyId),
  );

  app.get<{ Querystring: RegistrySearchQuery }>(
    '/api/v1/plugins',
    { schema: { tags: ['index'], summary: 'Search plugins by text, tag and platform', querystring: RegistrySearchQuery, response: { 200: RegistrySearchResponse, ...errors } } },
    async (request) => ({ items: await registry.search(request.query) }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/plugins/:id',
    { schema: { tags: ['index'], summary: 'A plugin page: README, versions, capabilities, publisher keys, downloads', params: PluginParams, response: { 200: RegistryPluginPage, ...errors } } },
    async (request) => registry.page(request.params.id),
  );

  app.get<{ Params: { id: string; version: string } }>(
    '/api/v1/plugins/:id/versions/:version/bundle',
    { schema: { tags: ['index'], summary: 'Download a version (not a yanked one)', params: VersionParams, response: { ...ZIP, ...errors } } },
    async (request, reply) => {
      const { sha256, zip } = await registry.downloadVersion(request.params.id, request.params.version);
      return reply.header('content-type', 'application/zip').header('x-bundle-sha256', sha256).send(zip);
    },
  );

  app.get<{ Params: { sha256: string } }>(
    '/api/v1/bundles/:sha256',
    { schema: { tags: ['index'], summary: 'Download a bundle by its hash (yanked versions too)', params: HashParams, response: { ...ZIP, ...errors } } },
    async (request, reply) => {
      const zip = await registry.downloadHash(request.params.sha256);
      return reply.header('content-type', 'application/zip').header('x-bundle-sha256', request.params.sha256).send(zip);
    },
  );

  return app;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated publisher of a publishing request. */
    publisher?: import('./db.js').Publisher;
  }
}

/** One mapping of everything a handler or fastify can throw onto `{ code, message }`. */
function toMarketError(error: unknown): ProphasisError {
  if (isProphasisError(error)) return error;
  const e = error as FastifyError;
  if (e.validation) {
    const first = e.validation[0];
    const field = [e.validationContext, first?.instancePath?.replace(/^\//, '')].filter(Boolean).join('.');
    return MarketErrors.INVALID_REQUEST(`${field}: ${first?.message ?? e.message}`);
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return MarketErrors.BODY_TOO_LARGE();
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return MarketErrors.UNSUPPORTED_MEDIA_TYPE();
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return MarketErrors.INVALID_REQUEST(e.message);
  return MarketErrors.INTERNAL();
}
