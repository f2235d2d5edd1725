import { generateToken, hashToken, tokenMatches } from './tokens.js';

/**
 * The one-time link that creates the first administrator. The token exists only in this
 * process's memory, and only as a hash: a restart issues a new one and the old link dies.
 */
export interface SetupTokens {
  /** Issues a new token (replacing any previous one) and returns it in clear, once. */
  issue(): { token: string; expiresAt: number };
  /** True when a usable token exists. */
  pending(): boolean;
  /** Checks and consumes the token: true at most once per issued token. */
  consume(token: string): boolean;
  /** Forgets the token (for instance when a user was created from the shell meanwhile). */
  clear(): void;
}

export function createSetupTokens(config: { ttlMs: number }, now: () => number = Date.now): SetupTokens {
  let current: { hash: string; expiresAt: number } | undefined;
  const live = () => (current && current.expiresAt > now() ? current : undefined);
  return {
    issue() {
      const token = generateToken();
      const expiresAt = now() + config.ttlMs;
      current = { hash: hashToken(token), expiresAt };
      return { token, expiresAt };
    },
    pending: () => live() !== undefined,
    consume(token) {
      const c = live();
      if (!c || typeof token !== 'string' || !tokenMatches(token, c.hash)) return false;
      current = undefined;
      return true;
    },
    clear() {
      current = undefined;
    },
  };
}
