import type { Logger } from '@prophasis/protocol';
import { ApiErrors } from '../kernel/index.js';
import { createAttemptLimiter, type AttemptLimiter } from './limiter.js';
import { hashPassword, passwordProblem, verifyPassword } from './password.js';
import type { Role } from '../kernel/index.js';
import { createSetupTokens, type SetupTokens } from './setup-token.js';
import { generateToken, hashToken } from './tokens.js';
import type { ApiTokens } from './api-tokens.js';

/** A user as authentication sees it. */
export interface AuthUser {
  id: number;
  name: string;
  role: Role;
}

/**
 * What authentication needs from storage, declared here so the logic is testable without a
 * database (the sequelize adapter is in ./store.ts).
 */
export interface AuthStore {
  countUsers(): Promise<number>;
  findUserByName(name: string): Promise<(AuthUser & { passwordHash: string }) | undefined>;
  findUserById(id: number): Promise<AuthUser | undefined>;
  createUser(user: { name: string; role: Role; passwordHash: string }): Promise<AuthUser>;
  createSession(session: { tokenHash: string; userId: number; expiresAt: Date; ip: string | null; userAgent: string | null }): Promise<void>;
  /** The session's user when the session exists and has not expired. */
  findSession(tokenHash: string, now: Date): Promise<{ userId: number; expiresAt: Date } | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  deleteExpiredSessions(now: Date): Promise<number>;
  touchLogin(userId: number, at: Date): Promise<void>;
}

export interface AuthConfig {
  /** Lifetime of a session, ms. */
  sessionTtlMs: number;
  /** Lifetime of the first-run setup link, ms. */
  setupTokenTtlMs: number;
  /** Failed sign-ins allowed per IP address and per user name within `loginWindowMs`; successes do not count. */
  loginAttempts: number;
  loginWindowMs: number;
}

