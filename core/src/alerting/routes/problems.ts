import { Acknowledgement, AcknowledgementInput, ApiErrorBody, IdParams, Silence, SilenceInput, type Acknowledgement as AcknowledgementApi, type Silence as SilenceApi } from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/index.js';
import { ApiErrors } from '../../kernel/index.js';
import type { ActionLinks } from '../action-links.js';
import { AlertErrors } from '../errors.js';
import { acknowledge, createSilence, deleteSilence, presentAcknowledgement, presentSilence, resolveProblem, unacknowledge, updateSilence } from '../problems.js';
import { loadAcknowledgements, loadSilences } from '../suppression.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody, 503: ApiErrorBody };
const ActionLink = Type.Object({
  id: Type.String(),
  problem: Type.String(),
  action: Type.String(),
  recipient: Type.String(),
  createdAt: Type.Integer(),
  expiresAt: Type.Integer(),
  usedAt: Type.Union([Type.Integer(), Type.Null()]),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
});
const noContent = Type.Null();

/**
 * Acknowledgements and silences (docs/api.md, "Problems"; docs/alerts.md): viewers see them,
 * operators acknowledge, silence and remove them, administrators edit a silence.
 */
export async function problemRoutes(api: FastifyInstance, db: Database, options: { now?: () => number; links?: Pick<ActionLinks, 'list' | 'revoke'> } = {}): Promise<void> {
  const now = options.now ?? Date.now;
  const links = options.links;

  api.get<{ Querystring: { problem: string } }>(
    '/action-links',
    {
      config: { access: 'viewer' },
      schema: { tags: ['problems'], operationId: 'listActionLinks', summary: 'List the action links sent for one problem', querystring: Type.Object({ problem: Type.String({ pattern: '^(h:[0-9]+(:p:[0-9]+)?|s:[0-9]+)$' }) }, { additionalProperties: false }), response: { 200: Type.Array(ActionLink), ...errors } },
    },
    async (request) => {
      if (!links) throw ApiErrors.UNAVAILABLE('action links are not available: this core runs without them');
      return links.list(request.query.problem);
    },
  );

  api.delete<{ Params: { id: string } }>(
    '/action-links/:id',
    { config: { access: 'operator', configChange: false }, schema: { tags: ['problems'], operationId: 'revokeActionLink', summary: 'Revoke an action link', params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 204: noContent, ...errors } } },
    async (request, reply) => {
      if (!links) throw ApiErrors.UNAVAILABLE('action links are not available: this core runs without them');
      if (!(await links.revoke(request.params.id))) throw ApiErrors.NOT_FOUND(`action link ${request.params.id} (or revoked already)`);
      request.auditNote = { action: 'problems.link.revoke', targetKind: 'action-link', targetId: request.params.id, summary: null };
      return reply.status(204).send();
    },
  );

  api.get(
    '/acknowledgements',
    { config: { access: 'viewer' }, schema: { tags: ['problems'], operationId: 'listAcknowledgements', summary: 'List the acknowledged problems', response: { 200: Type.Array(Acknowledgement), ...errors } } },
    async (): Promise<AcknowledgementApi[]> => (await loadAcknowledgements(db)).map(presentAcknowledgement),
  );

  api.post<{ Body: AcknowledgementInput }>(
    '/acknowledgements',
    { config: { access: 'operator', configChange: false }, schema: { tags: ['problems'], operationId: 'acknowledgeProblem', summary: 'Acknowledge a problem', body: AcknowledgementInput, response: { 201: Acknowledgement, ...errors } } },
    async (request, reply): Promise<AcknowledgementApi> => {
      const problem = await resolveProblem(db, request.body.problem);
      const ack = await acknowledge(db, { problem, comment: request.body.comment, sticky: request.body.sticky, by: request.user!.name }, now());
      request.auditNote = { action: 'problems.acknowledge', targetKind: 'problem', targetId: ack.problem, summary: { comment: ack.comment, sticky: ack.sticky, severity: ack.severity } };
      void reply.status(201);
      return ack;
    },
  );

  api.delete<{ Params: IdParams }>(
    '/acknowledgements/:id',
    { config: { access: 'operator', configChange: false }, schema: { tags: ['problems'], operationId: 'deleteAcknowledgement', summary: 'Withdraw an acknowledgement', params: IdParams, response: { 204: noContent, ...errors } } },
    async (request, reply) => {
      if (!(await unacknowledge(db, request.params.id, request.user!.name, now()))) throw AlertErrors.ACKNOWLEDGEMENT_NOT_FOUND(`acknowledgement ${request.params.id}`);
      request.auditNote = { action: 'problems.unacknowledge', targetKind: 'acknowledgement', targetId: request.params.id, summary: null };
      return reply.status(204).send();
    },
  );

  api.get(
    '/silences',
    { config: { access: 'viewer' }, schema: { tags: ['problems'], operationId: 'listSilences', summary: 'List silences', response: { 200: Type.Array(Silence), ...errors } } },
    async (): Promise<SilenceApi[]> => (await loadSilences(db)).map((s) => presentSilence(s, now())),
  );

  api.post<{ Body: SilenceInput }>(
    '/silences',
    { config: { access: 'operator', configChange: false }, schema: { tags: ['problems'], operationId: 'createSilence', summary: 'Create a silence', body: SilenceInput, response: { 201: Silence, ...errors } } },
    async (request, reply): Promise<SilenceApi> => {
      const silence = await createSilence(db, request.body, request.user!.name, now());
      request.auditNote = { action: 'silences.create', targetKind: 'silence', targetId: silence.id, summary: request.body };
      void reply.status(201);
      return silence;
    },
  );

  api.put<{ Params: IdParams; Body: SilenceInput }>(
    '/silences/:id',
    { config: { access: 'admin', configChange: false }, schema: { tags: ['problems'], operationId: 'updateSilence', summary: 'Replace a silence (every field)', params: IdParams, body: SilenceInput, response: { 200: Silence, ...errors } } },
    async (request): Promise<SilenceApi> => {
      const silence = await updateSilence(db, request.params.id, request.body, now());
      request.auditNote = { action: 'silences.update', targetKind: 'silence', targetId: silence.id, summary: request.body };
      return silence;
    },
  );

  api.delete<{ Params: IdParams }>(
    '/silences/:id',
    { config: { access: 'operator', configChange: false }, schema: { tags: ['problems'], operationId: 'deleteSilence', summary: 'Delete a silence', params: IdParams, response: { 204: noContent, ...errors } } },
    async (request, reply) => {
      const removed = await deleteSilence(db, request.params.id);
      request.auditNote = { action: 'silences.delete', targetKind: 'silence', targetId: removed.id, summary: { name: removed.name } };
      return reply.status(204).send();
    },
  );
}
