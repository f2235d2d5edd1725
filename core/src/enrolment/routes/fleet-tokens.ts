import {
  ApiErrorBody,
  FleetToken,
  FleetTokenInput,
  FleetTokenTicket,
  IdParams,
  type FleetToken as FleetTokenApi,
  type FleetTokenTicket as FleetTokenTicketApi,
} from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ApiErrors } from '../../kernel/index.js';
import { EnrolmentErrors } from '../errors.js';
import { fleetTokenStatus, type FleetTokens, type StoredFleetToken } from '../fleet.js';
import { enrolCommandOf, installCommands } from '../host-add.js';
import { actor, requestHostName, type EnrolmentApiDeps } from './host-actions.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody, 409: ApiErrorBody, 503: ApiErrorBody };
const DAY_MS = 24 * 60 * 60 * 1000;

/** A fleet token as the API shows it: never the token, which only the creation answer carries. */
function presentFleetToken(t: StoredFleetToken, now = Date.now()): FleetTokenApi {
  return { ...t, status: fleetTokenStatus(t, now) };
}

/**
 * Fleet tokens (docs/api.md, "Fleet tokens"; docs/enrolment.md): reusable enrolment tokens that
 * register hosts on first contact. Administrators only. Creating one answers the token and the
 * install line once; listing shows how many hosts each registered, its limit and its expiry;
 * revoking refuses every later registration with it (hosts it registered stay enrolled).
 */
export async function fleetTokenRoutes(api: FastifyInstance, deps: { enrolment?: EnrolmentApiDeps | undefined }): Promise<void> {
  function fleet(): { e: EnrolmentApiDeps; tokens: FleetTokens } {
    const e = deps.enrolment;
    if (!e?.fleet) throw ApiErrors.UNAVAILABLE('fleet tokens are not available: this core runs without the agent registry');
    return { e, tokens: e.fleet };
  }

  api.get(
    '/fleet-tokens',
    { config: { access: 'admin' }, schema: { tags: ['fleet-tokens'], operationId: 'listFleetTokens', summary: 'List fleet tokens', response: { 200: Type.Array(FleetToken), ...errors } } },
    async (): Promise<FleetTokenApi[]> => (await fleet().tokens.list()).map((t) => presentFleetToken(t)),
  );

  api.get<{ Params: IdParams }>(
    '/fleet-tokens/:id',
    { config: { access: 'admin' }, schema: { tags: ['fleet-tokens'], operationId: 'getFleetToken', summary: 'Get one fleet token', params: IdParams, response: { 200: FleetToken, ...errors } } },
    async (request): Promise<FleetTokenApi> => {
      const token = await fleet().tokens.get(request.params.id);
      if (!token) throw EnrolmentErrors.FLEET_TOKEN_NOT_FOUND(String(request.params.id));
      return presentFleetToken(token);
    },
  );

  api.post<{ Body: FleetTokenInput }>(
    '/fleet-tokens',
    { config: { access: 'admin' }, schema: { tags: ['fleet-tokens'], operationId: 'createFleetToken', summary: 'Create a fleet token (its secret is shown once)', body: FleetTokenInput, response: { 201: FleetTokenTicket, ...errors } } },
    async (request, reply): Promise<FleetTokenTicketApi> => {
      const { e, tokens } = fleet();
      const { name, ttlDays, maxHosts, groupIds, tags } = request.body;
      const caFingerprint = e.transport.caFingerprint;
      if (!caFingerprint) throw ApiErrors.UNAVAILABLE('the MQTT listener has not started yet (no CA fingerprint to give the agent)');
      // Before anything is stored: without packages there is no install line to give.
      const packagesSha256 = await e.packages.get().then(
        (index) => index.sums.sha256,
        (err: unknown) => {
          throw ApiErrors.UNAVAILABLE(`the agent packages could not be built, so there is no install line to give: ${(err as Error).message}`);
        },
      );
      const server = request.body.server ?? e.defaultServer ?? requestHostName(request);
      const created = await tokens.create({ name, ttlMs: ttlDays * DAY_MS, maxHosts: maxHosts ?? null, groupIds, tags, createdBy: actor(request) });
      const ports = { caFingerprint, httpPort: e.httpPort(), mqttPort: e.transport.mqttPort };
      const { installCommand } = installCommands({ ...ports, packagesSha256, console: e.console }, { server, token: created.token });
      request.auditNote = {
        action: 'fleet-tokens.create',
        targetKind: 'fleet-token',
        targetId: created.fleetToken.id,
        // Never the token: the trail is readable by every administrator.
        summary: { name, ttlDays, maxHosts: maxHosts ?? null, groupIds, tags, server, expiresAt: created.fleetToken.expiresAt },
      };
      return reply.status(201).send({
        fleetToken: presentFleetToken(created.fleetToken),
        token: created.token,
        installCommand,
        enrolCommand: enrolCommandOf(ports, { server, token: created.token }),
        caFingerprint,
      });
    },
  );

  api.post<{ Params: IdParams }>(
    '/fleet-tokens/:id/revoke',
    { config: { access: 'admin' }, schema: { tags: ['fleet-tokens'], operationId: 'revokeFleetToken', summary: 'Revoke a fleet token', params: IdParams, response: { 200: FleetToken, ...errors } } },
    async (request): Promise<FleetTokenApi> => {
      const { tokens } = fleet();
      const { id } = request.params;
      const changed = await tokens.revoke(id);
      const token = (await tokens.get(id))!;
      request.auditNote = { action: 'fleet-tokens.revoke', targetKind: 'fleet-token', targetId: id, summary: { name: token.name, alreadyRevoked: !changed } };
      return presentFleetToken(token);
    },
  );
}
