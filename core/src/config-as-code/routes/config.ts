import { ApiErrorBody, ConfigApplyQuery, ConfigApplyRequest, ConfigApplyResult, type ConfigApplyResult as ConfigApplyResultApi } from '@prophasis/protocol';
import type { FastifyInstance } from 'fastify';
import type { ConfigAsCode } from '../config-as-code.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 409: ApiErrorBody };

/**
 * Configuration as code over the API (docs/configuration-as-code.md; docs/api.md,
 * "Configuration as code"): administrators (or a script with an administrator's API token)
 * export the configuration as YAML and apply a file, with a dry run first. An apply is audited
 * with its changes; the subsystems that follow the configuration are told once it committed.
 */
export async function configRoutes(api: FastifyInstance, config: ConfigAsCode): Promise<void> {
  api.get(
    '/config/export',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['config'],
        operationId: 'exportConfig',
        summary: 'Export the configuration as YAML',
        description: 'Hosts, groups, checks, classifier overrides, schedules, services, alerts, templates, silences, settings, plugin approvals and registration rules by name; secrets as `${secret:NAME}` references.',
        // The body is the YAML text itself, never serialized from a schema.
        response: { 200: { description: 'The configuration file', content: { 'text/yaml': { schema: { type: 'string' } } } }, 401: ApiErrorBody, 403: ApiErrorBody, 409: ApiErrorBody },
      },
    },
    async (_request, reply) =>
      reply.type('text/yaml; charset=utf-8').header('content-disposition', 'attachment; filename="prophasis-config.yaml"').send(await config.exportYaml()),
  );

  api.post<{ Querystring: ConfigApplyQuery; Body: ConfigApplyRequest }>(
    '/config/apply',
    {
      // The apply publishes config.changed for what it changed itself (nothing for a dry run).
      config: { access: 'admin', configChange: false },
      schema: {
        tags: ['config'],
        operationId: 'applyConfig',
        summary: 'Apply a configuration file (or show what it would change)',
        description: 'Creates and updates every object of the file by name in one transaction; `prune` also deletes the objects of the kinds in the file that it does not name; `dryRun` writes nothing. A file with an error changes nothing (400 naming its place in the file, `details.path`).',
        querystring: ConfigApplyQuery,
        body: ConfigApplyRequest,
        response: { 200: ConfigApplyResult, ...errors },
      },
    },
    async (request): Promise<ConfigApplyResultApi> => {
      const { dryRun, prune } = request.query;
      const result = await config.apply(request.body.yaml, { dryRun, prune, actor: request.user?.name ?? 'api' });
      const count = (action: string) => result.changes.filter((c) => c.action === action).length;
      request.auditNote = {
        action: dryRun ? 'config.dry-run' : 'config.apply',
        targetKind: 'config',
        targetId: null,
        summary: { prune, changed: result.changed, created: count('create'), updated: count('update'), deleted: count('delete'), changes: result.changes.slice(0, 200).map((c) => `${c.action} ${c.kind} ${c.name}`) },
      };
      return result;
    },
  );
}