export interface Auth {
  /** Signs in; throws `CORE_API_BAD_CREDENTIALS` or `CORE_API_TOO_MANY_ATTEMPTS` (details.retryAfterMs). */
  login(name: string, password: string, ip: string): Promise<{ token: string; user: AuthUser; expiresAt: Date }>;
  /** The user a session token belongs to, or undefined. */
  authenticate(token: string | undefined): Promise<AuthUser | undefined>;
  /** The user an API token (`Authorization: Bearer pht_…`) acts for, or undefined (./api-tokens.ts). */
  authenticateBearer(token: string): Promise<AuthUser | undefined>;
  /** The session a token opens, with its expiry, or undefined. */
  session(token: string | undefined): Promise<{ user: AuthUser; expiresAt: Date } | undefined>;
  logout(token: string | undefined): Promise<void>;
  /** True while no user exists. */
  setupRequired(): Promise<boolean>;
  /** True while an unexpired, unused setup token exists. */
  setupPending(): boolean;
  /** When no user exists, issues a fresh setup token; otherwise undefined. */
  issueSetupToken(): Promise<{ token: string; expiresAt: number } | undefined>;
  /** Creates the first administrator with a setup token and signs them in. */
  completeSetup(input: { token: string; name: string; password: string; ip: string }): Promise<{ token: string; user: AuthUser; expiresAt: Date }>;
  /** Hashes a new password after checking its strength (`CORE_API_WEAK_PASSWORD`). */
  hashNewPassword(password: string, userName: string): Promise<string>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A hash of a random password, verified against when the user name is unknown so timing does not tell. */
let decoyHash: Promise<string> | undefined;

export function createAuth(
  config: AuthConfig,
  deps: { store: AuthStore; logger: Logger; now?: () => number; limiter?: AttemptLimiter; setupTokens?: SetupTokens; apiTokens?: Pick<ApiTokens, 'authenticate'> },
): Auth {
  const { store } = deps;
  const log = deps.logger.child({ component: 'auth' });
  const now = deps.now ?? Date.now;
  const limiter = deps.limiter ?? createAttemptLimiter({ max: config.loginAttempts, windowMs: config.loginWindowMs }, now);
  const setupTokens = deps.setupTokens ?? createSetupTokens({ ttlMs: config.setupTokenTtlMs }, now);
  let purgeTimer: NodeJS.Timeout | undefined;

  async function openSession(user: AuthUser, ip: string, userAgent: string | null = null) {
    const token = generateToken();
    const expiresAt = new Date(now() + config.sessionTtlMs);
    await store.createSession({ tokenHash: hashToken(token), userId: user.id, expiresAt, ip, userAgent });
    await store.touchLogin(user.id, new Date(now()));
    return { token, user, expiresAt };
  }

  async function session(token: string | undefined): Promise<{ user: AuthUser; expiresAt: Date } | undefined> {
    if (!token || token.length > 128) return undefined;
    const found = await store.findSession(hashToken(token), new Date(now()));
    if (!found) return undefined;
    const user = await store.findUserById(found.userId);
    return user && { user, expiresAt: found.expiresAt };
  }

  async function hashNewPassword(password: string, userName: string): Promise<string> {
    const problem = passwordProblem(password, userName);
    if (problem) throw ApiErrors.WEAK_PASSWORD(problem, { field: 'password' });
    return hashPassword(password);
  }

  return {
    async login(name, password, ip) {
      const key = name.toLowerCase();
      const keys = [`ip:${ip}`, `user:${key}`];
      const verdict = limiter.check(keys);
      if (!verdict.allowed) {
        log.warn({ ip, user: name }, 'sign-in rate limit reached');
        throw ApiErrors.TOO_MANY_ATTEMPTS(undefined, { retryAfterMs: verdict.retryAfterMs });
      }
      const found = await store.findUserByName(name);
      if (!found) {
        await verifyPassword(password, await (decoyHash ??= hashPassword(generateToken())));
        log.info({ ip, user: name }, 'sign-in refused: unknown user');
        limiter.fail(keys);
        throw ApiErrors.BAD_CREDENTIALS();
      }
      if (!(await verifyPassword(password, found.passwordHash))) {
        log.info({ ip, user: name }, 'sign-in refused: wrong password');
        limiter.fail(keys);
        throw ApiErrors.BAD_CREDENTIALS();
      }
      limiter.reset(`user:${key}`);
      log.info({ ip, user: found.name }, 'signed in');
      return openSession({ id: found.id, name: found.name, role: found.role }, ip);
    },

    async authenticate(token) {
      return (await session(token))?.user;
    },

    authenticateBearer: async (token) => deps.apiTokens?.authenticate(token),

    session,

    async logout(token) {
      if (token) await store.deleteSession(hashToken(token));
    },

    async setupRequired() {
      return (await store.countUsers()) === 0;
    },

    setupPending: () => setupTokens.pending(),

    async issueSetupToken() {
      if ((await store.countUsers()) > 0) {
        setupTokens.clear();
        return undefined;
      }
      return setupTokens.issue();
    },

    async completeSetup({ token, name, password, ip }) {
      if ((await store.countUsers()) > 0) {
        setupTokens.clear();
        throw ApiErrors.SETUP_DONE();
      }
      // Check the password before spending the token, so a weak first try does not burn the link.
      const passwordHash = await hashNewPassword(password, name);
      if (!setupTokens.consume(token)) {
        log.warn({ ip }, 'setup refused: invalid, used or expired token');
        throw ApiErrors.SETUP_TOKEN_INVALID();
      }
      const user = await store.createUser({ name, role: 'admin', passwordHash });
      log.info({ user: name }, 'first administrator created');
      return openSession(user, ip);
    },

    hashNewPassword,

    async start() {
      const purge = () => {
        store.deleteExpiredSessions(new Date(now())).catch((err: unknown) => log.error({ err }, 'purging expired sessions failed'));
      };
      purge();
      purgeTimer = setInterval(purge, 3_600_000); // hourly: expired sessions are refused anyway, this only tidies
      purgeTimer.unref();
    },

    async stop() {
      if (purgeTimer) clearInterval(purgeTimer);
    },
  };
}
