import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { createAuth, type AuthStore, type AuthUser } from './auth.js';
import { createAttemptLimiter } from './limiter.js';
import { hashPassword, passwordProblem, verifyPassword } from './password.js';
import { roleAllows } from '../kernel/index.js';
import { createSetupTokens } from './setup-token.js';

describe('passwords', () => {
  it('hash as scrypt$N$r$p$salt$hash with a random salt and verify in constant time', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b, 'salted');
    assert.equal(await verifyPassword('correct horse battery', a), true);
    assert.equal(await verifyPassword('correct horse batterz', a), false);
  });

  it('never verify against a malformed or hostile stored value', async () => {
    for (const stored of ['', 'plain', 'scrypt$1$1$1$$', `scrypt$${2 ** 30}$8$1$c2FsdA$${'A'.repeat(43)}`, 'bcrypt$x$y$z$a$b']) {
      assert.equal(await verifyPassword('x', stored), false, stored);
    }
  });

  it('refuse weak passwords', () => {
    assert.match(passwordProblem('short') ?? '', /12 characters/);
    assert.match(passwordProblem('aaaaaaaaaaaaaaaa') ?? '', /different/);
    assert.match(passwordProblem('my name is alice!', 'alice') ?? '', /user name/);
    assert.equal(passwordProblem('a fine long passphrase', 'bob'), undefined);
  });
});

describe('roles', () => {
  it('each role includes the ones below it', () => {
    assert.equal(roleAllows('admin', 'operator'), true);
    assert.equal(roleAllows('operator', 'viewer'), true);
    assert.equal(roleAllows('operator', 'admin'), false);
    assert.equal(roleAllows('viewer', 'operator'), false);
  });
});

describe('attempt limiter', () => {
  it('counts failures per key and window; after max of them, tells how long to wait', () => {
    let t = 1_000;
    const limiter = createAttemptLimiter({ max: 2, windowMs: 60_000 }, () => t);
    assert.equal(limiter.check(['a']).allowed, true);
    limiter.fail(['a']);
    assert.equal(limiter.check(['a']).allowed, true, 'checking counts nothing');
    assert.equal(limiter.check(['a']).allowed, true);
    t += 10_000;
    limiter.fail(['a']);
    assert.deepEqual(limiter.check(['a']), { allowed: false, retryAfterMs: 50_000 });
    assert.equal(limiter.check(['b']).allowed, true, 'other keys unaffected');
    assert.deepEqual(limiter.check(['b', 'a']), { allowed: false, retryAfterMs: 50_000 }, 'any key over the limit blocks');
    t += 50_000;
    assert.equal(limiter.check(['a']).allowed, true, 'a new window');
    limiter.fail(['a']);
    limiter.fail(['a']);
    limiter.reset('a');
    assert.equal(limiter.check(['a']).allowed, true);
  });
});

describe('setup tokens', () => {
  it('are single use and expire', () => {
    let t = 0;
    const tokens = createSetupTokens({ ttlMs: 1_000 }, () => t);
    const { token } = tokens.issue();
    assert.equal(tokens.consume('wrong'), false);
    assert.equal(tokens.consume(token), true);
    assert.equal(tokens.consume(token), false, 'single use');
    const second = tokens.issue();
    t = 1_000;
    assert.equal(tokens.pending(), false);
    assert.equal(tokens.consume(second.token), false, 'expired');
  });
});

describe('createAuth', () => {
  function memoryStore(): AuthStore & { sessions: Map<string, { userId: number; expiresAt: Date }> } {
    const users: (AuthUser & { passwordHash: string })[] = [];
    const sessions = new Map<string, { userId: number; expiresAt: Date }>();
    return {
      sessions,
      countUsers: async () => users.length,
      findUserByName: async (name) => users.find((u) => u.name === name),
      findUserById: async (id) => users.find((u) => u.id === id),
      createUser: async (u) => {
        const user = { ...u, id: users.length + 1 };
        users.push(user);
        return user;
      },
      createSession: async (s) => void sessions.set(s.tokenHash, s),
      findSession: async (hash, now) => {
        const s = sessions.get(hash);
        return s && s.expiresAt > now ? s : undefined;
      },
      deleteSession: async (hash) => void sessions.delete(hash),
      deleteExpiredSessions: async () => 0,
      touchLogin: async () => {},
    };
  }

  it('sign-in limits count failures, not successes, per address and per name', async () => {
    const store = memoryStore();
    const auth = createAuth({ sessionTtlMs: 60_000, setupTokenTtlMs: 60_000, loginAttempts: 5, loginWindowMs: 60_000 }, { store, logger: silentLogger() });
    const setup = await auth.issueSetupToken();
    await auth.completeSetup({ token: setup!.token, name: 'root', password: 'a long admin password', ip: '10.0.0.1' });
    // An office behind one address: twenty people sign in within the minute.
    for (let i = 0; i < 20; i++) await auth.login('root', 'a long admin password', '10.0.0.1');
    const code = (p: Promise<unknown>) => p.then(() => 'ok', (err: { code?: string }) => err.code);
    // Four wrong passwords from that address, then the right one: still allowed (and it clears the name).
    for (let i = 0; i < 4; i++) assert.equal(await code(auth.login('root', 'wrong password!!', '10.0.0.1')), 'CORE_API_BAD_CREDENTIALS');
    assert.equal(await code(auth.login('root', 'a long admin password', '10.0.0.1')), 'ok');
    // A guesser from elsewhere: five failures for the name, then even the right password waits.
    for (let i = 0; i < 5; i++) assert.equal(await code(auth.login('root', `guess ${i} password`, '192.0.2.7')), 'CORE_API_BAD_CREDENTIALS');
    assert.equal(await code(auth.login('root', 'a long admin password', '192.0.2.7')), 'CORE_API_TOO_MANY_ATTEMPTS');
  });

  it('sessions expire after their lifetime and are stored only hashed', async () => {
    let t = 1_000_000;
    const store = memoryStore();
    const auth = createAuth({ sessionTtlMs: 60_000, setupTokenTtlMs: 60_000, loginAttempts: 5, loginWindowMs: 60_000 }, { store, logger: silentLogger(), now: () => t });
    const setup = await auth.issueSetupToken();
    const { token } = await auth.completeSetup({ token: setup!.token, name: 'root', password: 'a long admin password', ip: '1.2.3.4' });
    assert.equal(store.sessions.has(token), false);
    assert.equal((await auth.authenticate(token))?.name, 'root');
    t += 60_000;
    assert.equal(await auth.authenticate(token), undefined);
  });
});
