import { Timestamp } from '../schema-common.js';
import { type Static, Type } from '@sinclair/typebox';
import { Name, Nullable, ObjectId, RoleName } from './common.js';

/** The REST API's shapes (protocol/src/api.ts): auth and users. */

export const LoginRequest = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 128 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

export const SetupRequest = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 128 }), name: Name, password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
export type SetupRequest = Static<typeof SetupRequest>;

export const SetupStatus = Type.Object({ required: Type.Boolean() });

export const User = Type.Object({
  id: ObjectId,
  name: Type.String(),
  role: RoleName,
  lastLoginAt: Nullable(Timestamp),
  createdAt: Timestamp,
});
export type User = Static<typeof User>;

export const UserInput = Type.Object(
  {
    name: Name,
    role: RoleName,
    /** Required when creating; on update, omitted keeps the current password. */
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type UserInput = Static<typeof UserInput>;

export const Me = Type.Object({ id: ObjectId, name: Type.String(), role: RoleName, expiresAt: Timestamp });
export type Me = Static<typeof Me>;

/** An API token (docs/api.md, "API tokens"): a bearer credential for scripts, with a role no higher than its owner's. */
export const ApiToken = Type.Object({
  id: ObjectId,
  name: Type.String(),
  /** The user it acts for; it never has more rights than they have now. */
  userName: Type.String(),
  role: RoleName,
  expiresAt: Timestamp,
  createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
});
export type ApiToken = Static<typeof ApiToken>;

export const ApiTokenInput = Type.Object(
  {
    name: Name,
    /** Default: the creator's own role; never higher. */
    role: Type.Optional(RoleName),
    expiresInDays: Type.Integer({ minimum: 1, maximum: 365, default: 90 }),
  },
  { additionalProperties: false },
);
export type ApiTokenInput = Static<typeof ApiTokenInput>;

/** The answer to a creation: the token itself, shown this once. */
export const ApiTokenCreated = Type.Composite([ApiToken, Type.Object({ token: Type.String() })]);
export type ApiTokenCreated = Static<typeof ApiTokenCreated>;
