/**
 * Fleet tokens (docs/enrolment.md, "Fleet tokens"): reusable enrolment tokens that register many
 * machines, each as a host under its own name. They are `pfleet_` followed by 32 random bytes in
 * base64url (50 characters); a host's single-use token is the 43 base64url characters alone, so
 * the length tells the two kinds apart for certain and the prefix tells a person. The core
 * issues and redeems them; an agent only needs to know that one may enrol many agents.
 */
export const FLEET_TOKEN_PREFIX = 'pfleet_';

/** True for a string of a fleet token's shape (whether the core issued it is the core's to say). */
export function isFleetToken(token: string): boolean {
  return token.length === FLEET_TOKEN_PREFIX.length + 43 && token.startsWith(FLEET_TOKEN_PREFIX);
}
