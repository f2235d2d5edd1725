import { ApiErrorBody, HostDependencies, HostParentsInput, IdParams, type HostDependencies as HostDependenciesApi } from '@prophasis/protocol';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/index.js';
import { ApiErrors } from '../../kernel/index.js';
import { hostDependencies, setParents } from '../store.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody };

/**
 * A host's parents (docs/api.md, "Dependencies"): viewers read the chain, administrators set the
 * parents (audited). Refusals are 400s naming `parentIds`.
 */
export async function dependencyRoutes(api: FastifyInstance, db: Database): Promise<void> {
  const exists = async (id: number) => (await db.models.Host.count({ where: { id } })) > 0;

  api.get<{ Params: IdParams }>(
    '/hosts/:id/dependencies',
    { config: { access: 'viewer' }, schema: { tags: ['hosts'], operationId: 'getHostDependencies', summary: "Show a host's parents, ancestors and children", params: IdParams, response: { 200: HostDependencies, ...errors } } },
    async (request): Promise<HostDependenciesApi> => {
      if (!(await exists(request.params.id))) throw ApiErrors.NOT_FOUND(`host ${request.params.id}`);
      return hostDependencies(db, request.params.id);
    },
  );

  api.put<{ Params: IdParams; Body: HostParentsInput }>(
    '/hosts/:id/parents',
    {
      config: { access: 'admin', configChange: false },
      schema: { tags: ['hosts'], operationId: 'setHostParents', summary: "Set a host's parents (the hosts it is reached through)", params: IdParams, body: HostParentsInput, response: { 200: HostDependencies, ...errors } },
    },
    async (request): Promise<HostDependenciesApi> => {
      const { id } = request.params;
      if (!(await exists(id))) throw ApiErrors.NOT_FOUND(`host ${id}`);
      await db.sequelize.transaction((transaction) => setParents(db, id, request.body.parentIds, transaction));
      request.auditNote = { action: 'hosts.parents', targetKind: 'host', targetId: id, summary: { parentIds: request.body.parentIds } };
      return hostDependencies(db, id);
    },
  );
}
