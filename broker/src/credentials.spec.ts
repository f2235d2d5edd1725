import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSecretHasher, generateSecret } from './credentials.js';

describe('secret hasher', () => {
  const hasher = createSecretHasher(randomBytes(32));

  it('verifies the secret it hashed', () => {
    const secret = generateSecret();
    assert.equal(hasher.verify(secret, hasher.hash(secret)), true);
  });

  it('refuses a wrong secret', () => {
    const stored = hasher.hash(generateSecret());
    assert.equal(hasher.verify(generateSecret(), stored), false);
    assert.equal(hasher.verify('', stored), false);
  });

  it('refuses a tampered or malformed hash', () => {
    const secret = generateSecret();
    const stored = hasher.hash(secret);
    const [v, salt, mac] = stored.split('$') as [string, string, string];
    const flipped = mac.slice(0, -2) + (mac.at(-2) === 'A' ? 'B' : 'A') + mac.at(-1);
    assert.equal(hasher.verify(secret, `${v}$${salt}$${flipped}`), false);
    assert.equal(hasher.verify(secret, `${v}$${generateSecret().slice(0, 22)}$${mac}`), false);
    assert.equal(hasher.verify(secret, `v2$${salt}$${mac}`), false);
    assert.equal(hasher.verify(secret, `${v}$${salt}`), false);
    assert.equal(hasher.verify(secret, `${v}$${salt}$${mac.slice(1)}`), false);
    assert.equal(hasher.verify(secret, ''), false);
  });

  it('gives two different hashes for the same secret', () => {
    const secret = generateSecret();
    const a = hasher.hash(secret);
    const b = hasher.hash(secret);
    assert.notEqual(a, b);
    assert.match(a, /^v1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  });

  it('does not verify a hash made with another pepper', () => {
    const secret = generateSecret();
    assert.equal(createSecretHasher(randomBytes(32)).verify(secret, hasher.hash(secret)), false);
  });

  it('refuses a short pepper', () => {
    assert.throws(() => createSecretHasher(Buffer.alloc(8)), RangeError);
  });

  it('generates 256-bit base64url secrets that differ', () => {
    const a = generateSecret();
    assert.equal(Buffer.from(a, 'base64url').length, 32);
    assert.notEqual(a, generateSecret());
  });
});
