import {
  ApiErrorBody,
  EnrolmentRequest,
  EnrolmentTicket,
  Host,
  IdParams,
  RunNowRequest,
  RunNowResponse,
  ServerAddress,
  type EnrolmentTicket as EnrolmentTicketApi,
  type Host as HostApi,
  type RunNowResponse as RunNowResponseApi,
} from '@prophasis/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hostname } from 'node:os';
import type { Database } from '../../db/index.js';
import { EnrolmentErrors } from '../errors.js';
import { hostAdd, installCommands, type ConsoleTransport } from '../host-add.js';
import type { AgentRegistry } from '../registry.js';
import type { FleetTokens } from '../fleet.js';
import { ApiErrors } from '../../kernel/index.js';
import { presentHost } from '../../inventory/index.js';

/**
 * "Run now" (the dispatcher's `runNow`, docs/pipeline.md): publishes `check.run` to the host's
 * agent and resolves with the request id the result will carry (as a string or `{ requestId }`).
 */
export interface RunNow {
  runNow(hostId: number, checkId: number | null, pluginId: string): Promise<string | { requestId: string }>;
}

/** What issuing and revoking agent credentials from the console needs (docs/enrolment.md). */
export interface EnrolmentApiDeps {
  /** The agent registry: tokens stored hashed, revocation refuses the next CONNECT. */
  registry: Pick<AgentRegistry, 'createEnrolmentToken' | 'revoke'>;
  /** The MQTT side agents pin and connect to; read when a token is issued (both are set once it started). */
  transport: { readonly caFingerprint: string; readonly mqttPort: number };
  /** Port of the console (serves install.sh and the agent packages); read when a token is issued. */
  httpPort(): number;
  /** The agent packages (downloads/): the install line carries the hash of their `SHA256SUMS`. */
  packages: { get(): Promise<{ sums: { sha256: string } }> };
  /** The core's address as hosts reach it, when configured; else the request's host name is used. */
  defaultServer?: string | undefined;
  /** How the console serves the downloads (HTTPS, and the key the line pins), for the install line. */
  console?: ConsoleTransport | undefined;
  /** Fleet tokens (auto-registration); without them `POST /api/fleet-tokens` answers 503. */
  fleet?: FleetTokens | undefined;
}

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody, 409: ApiErrorBody, 503: ApiErrorBody };

async function findHost(db: Database, id: number) {
  const host = await db.models.Host.findByPk(id);
  if (!host) throw ApiErrors.NOT_FOUND(`host ${id}`);
  return host;
}

/** Who did it, for the token's `created_by` (the trail has the full record). */
export const actor = (request: FastifyRequest) => `api:${request.user?.name ?? 'unknown'}`.slice(0, 255);

const SERVER_ADDRESS = new RegExp(ServerAddress.pattern!);

/**
 * The name the request was addressed to, without port or IPv6 brackets; it goes into a shell
 * command, so a Host header that is not a plain name or address falls back to this machine's name.
 */
export function requestHostName(request: FastifyRequest): string {
  const name = request.hostname.replace(/^\[(.*)\]$/, '$1');
  return SERVER_ADDRESS.test(name) ? name : hostname();
}

/**
 * Actions on one host (docs/api.md, "Host actions"): run a plugin now, issue an enrolment
 * token, revoke the agent. Each is refused with 503 `CORE_API_UNAVAILABLE` when the core
 * runs without the subsystem it needs (tests, a core without the pipeline).
 */
