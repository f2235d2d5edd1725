import { Timestamp } from '../schema-common.js';
import { type Static, Type } from '@sinclair/typebox';
import { Description, Name, ObjectId } from './common.js';

/** The REST API's shapes (protocol/src/api.ts): services. */

/** A member of a service's structure: one host or one group. */
export const Member = Type.Object({ kind: Type.Union([Type.Literal('host'), Type.Literal('group')]), id: ObjectId }, { additionalProperties: false });
export type Member = Static<typeof Member>;

export const RedundancyGroup = Type.Object(
  { /** Default `group N` (unique within the service). */ name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), members: Type.Array(Member, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

export const Service = Type.Object({
  id: ObjectId,
  name: Type.String(),
  description: Type.String(),
  /** Each must be healthy for the service to be healthy. */
  dependencies: Type.Array(Member),
  /** In each, at least one member must be healthy. */
  redundancyGroups: Type.Array(Type.Object({ name: Type.String(), members: Type.Array(Member) })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Service = Static<typeof Service>;

export const ServiceInput = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    dependencies: Type.Array(Member, { maxItems: 1000, default: [] }),
    redundancyGroups: Type.Array(RedundancyGroup, { maxItems: 100, default: [] }),
  },
  { additionalProperties: false },
);
export type ServiceInput = Static<typeof ServiceInput>;
