import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Random bearer tokens (sessions, the setup link). They carry 256 random bits, so a plain
 * SHA-256 is a sufficient one-way function for storage: there is nothing to brute-force,
 * unlike a password, and lookups by hash stay a single indexed query.
 */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 of a token, hex: what the database and memory keep instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of a token against a stored hash. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
