import { ROLE_NAMES, type ApiToken, type ApiTokenInput } from '../../core/protocol';

type Role = ApiToken['role'];

/** What a token may do, as the role select explains it. */
export const TOKEN_ROLE_HELP: Readonly<Record<Role, string>> = {
  viewer: 'Viewer: reads everything, changes nothing.',
  operator: 'Operator: also runs checks now and acknowledges problems.',
  admin: 'Administrator: also changes the configuration and manages users.',
};

/** The roles a user may give a token: their own and those below it (the API refuses more, 403 naming `role`). */
export function rolesUpTo(role: Role): Role[] {
  return ROLE_NAMES.slice(0, ROLE_NAMES.indexOf(role) + 1);
}

export type TokenState = 'active' | 'expired' | 'revoked';

/** Revoked wins over expired: a revoked token never comes back, an expired one never did anything wrong. */
export function tokenState(token: Pick<ApiToken, 'revokedAt' | 'expiresAt'>, now: number): TokenState {
  if (token.revokedAt !== null) return 'revoked';
  return token.expiresAt <= now ? 'expired' : 'active';
}

const STATE_TEXT: Record<TokenState, string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked' };

export const stateText = (state: TokenState): string => STATE_TEXT[state];

/** A first request a script could make with the token, against the console's own address. */
export function curlExample(token: string, origin: string): string {
  return `curl -H "Authorization: Bearer ${token}" ${origin.replace(/\/+$/, '')}/api/hosts`;
}

/** The create form's values as the API takes them. */
export function apiTokenInput(value: { name: string; role: Role; expiresInDays: number | string }): ApiTokenInput {
  return { name: value.name.trim(), role: value.role, expiresInDays: Number(value.expiresInDays) };
}
