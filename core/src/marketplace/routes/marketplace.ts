import {
  ApiErrorBody,
  BrowseQuery,
  BrowseResponse,
  InstallBody,
  InstallResult,
  MarketplacePluginPage,
  MarketplacePluginParams,
  RegistriesInput,
  RegistriesResponse,
  RolloutInput,
  RolloutParams,
  RolloutsResponse,
  UpdatesResponse,
} from '@prophasis/protocol';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Actor } from '../../plugins/index.js';
import { rolloutProgress } from '../rollout-progress.js';
import { createMarketplaceService, type MarketplaceServiceDeps } from '../service.js';

export type MarketplaceRouteDeps = MarketplaceServiceDeps;

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody, 409: ApiErrorBody, 502: ApiErrorBody };

/**
 * The core's marketplace routes (docs/marketplace.md), to register under `/api`; their shapes are
 * in protocol/src/api-marketplace.ts:
 *
 * - `GET /api/marketplace/registries` (viewer), `PUT /api/marketplace/registries` (admin)
 * - `GET /api/marketplace/plugins?q=&tag=&platform=&registry=` (viewer): search every registry
 * - `GET /api/marketplace/registries/:registry/plugins/:pluginId` (viewer): a plugin page
 * - `POST /api/marketplace/install` (admin): `{ registry, pluginId, version?, trustPublisher?, publisherKeyId? }`
 * - `GET /api/marketplace/updates` (viewer): installed plugins with a newer version offered
 * - `GET /api/marketplace/rollouts` (viewer, with each rollout's progress), `PUT|DELETE /api/marketplace/rollouts/:pluginId`,
 *   `POST /api/marketplace/rollouts/:pluginId/abort` (admin)
 *
 * Authentication, the audit trail and the error body come from the app (core/src/http/app.ts).
 */
export function marketplaceRoutes(deps: MarketplaceRouteDeps): FastifyPluginAsync {
  const service = createMarketplaceService(deps);
  return async (api: FastifyInstance) => {
    api.get('/marketplace/registries', { config: { access: 'viewer' }, schema: { tags: ['marketplace'], operationId: 'listRegistries', summary: 'List the marketplace registries this core browses', response: { 200: RegistriesResponse, ...errors } } }, async () => ({
      items: await service.registries(),
    }));

    api.put<{ Body: RegistriesInput }>(
      '/marketplace/registries',
      { config: { access: 'admin' }, schema: { tags: ['marketplace'], operationId: 'updateRegistries', summary: 'Replace the list of marketplace registries', body: RegistriesInput, response: { 200: RegistriesResponse, ...errors } } },
      async (request) => {
        await service.setRegistries(request.body.registries);
        request.auditNote = { action: 'marketplace.registries', targetKind: 'settings', targetId: null, summary: request.body };
        return { items: await service.registries() };
      },
    );

    api.get<{ Querystring: BrowseQuery }>(
      '/marketplace/plugins',
      { config: { access: 'viewer' }, schema: { tags: ['marketplace'], operationId: 'browseMarketplace', summary: 'Search the plugins of the marketplace registries', querystring: BrowseQuery, response: { 200: BrowseResponse, ...errors } } },
      async (request) => service.browse(request.query),
    );

    api.get<{ Params: MarketplacePluginParams }>(
      '/marketplace/registries/:registry/plugins/:pluginId',
      { config: { access: 'viewer' }, schema: { tags: ['marketplace'], operationId: 'getMarketplacePlugin', summary: 'Get one marketplace plugin with its versions', params: MarketplacePluginParams, response: { 200: MarketplacePluginPage, ...errors } } },
      async (request) => service.page(request.params.registry, request.params.pluginId),
    );

    api.post<{ Body: InstallBody }>(
      '/marketplace/install',
      { config: { access: 'admin' }, schema: { tags: ['marketplace'], operationId: 'installMarketplacePlugin', summary: 'Install a plugin version from a registry', body: InstallBody, response: { 200: InstallResult, 201: InstallResult, ...errors } } },
      async (request, reply) => {
        const result = await service.install(request.body, actor(request));
        request.auditNote = {
          action: 'marketplace.install',
          targetKind: 'plugin',
          targetId: result.plugin.pluginId,
          summary: {
            registry: result.registry,
            version: result.plugin.version,
            sha256: result.plugin.sha256,
            publisherKeyId: result.publisher.keyId,
            trustedPublisher: result.publisher.trustedNow,
            addedCapabilities: result.addedCapabilities,
            created: result.created,
          },
        };
        return reply.status(result.created ? 201 : 200).send(result);
      },
    );

    api.get('/marketplace/updates', { config: { access: 'viewer' }, schema: { tags: ['marketplace'], operationId: 'listPluginUpdates', summary: 'List installed plugins with newer versions available', response: { 200: UpdatesResponse, ...errors } } }, async () => service.updates());

    const listRollouts = async () => {
      const items = Object.entries(await service.rollouts()).map(([pluginId, r]) => ({ pluginId, ...r, startedAt: r.startedAt ?? null, abortedAt: r.abortedAt ?? null }));
      const progress = await rolloutProgress(deps.db, items, (pluginId) => deps.repository.listVersions(pluginId).catch(() => []));
      return { items: items.map((r) => ({ ...r, progress: progress.get(r.pluginId) })) };
    };
    api.get('/marketplace/rollouts', { config: { access: 'viewer' }, schema: { tags: ['marketplace'], operationId: 'listRollouts', summary: 'List plugin rollouts', response: { 200: RolloutsResponse, ...errors } } }, listRollouts);

    api.put<{ Params: RolloutParams; Body: RolloutInput }>(
      '/marketplace/rollouts/:pluginId',
      { config: { access: 'admin' }, schema: { tags: ['marketplace'], operationId: 'setRollout', summary: 'Create or replace a plugin\'s rollout', params: RolloutParams, body: RolloutInput, response: { 200: RolloutsResponse, ...errors } } },
      async (request) => {
        await service.setRollout(request.params.pluginId, request.body);
        request.auditNote = { action: 'marketplace.rollout', targetKind: 'plugin', targetId: request.params.pluginId, summary: request.body };
        return listRollouts();
      },
    );

    api.post<{ Params: RolloutParams }>(
      '/marketplace/rollouts/:pluginId/abort',
      { config: { access: 'admin' }, schema: { tags: ['marketplace'], operationId: 'abortRollout', summary: 'Abort a plugin\'s rollout: its version reaches no host', params: RolloutParams, response: { 200: RolloutsResponse, ...errors } } },
      async (request) => {
        await service.abort(request.params.pluginId);
        request.auditNote = { action: 'marketplace.abort', targetKind: 'plugin', targetId: request.params.pluginId, summary: null };
        return listRollouts();
      },
    );

    api.delete<{ Params: RolloutParams }>(
      '/marketplace/rollouts/:pluginId',
      { config: { access: 'admin' }, schema: { tags: ['marketplace'], operationId: 'deleteRollout', summary: 'Cancel a plugin\'s rollout', params: RolloutParams, response: { 200: RolloutsResponse, ...errors } } },
      async (request) => {
        const ended = await service.promote(request.params.pluginId);
        request.auditNote = { action: 'marketplace.promote', targetKind: 'plugin', targetId: request.params.pluginId, summary: { ended } };
        return listRollouts();
      },
    );
  };
}

function actor(request: FastifyRequest): Actor {
  return request.user ? { id: request.user.id, name: request.user.name } : { name: '(unknown)' };
}
