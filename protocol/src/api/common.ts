import { RESULT_TYPES, SEVERITIES } from '../severity.js';
import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** The REST API's shapes (protocol/src/api.ts): building blocks. */

export const SeverityName = Type.Union(SEVERITIES.map((s) => Type.Literal(s)));
export const ResultTypeName = Type.Union(RESULT_TYPES.map((t) => Type.Literal(t)));

/** Numeric id of a configuration object (database row). */
export const ObjectId = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const IdParams = Type.Object({ id: ObjectId }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

export const ROLE_NAMES = ['viewer', 'operator', 'admin'] as const;
export const RoleName = Type.Union(ROLE_NAMES.map((r) => Type.Literal(r)));

export const Name = Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' });
export const Description = Type.String({ maxLength: 2000 });

/** Query of every list endpoint: `q` searches names (and descriptions), `sort` is `field` or `-field`. */
export const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    sort: Type.Optional(Type.String({ maxLength: 64, pattern: '^-?[A-Za-z][A-Za-z0-9]*$' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

/** One page of a list, with the total number of matching objects. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() });
export interface PageOf<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Body of every error response. `details.field` names the offending field of a validation error. */
export const ApiErrorBody = Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) });
export type ApiErrorBody = Static<typeof ApiErrorBody>;

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const Ids = (maxItems = 10_000) => Type.Array(ObjectId, { maxItems, uniqueItems: true, default: [] });
