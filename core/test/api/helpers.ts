import { silentLogger } from '@prophasis/protocol';
import type { FastifyInstance, FastifyPluginAsync, LightMyRequestResponse } from 'fastify';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditTrail } from '../../src/audit/audit.js';
import { databaseAuditStore } from '../../src/audit/store.js';
import { createAuth, type Auth, type AuthConfig } from '../../src/auth/auth.js';
import { createApiTokens } from '../../src/auth/api-tokens.js';
import { hashPassword } from '../../src/auth/password.js';
import type { Role } from '../../src/kernel/roles.js';
import { databaseAuthStore } from '../../src/auth/store.js';
import type { Database } from '../../src/db/index.js';
import { createApiApp, type ApiDeps } from '../../src/api.js';
import type { ApiConfig } from '../../src/http/index.js';
import type { AgentTarball } from '../../src/downloads/agent-tarball.js';
import { createEventBus, type EventBus } from '../../src/kernel/index.js';
import { openTestDatabase, type TestDatabase } from '../db/helpers.js';

export const PASSWORD = 'correct horse battery staple';

export interface TestApi {
  app: FastifyInstance;
  db: Database;
  auth: Auth;
  events: EventBus;
  /** Session cookies of one user per role (`name` = role). */
  cookies: Record<Role, string>;
  close(): Promise<void>;
}

const AUTH_CONFIG: AuthConfig = { sessionTtlMs: 3_600_000, setupTokenTtlMs: 3_600_000, loginAttempts: 5, loginWindowMs: 60_000 };

export interface TestApiOptions {
  withUsers?: boolean;
  auth?: Partial<AuthConfig>;
  agentTarball?: AgentTarball;
  /** Optional subsystems (runNow, enrolment, alerting, services, plans); may read the database. */
  deps?: (db: Database) => Partial<ApiDeps> | Promise<Partial<ApiDeps>>;
  /** Subsystems' routes, registered under `/api` after the app's own, as the composition root does. */
  routes?: readonly FastifyPluginAsync[];
  /** The HTTP shell's settings (trustProxy off, cookieSecure auto, no console build by default). */
  http?: Partial<ApiConfig>;
}

/**
 * A migrated database, the app on it (not listening: use `inject()`), and one signed-in user per role.
 * `withUsers: false` leaves the user table empty (first-run setup tests).
 */
export async function createTestApi(
  dialect: 'sqlite' | 'postgres',
  options: TestApiOptions & {
    /** Prefix of the PostgreSQL database's name. */
    dbPrefix?: string;
  } = {},
): Promise<TestApi> {
  return createTestApiOn(await openTestDatabase(dialect, { prefix: options.dbPrefix ?? 'prophasis_test_api' }), options);
}

/**
 * {@link createTestApi} on a database the caller opened (to build subsystems on it first);
 * `close()` cleans the database up too.
 */
export async function createTestApiOn(database: TestDatabase, options: TestApiOptions = {}): Promise<TestApi> {
  const { db } = database;
  const logger = silentLogger();
  const events = createEventBus();
  const apiTokens = createApiTokens({ sequelize: db.sequelize });
  const auth = createAuth({ ...AUTH_CONFIG, ...options.auth }, { store: databaseAuthStore(db), logger, apiTokens });
  const audit = createAuditTrail({ store: databaseAuditStore(db) });
  const app = await createApiApp({ trustProxy: false, cookieSecure: 'auto', webRoot: join(tmpdir(), 'prophasis-no-console'), ...options.http }, {
    logger,
    db,
    auth,
    audit,
    events,
    apiTokens,
    ...(options.agentTarball ? { agentTarball: options.agentTarball } : {}),
    ...(options.deps ? await options.deps(db) : {}),
  });
  for (const routes of options.routes ?? []) await app.register(routes, { prefix: '/api' });
  const cookies = {} as Record<Role, string>;
  if (options.withUsers !== false) {
    const passwordHash = await hashPassword(PASSWORD);
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      await db.models.User.create({ name: role, role, passwordHash });
      cookies[role] = await login(app, role, PASSWORD);
    }
  }
  return {
    app,
    db,
    auth,
    events,
    cookies,
    async close() {
      await app.close();
      await database.cleanup();
    },
  };
}

/** Signs in and returns the `Cookie` header value. */
export async function login(app: FastifyInstance, name: string, password: string, ip = '127.0.0.1'): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name, password }, remoteAddress: ip });
  if (res.statusCode !== 200) throw new Error(`login ${name} failed: ${res.statusCode} ${res.body}`);
  return sessionCookie(res);
}

export function sessionCookie(res: LightMyRequestResponse): string {
  const cookie = res.cookies.find((c) => c.name === 'prophasis_session');
  if (!cookie) throw new Error('no session cookie');
  return `prophasis_session=${cookie.value}`;
}

/** `inject()` with the given user's cookie and a JSON body. */
export function call(api: TestApi, role: Role | undefined, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  return api.app.inject({
    method,
    url,
    ...(role ? { headers: { cookie: api.cookies[role] } } : {}),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}
