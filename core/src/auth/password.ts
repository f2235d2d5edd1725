import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (RFC 7914) from node:crypto. A stored hash names its own
 * parameters, `scrypt$N$r$p$salt$hash` (salt and hash base64url), so the cost can be raised
 * later without invalidating existing passwords.
 */
const SCRYPT_DEFAULTS = {
  N: 2 ** 15, // CPU/memory cost: 32 MiB of memory per hash with r = 8, about 50–100 ms
  r: 8,
  p: 1,
  saltBytes: 16,
  keyBytes: 32,
} as const;

/** Shortest password a user may choose (NIST SP 800-63B asks for at least 8; we ask for 12). */
const MIN_PASSWORD_LENGTH = 12;
/** Longest password accepted, so a megabyte of "password" cannot be used to burn CPU. */
const MAX_PASSWORD_LENGTH = 1024;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFKC'), salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `maxmem` must cover 128 · N · r bytes plus slack, or node refuses the parameters. */
const maxmem = (N: number, r: number) => 128 * N * r * 2;

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string, params: { N: number; r: number; p: number } = SCRYPT_DEFAULTS): Promise<string> {
  const salt = randomBytes(SCRYPT_DEFAULTS.saltBytes);
  const key = await scrypt(password, salt, SCRYPT_DEFAULTS.keyBytes, { ...params, maxmem: maxmem(params.N, params.r) });
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * Verifies a password against a stored hash in constant time. A malformed stored value
 * verifies nothing (false), it never throws, so a damaged row cannot be used to sign in.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (salt.length === 0 || expected.length < 16) return false;
  const actual = await scrypt(password, salt, expected.length, { N, r, p, maxmem: maxmem(N, r) });
  return timingSafeEqual(actual, expected);
}

/** Why a password is refused, or `undefined` when it is acceptable. */
export function passwordProblem(password: string, userName?: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `it must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  if (password.length > MAX_PASSWORD_LENGTH) return `it must be at most ${MAX_PASSWORD_LENGTH} characters long`;
  if (new Set(password).size < 4) return 'it repeats too few different characters';
  if (userName && password.toLowerCase().includes(userName.toLowerCase())) return 'it must not contain the user name';
  return undefined;
}
