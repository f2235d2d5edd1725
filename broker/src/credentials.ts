import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';

/** Hashes and verifies machine secrets; see {@link createSecretHasher}. */
export interface SecretHasher {
  hash(secret: string): string;
  verify(secret: string, stored: string): boolean;
}

const VERSION = 'v1';
const SALT_BYTES = 16;
const MAC_BYTES = 32;

/**
 * A salted keyed hash for machine-generated secrets: `v1$<salt>$<mac>` with
 * mac = HMAC-SHA256(pepper, salt || secret), both base64url.
 *
 * Why not scrypt: agent secrets are 256 random bits, so there is nothing to guess and a slow
 * hash buys no safety, while 10,000 agents reconnecting after a restart would cost minutes
 * of CPU with scrypt. The pepper (kept outside the database) means a stolen table alone does
 * not even allow offline checking; the salt makes equal secrets hash differently.
 */
export function createSecretHasher(pepper: Buffer): SecretHasher {
  if (pepper.length < 16) throw new RangeError('the pepper must be at least 16 bytes');
  // A KeyObject made once: createHmac with a raw Buffer converts it on every call, which
  // showed up in profiles of 10,000 agents reconnecting.
  const key = createSecretKey(pepper);
  const mac = (salt: Buffer, secret: string): Buffer => createHmac('sha256', key).update(salt).update(secret, 'utf8').digest();
  return {
    hash(secret) {
      const salt = randomBytes(SALT_BYTES);
      return `${VERSION}$${salt.toString('base64url')}$${mac(salt, secret).toString('base64url')}`;
    },
    verify(secret, stored) {
      const parts = stored.split('$');
      if (parts.length !== 3 || parts[0] !== VERSION) return false;
      const salt = Buffer.from(parts[1]!, 'base64url');
      const expected = Buffer.from(parts[2]!, 'base64url');
      if (salt.length !== SALT_BYTES || expected.length !== MAC_BYTES) return false;
      return timingSafeEqual(mac(salt, secret), expected);
    },
  };
}

/** A new machine secret: 256 random bits, base64url (43 characters). */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}
