import {
  AgentPackagesResponse,
  AgentUpgradeHost,
  AgentUpgradeHostsResponse,
  AgentUpgradeRollout,
  AgentUpgradeRolloutInput,
  AgentUpgradeRolloutParams,
  AgentUpgradeRolloutsResponse,
  AgentVersion,
  ApiErrorBody,
  ApproveAgentVersionInput,
  IdParams,
} from '@prophasis/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiErrors } from '../kernel/index.js';
import type { AgentUpgrades } from './service.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody, 409: ApiErrorBody, 503: ApiErrorBody };
const options = (operationId: string, summary: string, schema: Record<string, unknown>) => ({ config: { access: 'admin' as const }, schema: { tags: ['agent-upgrades'], operationId, summary, ...schema } });
const actor = (request: FastifyRequest): string => request.user?.name ?? '(unknown)';

/**
 * Agent upgrades from the console (docs/install-agent.md, "Upgrades from the console"), under
 * `/api`; administrators only, every change audited:
 *
 * - `GET /agent-upgrades/packages`: the version this core can serve and the approved versions
 * - `POST /agent-upgrades/versions` `{ version }`: approve it (its packages kept and signed by the site key)
 * - `GET /agent-upgrades/rollouts`, `POST /agent-upgrades/rollouts` `{ version, stages, promoteAtPercent, autoPromote }`
 * - `POST /agent-upgrades/rollouts/:id/promote`, `POST /agent-upgrades/rollouts/:id/abort`
 * - `GET /agent-upgrades/hosts`, `GET /agent-upgrades/hosts/:id`: each host's (one host's) agent version and upgrade state
 */
export async function agentUpgradeRoutes(api: FastifyInstance, upgrades: AgentUpgrades): Promise<void> {
  api.get('/agent-upgrades/packages', options('listAgentPackages', 'List the agent version this core can serve and the approved versions', { response: { 200: AgentPackagesResponse, ...errors } }), () => upgrades.packages());

  api.post<{ Body: ApproveAgentVersionInput }>(
    '/agent-upgrades/versions',
    options('approveAgentVersion', 'Approve an agent version for upgrades (its packages are signed by the site key)', { body: ApproveAgentVersionInput, response: { 201: AgentVersion, ...errors } }),
    async (request, reply) => {
      const approved = await upgrades.approve(request.body.version, actor(request));
      request.auditNote = { action: 'agent-upgrades.approve', targetKind: 'agent-version', targetId: approved.version, summary: { packages: approved.packages.map((p) => ({ platform: p.platform, sha256: p.sha256 })) } };
      return reply.status(201).send(approved);
    },
  );

  api.get('/agent-upgrades/rollouts', options('listAgentUpgradeRollouts', 'List agent upgrade rollouts, newest first', { response: { 200: AgentUpgradeRolloutsResponse, ...errors } }), async () => ({
    items: await upgrades.rollouts(),
  }));

  api.post<{ Body: AgentUpgradeRolloutInput }>(
    '/agent-upgrades/rollouts',
    options('createAgentUpgradeRollout', 'Start a staged agent upgrade to host groups', { body: AgentUpgradeRolloutInput, response: { 201: AgentUpgradeRollout, ...errors } }),
    async (request, reply) => {
      const rollout = await upgrades.create(request.body, actor(request));
      request.auditNote = { action: 'agent-upgrades.rollout', targetKind: 'agent-upgrade-rollout', targetId: rollout.id, summary: request.body };
      return reply.status(201).send(rollout);
    },
  );

  api.post<{ Params: AgentUpgradeRolloutParams }>(
    '/agent-upgrades/rollouts/:id/promote',
    options('promoteAgentUpgradeRollout', 'Offer an agent upgrade rollout to its next stage now', { params: AgentUpgradeRolloutParams, response: { 200: AgentUpgradeRollout, ...errors } }),
    async (request) => {
      const rollout = await upgrades.promote(request.params.id);
      request.auditNote = { action: 'agent-upgrades.promote', targetKind: 'agent-upgrade-rollout', targetId: rollout.id, summary: { stage: rollout.stage + 1, version: rollout.version } };
      return rollout;
    },
  );

  api.post<{ Params: AgentUpgradeRolloutParams }>(
    '/agent-upgrades/rollouts/:id/abort',
    options('abortAgentUpgradeRollout', 'Stop offering an agent upgrade (hosts that upgraded keep the version)', { params: AgentUpgradeRolloutParams, response: { 200: AgentUpgradeRollout, ...errors } }),
    async (request) => {
      const rollout = await upgrades.abort(request.params.id);
      request.auditNote = { action: 'agent-upgrades.abort', targetKind: 'agent-upgrade-rollout', targetId: rollout.id, summary: { stage: rollout.stage + 1, version: rollout.version } };
      return rollout;
    },
  );

  api.get('/agent-upgrades/hosts', options('listAgentUpgradeHosts', "List each host's agent version and upgrade state", { response: { 200: AgentUpgradeHostsResponse, ...errors } }), async () => ({
    items: await upgrades.hosts(),
  }));

  api.get<{ Params: IdParams }>(
    '/agent-upgrades/hosts/:id',
    options('getAgentUpgradeHost', "Get one host's agent version and upgrade state", { params: IdParams, response: { 200: AgentUpgradeHost, ...errors } }),
    async (request) => {
      const host = await upgrades.host(request.params.id);
      if (!host) throw ApiErrors.NOT_FOUND(`host ${request.params.id} has no enrolled agent`);
      return host;
    },
  );
}
