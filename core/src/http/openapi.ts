import { ApiErrorBody } from '@prophasis/protocol';
import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import type { FastifySchema, RouteOptions } from 'fastify';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
const MUTATING = new Set([...WITH_BODY, 'DELETE']);

/**
 * The operationId of a route that names none, from its method and URL
 * (`GET /downloads/:file` → `getDownloadsByFile`). A fallback only: the features name their
 * operations in their routes' schemas (docs/api.md, "Generating a client"), and a route left
 * without a summary fails core/test/api/openapi.test.ts.
 */
function fallbackOperationId(method: string, url: string): string {
  const words = url
    .split('/')
    .filter((s) => s && s !== 'api')
    .map((s) => (s.startsWith(':') ? `by-${s.slice(1)}` : s))
    .flatMap((s) => s.split(/[^a-zA-Z0-9]+/))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

/**
 * The error answers the server shell itself gives on an `/api` route, whatever its handler
 * does: 401 for a missing session or a refused API token (on every route, public ones included:
 * a token that does not open is never ignored), 403 for a role too low or a change from another
 * site, 400 for a request its schema refuses, 404 for an id that names nothing, 413 and 415 for a
 * body too large or not JSON, 500 for a fault.
 */
function shellErrors(method: string, url: string, access: string, schema: FastifySchema): number[] {
  const statuses = [401, 500];
  if (access !== 'public' || MUTATING.has(method)) statuses.push(403);
  if (schema.body || schema.querystring || schema.params || WITH_BODY.has(method)) statuses.push(400);
  if (url.includes('/:')) statuses.push(404);
  if (WITH_BODY.has(method)) statuses.push(413, 415);
  return statuses;
}

/**
 * Completes a route's OpenAPI description as it is added (the shell's `onRoute` hook, before
 * `@fastify/swagger` reads it): an operationId where the route names none, `security: []` on a
 * public `/api` route, and the `ApiErrorBody` answers of {@link shellErrors} the route does not
 * declare itself. Routes the document hides are left alone.
 */
export function describeRoute(route: RouteOptions, access: string, api: boolean): void {
  const schema: FastifySchema = route.schema ?? {};
  if (schema.hide) return;
  const method = String([route.method].flat()[0]).toUpperCase();
  if (method === 'HEAD') return;
  const described: FastifySchema = { ...schema, operationId: schema.operationId ?? fallbackOperationId(method, route.url) };
  if (api) {
    if (access === 'public' && !schema.security) described.security = [];
    const response = { ...(schema.response as Record<string, unknown> | undefined) };
    for (const status of shellErrors(method, route.url, access, schema)) if (!(status in response)) response[status] = ApiErrorBody;
    described.response = response;
  }
  route.schema = described;
}

type JsonSchema = { [key: string]: unknown };

/** What an error status means on this API, as the document describes the answer (docs/api.md, "Errors" has the codes). */
const ERROR_MEANING: Record<string, string> = {
  400: 'Invalid request: `details.field` names the field (body, query or path)',
  401: 'Not signed in, or the API token is unknown, expired or revoked',
  403: 'The role does not allow this, or the change came from another site',
  404: 'No such object',
  409: 'Conflicts with what is stored (a name in use, still referenced, a state that forbids it)',
  413: 'The request body is larger than 1 MiB',
  415: 'A change without `Content-Type: application/json`',
  429: 'Too many attempts: `Retry-After` says how many seconds to wait',
  500: 'Internal error: the core\'s log has the details',
  502: 'A marketplace registry could not be reached, or answered wrongly',
  503: 'The core runs without what this needs: the message says what',
};

/**
 * A copy of a request schema in which a property with a `default` is not required: the server
 * fills it in (ajv's `useDefaults`), so a client may leave it out (`limit` and `offset` of a
 * list, `expiresInDays` of a token). Validation keeps the schema as written.
 */
function optionalDefaults(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(optionalDefaults);
  if (!schema || typeof schema !== 'object') return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema as JsonSchema)) {
    if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([name, s]) => [name, optionalDefaults(s)]));
    } else if (key === 'required' || key === 'default' || key === 'examples' || key === 'const' || key === 'enum') {
      out[key] = value;
    } else {
      out[key] = optionalDefaults(value);
    }
  }
  const properties = out['properties'] as Record<string, JsonSchema | undefined> | undefined;
  if (Array.isArray(out['required']) && properties) {
    const required = (out['required'] as string[]).filter((name) => properties[name]?.['default'] === undefined);
    if (required.length) out['required'] = required;
    else delete out['required'];
  }
  return out;
}

/**
 * `@fastify/swagger`'s `transform`, for the document only: what a client must send (see
 * {@link optionalDefaults}), what each error status means, and a success answer for a route that
 * declares none.
 */
export const documentedSchema: SwaggerTransform = ({ schema, url }) => {
  if (!schema) return { schema, url };
  const documented: FastifySchema = { ...schema };
  if (schema.body) documented.body = optionalDefaults(schema.body);
  if (schema.querystring) documented.querystring = optionalDefaults(schema.querystring);
  const response = schema.response as Record<string, JsonSchema> | undefined;
  if (response) {
    const described = Object.fromEntries(
      Object.entries(response).map(([status, s]) => [status, ERROR_MEANING[status] && s['description'] === undefined ? { ...s, description: ERROR_MEANING[status] } : s]),
    );
    // A route that declares only its errors still succeeds: without this the document would say it never does.
    documented.response = Object.keys(response).some((status) => status.startsWith('2')) ? described : { 200: { description: 'Success' }, ...described };
  }
  return { schema: documented, url };
};

type Responses = Record<string, { content?: Record<string, { schema?: unknown }> }>;

/** Whether a schema, as the document renders it, is the error body `{ code, message, details? }`. */
function isErrorBody(schema: unknown): boolean {
  const s = schema as { type?: unknown; properties?: Record<string, unknown>; required?: unknown } | undefined;
  if (s?.type !== 'object' || !s.properties || !Array.isArray(s.required)) return false;
  const expected = Object.keys(ApiErrorBody.properties).sort();
  return JSON.stringify(Object.keys(s.properties).sort()) === JSON.stringify(expected) && JSON.stringify([...s.required].sort()) === JSON.stringify([...ApiErrorBody.required].sort());
}

/**
 * `@fastify/swagger`'s `transformObject`: every error answer refers to one
 * `components.schemas.ApiErrorBody` instead of repeating it, so a generated client has one error
 * type (`components['schemas']['ApiErrorBody']`). The document only: validation and
 * serialization keep the routes' schemas.
 */
export const sharedErrorBody: SwaggerTransformObject = (document) => {
  if (!('openapiObject' in document)) return document.swaggerObject;
  const doc = document.openapiObject as { paths?: Record<string, Record<string, { responses?: Responses }>>; components?: { schemas?: Record<string, unknown> } };
  let body: unknown;
  for (const item of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(item)) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (!/^[45]/.test(status)) continue;
        for (const media of Object.values(response.content ?? {})) {
          if (!isErrorBody(media.schema)) continue;
          body ??= media.schema;
          media.schema = { $ref: '#/components/schemas/ApiErrorBody' };
        }
      }
    }
  }
  if (body) {
    // Without the first answer's description ("Not signed in …"), which belongs to that answer.
    const { description: _answer, ...schema } = body as JsonSchema;
    const shared = { ...schema, description: 'Every error: a stable `code`, a `message` for people, `details` (docs/api.md, "Errors")' };
    doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, ApiErrorBody: shared } };
  }
  return document.openapiObject;
};
