import {
  ApiErrorBody,
  IdParams,
  RegistrationPreview,
  RegistrationPreviewRequest,
  RegistrationRule,
  RegistrationRuleInput,
  RegistrationRuleOrder,
  type RegistrationPreview as RegistrationPreviewApi,
  type RegistrationRule as RegistrationRuleApi,
} from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/index.js';
import { EnrolmentErrors } from '../errors.js';
import { createSequelizeFleetStore } from '../fleet-store.js';
import { matchRules } from '../fleet.js';

const errors = { 400: ApiErrorBody, 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody, 409: ApiErrorBody };
const RuleList = Type.Array(RegistrationRule);

/**
 * Registration rules (docs/api.md, "Registration rules"; docs/enrolment.md): ordered rules that
 * put a host a fleet token registers into host groups by what its agent reports. Read and
 * written by administrators; a rule applies to registrations after it was saved, never to
 * hosts that exist already. `preview` answers which rules and groups a host would get.
 */
export async function registrationRuleRoutes(api: FastifyInstance, deps: { db: Database }): Promise<void> {
  const store = createSequelizeFleetStore(deps.db);

  api.get('/registration-rules', { config: { access: 'admin' }, schema: { tags: ['registration-rules'], operationId: 'listRegistrationRules', summary: 'List registration rules in the order they apply', response: { 200: RuleList, ...errors } } }, async (): Promise<RegistrationRuleApi[]> =>
    store.listRules(),
  );

  api.post<{ Body: RegistrationRuleInput }>(
    '/registration-rules',
    { config: { access: 'admin' }, schema: { tags: ['registration-rules'], operationId: 'createRegistrationRule', summary: 'Create a registration rule', body: RegistrationRuleInput, response: { 201: RegistrationRule, ...errors } } },
    async (request, reply): Promise<RegistrationRuleApi> => {
      const rule = await store.createRule(request.body, Date.now());
      request.auditNote = { action: 'registration-rules.create', targetKind: 'registration-rule', targetId: rule.id, summary: request.body };
      return reply.status(201).send(rule);
    },
  );

  // Registered before `/:id` so that `order` is never read as an id.
  api.put<{ Body: RegistrationRuleOrder }>(
    '/registration-rules/order',
    { config: { access: 'admin' }, schema: { tags: ['registration-rules'], operationId: 'orderRegistrationRules', summary: 'Set the order of the registration rules', body: RegistrationRuleOrder, response: { 200: RuleList, ...errors } } },
    async (request): Promise<RegistrationRuleApi[]> => {
      const rules = await store.reorderRules(request.body.ids, Date.now());
      request.auditNote = { action: 'registration-rules.order', targetKind: 'registration-rule', targetId: null, summary: request.body };
      return rules;
    },
  );

  api.put<{ Params: IdParams; Body: RegistrationRuleInput }>(
    '/registration-rules/:id',
    { config: { access: 'admin' }, schema: { tags: ['registration-rules'], operationId: 'updateRegistrationRule', summary: 'Replace a registration rule (every field)', params: IdParams, body: RegistrationRuleInput, response: { 200: RegistrationRule, ...errors } } },
    async (request): Promise<RegistrationRuleApi> => {
      const rule = await store.updateRule(request.params.id, request.body, Date.now());
      request.auditNote = { action: 'registration-rules.update', targetKind: 'registration-rule', targetId: rule.id, summary: request.body };
      return rule;
    },
  );

  api.delete<{ Params: IdParams }>(
    '/registration-rules/:id',
    { config: { access: 'admin' }, schema: { tags: ['registration-rules'], operationId: 'deleteRegistrationRule', summary: 'Delete a registration rule', params: IdParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      await store.deleteRule(request.params.id);
      request.auditNote = { action: 'registration-rules.delete', targetKind: 'registration-rule', targetId: request.params.id, summary: null };
      return reply.status(204).send();
    },
  );

  api.post<{ Body: RegistrationPreviewRequest }>(
    '/registration-rules/preview',
    {
      config: { access: 'admin', configChange: false, audit: false },
      schema: { tags: ['registration-rules'], operationId: 'previewRegistration', summary: 'Show what the rules would make of an agent that registers', body: RegistrationPreviewRequest, response: { 200: RegistrationPreview, ...errors } },
    },
    async (request): Promise<RegistrationPreviewApi> => {
      const { fleetTokenId, ...facts } = request.body;
      const matched = matchRules(await store.listRules(), facts);
      let tokenGroups: number[] = [];
      if (fleetTokenId !== undefined) {
        const token = await store.getFleetToken(fleetTokenId);
        if (!token) throw EnrolmentErrors.FLEET_TOKEN_NOT_FOUND(String(fleetTokenId), { field: 'fleetTokenId' });
        tokenGroups = token.groupIds;
      }
      return { ruleIds: matched.ruleIds, groupIds: [...new Set([...tokenGroups, ...matched.groupIds])].sort((a, b) => a - b) };
    },
  );
}
