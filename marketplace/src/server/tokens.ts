import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Publisher API tokens: `pmk_<publisher id>_<43 base64url characters>`, the secret part 256
 * random bits. The database keeps only `hmac-sha256$<salt>$<digest>`, an HMAC-SHA256 of the
 * secret keyed with a random 128-bit salt. A slow hash (scrypt) protects guessable passwords;
 * a 256-bit random secret cannot be guessed, so a salted fast hash is enough and keeps every
 * publish request cheap. The publisher id in the token finds the row to compare with.
 */
export interface IssuedToken {
  token: string;
  hash: string;
}

const TOKEN = /^pmk_(\d{1,10})_([A-Za-z0-9_-]{43})$/;

/** A fresh token for publisher `id` and the hash to store. */
export function issueToken(publisherId: number): IssuedToken {
  const secret = randomBytes(32).toString('base64url');
  return { token: `pmk_${publisherId}_${secret}`, hash: hashSecret(secret, randomBytes(16).toString('hex')) };
}

/** The publisher id a token claims, and its secret; undefined for anything not shaped like a token. */
export function parseToken(token: string): { publisherId: number; secret: string } | undefined {
  const m = TOKEN.exec(token);
  return m ? { publisherId: Number(m[1]), secret: m[2]! } : undefined;
}

/** Compares a presented secret with a stored hash in constant time. */
export function tokenMatches(secret: string, stored: string): boolean {
  const [scheme, salt, digest] = stored.split('$');
  if (scheme !== 'hmac-sha256' || !salt || !digest) return false;
  const expected = Buffer.from(digest, 'hex');
  const actual = Buffer.from(hashSecret(secret, salt).split('$')[2]!, 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function hashSecret(secret: string, salt: string): string {
  return `hmac-sha256$${salt}$${createHmac('sha256', Buffer.from(salt, 'hex')).update(secret).digest('hex')}`;
}
