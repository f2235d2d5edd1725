import type { ApiToken, ApiTokenCreated, ApiTokenInput } from '@prophasis/protocol';
import { QueryTypes, type Sequelize } from 'sequelize';
import { ApiErrors, roleAllows, type Role } from '../kernel/index.js';
import type { AuthUser } from './auth.js';
import { generateToken, hashToken } from './tokens.js';

/** Every API token starts so: a scanner (and a person) can tell it from other secrets. */
const API_TOKEN_PREFIX = 'pht_';
const DAY_MS = 86_400_000;
/** `last_used_at` is written at most this often per token: a busy script does not write on every request. */
const TOUCH_EVERY_MS = 60_000;

interface Row {
  id: number | string;
  name: string;
  user_id: number | string;
  user_name: string;
  user_role: Role;
  role: Role;
  expires_at: number | string;
  created_at: number | string;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
}

const optional = (v: number | string | null) => (v == null ? null : Number(v));
const toApi = (r: Row): ApiToken => ({
  id: Number(r.id),
  name: r.name,
  userName: r.user_name,
  role: r.role,
  expiresAt: Number(r.expires_at),
  createdAt: Number(r.created_at),
  lastUsedAt: optional(r.last_used_at),
  revokedAt: optional(r.revoked_at),
});

/** API tokens (docs/api.md, "API tokens"): create, list, revoke, and turn a bearer token into its user. */
export interface ApiTokens {
  /** A token acting for `owner`, with a role no higher than theirs (400 naming `role` otherwise); the token is in the answer only. */
  create(owner: AuthUser, input: ApiTokenInput): Promise<ApiTokenCreated>;
  /** `viewer`'s own tokens; an administrator sees everyone's. */
  list(viewer: AuthUser): Promise<ApiToken[]>;
  /** Revokes a token of `viewer`'s own (an administrator: anyone's); 404 otherwise. */
  revoke(viewer: AuthUser, id: number): Promise<ApiToken>;
  /**
   * The user a bearer token acts for — named `owner (token name)` so the audit trail says which
   * token made a change, with the lower of the token's role and the owner's role now — or
   * undefined for an unknown, expired or revoked token.
   */
  authenticate(token: string): Promise<AuthUser | undefined>;
}

const SELECT = `SELECT t.id, t.name, t.user_id, u.name AS user_name, u.role AS user_role, t.role, t.expires_at, t.created_at, t.last_used_at, t.revoked_at
  FROM api_tokens t JOIN users u ON u.id = t.user_id`;

export function createApiTokens(deps: { sequelize: Sequelize; now?: () => number }): ApiTokens {
  const { sequelize } = deps;
  const now = deps.now ?? Date.now;
  const select = (where: string, replacements: Record<string, unknown>) =>
    sequelize.query<Row>(`${SELECT} ${where}`, { type: QueryTypes.SELECT, replacements });

  return {
    async create(owner, input) {
      const role = input.role ?? owner.role;
      if (!roleAllows(owner.role, role)) throw ApiErrors.FORBIDDEN(`role: a token cannot have more rights than its creator (${owner.role})`, { field: 'role' });
      const token = `${API_TOKEN_PREFIX}${generateToken()}`;
      const at = now();
      await sequelize.query('INSERT INTO api_tokens (name, token_hash, user_id, role, expires_at, created_at) VALUES (:name, :hash, :userId, :role, :expiresAt, :at)', {
        replacements: { name: input.name, hash: hashToken(token), userId: owner.id, role, expiresAt: at + input.expiresInDays * DAY_MS, at },
      });
      const [row] = await select('WHERE t.token_hash = :hash', { hash: hashToken(token) });
      return { ...toApi(row!), token };
    },

    async list(viewer) {
      const rows = viewer.role === 'admin' ? await select('ORDER BY t.id', {}) : await select('WHERE t.user_id = :userId ORDER BY t.id', { userId: viewer.id });
      return rows.map(toApi);
    },

    async revoke(viewer, id) {
      const [row] = await select('WHERE t.id = :id', { id });
      if (!row || (viewer.role !== 'admin' && Number(row.user_id) !== viewer.id)) throw ApiErrors.NOT_FOUND(`API token ${id}`);
      if (row.revoked_at == null) await sequelize.query('UPDATE api_tokens SET revoked_at = :at WHERE id = :id', { replacements: { at: now(), id } });
      const [after] = await select('WHERE t.id = :id', { id });
      return toApi(after!);
    },

    async authenticate(token) {
      if (!token.startsWith(API_TOKEN_PREFIX)) return undefined;
      const [row] = await select('WHERE t.token_hash = :hash', { hash: hashToken(token) });
      const at = now();
      if (!row || row.revoked_at != null || Number(row.expires_at) <= at) return undefined;
      if (row.last_used_at == null || at - Number(row.last_used_at) >= TOUCH_EVERY_MS) {
        await sequelize.query('UPDATE api_tokens SET last_used_at = :at WHERE id = :id', { replacements: { at, id: row.id } });
      }
      const role = roleAllows(row.user_role, row.role) ? row.role : row.user_role;
      return { id: Number(row.user_id), name: `${row.user_name} (token ${row.name})`, role };
    },
  };
}
