/**
 * Roles, least to most privileged. Each includes what the previous may do: a viewer reads,
 * an operator also acknowledges and runs checks, an administrator also configures.
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who may call a route: `public` needs no session; the others need at least that role. */
export type Access = 'public' | Role;

/** True when `role` is allowed everything `required` is allowed. */
export function roleAllows(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
