import {
  ApiErrorBody,
  ApproveBody,
  DEFAULT_BUNDLE_LIMITS,
  KeyIdParams,
  PluginParams,
  PluginVersionInfo,
  Publisher,
  PublisherInput,
  UploadBody,
  UploadResult,
  VersionParams,
  type BundleLimits,
} from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ApiErrors } from '../../kernel/index.js';
import { PluginErrors } from '../errors.js';
import type { Actor, PluginRepository, PluginSystemLog } from '../repository.js';
import type { TrustStore } from '../trust.js';

export interface PluginRouteDeps {
  repository: PluginRepository;
  trust: TrustStore;
  systemLog: PluginSystemLog;
  /** The repository's bundle limits, to size the upload body limit. */
  limits?: Partial<BundleLimits>;
}

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody, 409: ApiErrorBody, 413: ApiErrorBody };
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The plugin repository's REST routes (docs/plugin-repository.md), to be registered under
 * `/api` next to the generic `/api/plugins` resource:
 *
 * - `POST /api/plugins/upload` (admin): `{ bundle: base64 }` → the stored version, 201 (200 when already stored)
 * - `GET /api/plugins/:id/versions` (viewer): versions, newest first
 * - `POST /api/plugins/:id/versions/:version/approve` (admin): `{ capabilities }`
 * - `GET /api/publishers` (viewer), `POST /api/publishers` (admin), `DELETE /api/publishers/:keyId` (admin)
 *
 * Request and response shapes are protocol's (protocol/src/api-plugin-repository.ts), which the
 * console imports too. Authentication, the JSON-only rule, the audit trail and the error body
 * come from the app (core/src/http/app.ts); routes only declare `config.access` and set
 * `request.auditNote`.
 */
export function pluginRoutes(deps: PluginRouteDeps): FastifyPluginAsync {
  const { repository, trust } = deps;
  const maxPacked = { ...DEFAULT_BUNDLE_LIMITS, ...deps.limits }.maxPackedBytes;
  // Twice the largest bundle, in base64, plus the JSON around it: a bundle somewhat over the
  // limit still reaches verifyBundle and is refused there with BUNDLE_TOO_LARGE and a system-log
  // entry; only far larger bodies are cut off by fastify while reading.
  const bodyLimit = Math.ceil((2 * maxPacked) / 3) * 4 + 1024;

  return async (api: FastifyInstance) => {
    api.post<{ Body: UploadBody }>(
      '/plugins/upload',
      {
        bodyLimit,
        config: { access: 'admin' },
        schema: { tags: ['plugins'], operationId: 'uploadPlugin', summary: 'Upload a signed plugin bundle', body: UploadBody, response: { 200: UploadResult, 201: UploadResult, ...errors } },
        // The body limit is enforced before the handler runs; record that refusal as well.
        onError: async (request, _reply, error) => {
          if ((error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
            await safeWrite(deps.systemLog, request, 'plugin bundle refused: upload larger than the body limit', {
              code: ApiErrors.BODY_TOO_LARGE.code,
              user: request.user?.name,
              bodyLimit,
            });
          }
        },
      },
      async (request, reply) => {
        const text = request.body.bundle.replace(/\s+/g, '');
        if (!BASE64.test(text) || text.length % 4 === 1) {
          const err = PluginErrors.BAD_UPLOAD('bundle must be base64');
          await safeWrite(deps.systemLog, request, `plugin bundle refused: ${err.message}`, { code: err.code, user: request.user?.name });
          throw err;
        }
        const result = await repository.upload(Buffer.from(text, 'base64'), actor(request));
        request.auditNote = {
          action: 'plugins.upload',
          targetKind: 'plugin',
          targetId: result.pluginId,
          summary: { version: result.version, sha256: result.sha256, publisherKeyId: result.publisherKeyId, requestedCapabilities: result.requestedCapabilities, approval: result.approval, created: result.created },
        };
        return reply.status(result.created ? 201 : 200).send(result);
      },
    );

    api.get<{ Params: PluginParams }>(
      '/plugins/:id/versions',
      { config: { access: 'viewer' }, schema: { tags: ['plugins'], operationId: 'listPluginVersions', summary: 'List the stored versions of a plugin', params: PluginParams, response: { 200: Type.Object({ items: Type.Array(PluginVersionInfo) }), ...errors } } },
      async (request) => ({ items: await repository.listVersions(request.params.id) }),
    );

    api.post<{ Params: VersionParams; Body: ApproveBody }>(
      '/plugins/:id/versions/:version/approve',
      { config: { access: 'admin' }, schema: { tags: ['plugins'], operationId: 'approvePluginVersion', summary: 'Approve a plugin version and its capabilities', params: VersionParams, body: ApproveBody, response: { 200: PluginVersionInfo, ...errors } } },
      async (request) => {
        const { id, version } = request.params;
        const result = await repository.approve(id, version, request.body.capabilities, actor(request));
        request.auditNote = { action: 'plugins.approve', targetKind: 'plugin', targetId: result.pluginId, summary: { version, capabilities: result.approvedCapabilities } };
        return result;
      },
    );

    api.get(
      '/publishers',
      { config: { access: 'viewer' }, schema: { tags: ['plugins'], operationId: 'listPublishers', summary: 'List trusted publisher keys', response: { 200: Type.Object({ items: Type.Array(Publisher) }), ...errors } } },
      async () => ({ items: trust.list() }),
    );

    api.post<{ Body: PublisherInput }>(
      '/publishers',
      { config: { access: 'admin' }, schema: { tags: ['plugins'], operationId: 'addPublisher', summary: 'Trust a publisher key', body: PublisherInput, response: { 201: Publisher, ...errors } } },
      async (request, reply) => {
        const added = await trust.add(request.body, request.user?.name ?? '(unknown)');
        await safeWrite(deps.systemLog, request, `publisher key trusted: ${added.name}`, { keyId: added.keyId, user: request.user?.name }, 'info');
        request.auditNote = { action: 'publishers.add', targetKind: 'publisher', targetId: added.keyId.slice(0, 64), summary: { name: added.name, keyId: added.keyId } };
        return reply.status(201).send(added);
      },
    );

    api.delete<{ Params: KeyIdParams }>(
      '/publishers/:keyId',
      { config: { access: 'admin' }, schema: { tags: ['plugins'], operationId: 'deletePublisher', summary: 'Stop trusting a publisher key', params: KeyIdParams, response: { 204: { type: 'null' }, ...errors } } },
      async (request, reply) => {
        const removed = await trust.remove(request.params.keyId);
        await safeWrite(deps.systemLog, request, `publisher key no longer trusted: ${removed.name}`, { keyId: removed.keyId, user: request.user?.name }, 'info');
        request.auditNote = { action: 'publishers.remove', targetKind: 'publisher', targetId: removed.keyId.slice(0, 64), summary: { name: removed.name, keyId: removed.keyId } };
        return reply.status(204).send();
      },
    );
  };
}

function actor(request: FastifyRequest): Actor {
  return request.user ? { id: request.user.id, name: request.user.name } : { name: '(unknown)' };
}

async function safeWrite(log: PluginSystemLog, request: FastifyRequest, message: string, context: Record<string, unknown>, level: 'info' | 'warn' = 'warn'): Promise<void> {
  try {
    await log.write(level, 'plugins', message, context);
  } catch (err) {
    request.log.error({ err }, 'writing the system log failed');
  }
}