export async function hostActionRoutes(api: FastifyInstance, deps: { db: Database; runNow?: RunNow | undefined; enrolment?: EnrolmentApiDeps | undefined }): Promise<void> {
  const { db } = deps;

  api.post<{ Params: IdParams; Body: RunNowRequest }>(
    '/hosts/:id/run',
    {
      config: { access: 'operator', configChange: false },
      schema: { tags: ['hosts'], operationId: 'runHostChecks', summary: 'Run a host\'s checks now', params: IdParams, body: RunNowRequest, response: { 202: RunNowResponse, ...errors } },
    },
    async (request, reply): Promise<RunNowResponseApi> => {
      const { id } = request.params;
      const { pluginId, checkId } = request.body;
      const host = await findHost(db, id);
      if (!deps.runNow) throw ApiErrors.UNAVAILABLE('running checks is not available: this core runs without the dispatcher');
      if (host.enrolmentState !== 'enrolled' || !host.agentId) {
        throw ApiErrors.UNAVAILABLE(`host ${JSON.stringify(host.name)} has no enrolled agent to run the check; enrol one first`, { hostId: id, enrolmentState: host.enrolmentState });
      }
      const plugin = await db.models.Plugin.findOne({ where: { pluginId }, attributes: ['id'] });
      if (!plugin) throw ApiErrors.REFERENCE_NOT_FOUND(`pluginId: ${pluginId}`, { field: 'pluginId', missing: [pluginId] });
      if (checkId !== undefined && !(await db.models.Check.findByPk(checkId, { attributes: ['id'] }))) {
        throw ApiErrors.REFERENCE_NOT_FOUND(`checkId: ${checkId}`, { field: 'checkId', missing: [checkId] });
      }
      const answer = await deps.runNow.runNow(id, checkId ?? null, pluginId);
      const requestId = typeof answer === 'string' ? answer : answer.requestId;
      request.auditNote = { action: 'hosts.run', targetKind: 'host', targetId: id, summary: { pluginId, checkId: checkId ?? null, requestId } };
      return reply.status(202).send({ requestId });
    },
  );

  function enrolment(): EnrolmentApiDeps {
    if (!deps.enrolment) throw ApiErrors.UNAVAILABLE('enrolment is not available: this core runs without the agent registry');
    return deps.enrolment;
  }

  api.post<{ Params: IdParams; Body: EnrolmentRequest }>(
    '/hosts/:id/enrolment',
    { config: { access: 'admin' }, schema: { tags: ['hosts'], operationId: 'createEnrolment', summary: 'Issue an enrolment token for a host\'s agent', params: IdParams, body: EnrolmentRequest, response: { 201: EnrolmentTicket, ...errors } } },
    async (request, reply): Promise<EnrolmentTicketApi> => {
      const { id } = request.params;
      const { ttlMinutes, reenrol } = request.body;
      const host = await findHost(db, id);
      // A device has no agent of its own: its collector checks it (docs/devices.md).
      if (host.kind === 'device') throw ApiErrors.BAD_REQUEST(`${host.name} is a device: it has no agent to enrol; its collector checks it`, { field: 'id' });
      const e = enrolment();
      const caFingerprint = e.transport.caFingerprint;
      if (!caFingerprint) throw ApiErrors.UNAVAILABLE('the MQTT listener has not started yet (no CA fingerprint to give the agent)');
      // Before anything changes: without packages there is no install line to give.
      const packagesSha256 = await e.packages.get().then(
        (index) => index.sums.sha256,
        (err: unknown) => {
          throw ApiErrors.UNAVAILABLE(`the agent packages could not be built, so there is no install line to give: ${(err as Error).message}`);
        },
      );
      let revokedAgentId: string | null = null;
      if (host.enrolmentState === 'enrolled') {
        if (!reenrol) {
          throw EnrolmentErrors.HOST_ENROLLED(`${JSON.stringify(host.name)}; send "reenrol": true to revoke its agent and enrol a new one`, { hostId: id, agentId: host.agentId });
        }
        // Revoke first: from here on the old credentials are refused, whether or not the new agent ever enrols.
        if (host.agentId && (await e.registry.revoke(host.agentId))) revokedAgentId = host.agentId;
      }
      const server = request.body.server ?? e.defaultServer ?? requestHostName(request);
      // The same token and commands as `prophasis host add`; the host exists already.
      const ticket = await hostAdd(
        {
          registry: {
            addHost: async () => ({ hostId: String(id), name: host.name, state: host.enrolmentState }),
            createEnrolmentToken: (hostId, ttlMs, createdBy) => e.registry.createEnrolmentToken(hostId, ttlMs, createdBy),
          },
          caFingerprint,
          httpPort: e.httpPort(),
          mqttPort: e.transport.mqttPort,
        },
        { name: host.name, server, ttlMs: ttlMinutes * 60_000, createdBy: actor(request) },
      );
      const { installCommand } = installCommands({ caFingerprint, httpPort: e.httpPort(), mqttPort: e.transport.mqttPort, packagesSha256, console: e.console }, { server, token: ticket.token });
      request.auditNote = {
        action: 'hosts.enrolment',
        targetKind: 'host',
        targetId: id,
        // Never the token: the trail is readable by every administrator.
        summary: { name: host.name, server, ttlMinutes, expiresAt: ticket.expiresAt.getTime(), revokedAgentId },
      };
      return reply.status(201).send({
        hostId: id,
        token: ticket.token,
        expiresAt: ticket.expiresAt.getTime(),
        installCommand,
        enrolCommand: ticket.enrolCommand,
        caFingerprint,
      });
    },
  );

  api.post<{ Params: IdParams }>(
    '/hosts/:id/revoke',
    { config: { access: 'admin' }, schema: { tags: ['hosts'], operationId: 'revokeHostAgent', summary: 'Revoke a host\'s agent credentials', params: IdParams, response: { 200: Host, ...errors } } },
    async (request): Promise<HostApi> => {
      const { id } = request.params;
      const host = await findHost(db, id);
      const e = enrolment();
      if (host.enrolmentState !== 'enrolled' || !host.agentId || !(await e.registry.revoke(host.agentId))) {
        throw ApiErrors.NOT_ENROLLED(`host ${JSON.stringify(host.name)} (${host.enrolmentState})`, { hostId: id, enrolmentState: host.enrolmentState });
      }
      request.auditNote = { action: 'hosts.revoke', targetKind: 'host', targetId: id, summary: { name: host.name, agentId: host.agentId } };
      await host.reload();
      return presentHost(host);
    },
  );
}
