import { silentLogger, type PublisherKeyPair } from '@prophasis/protocol';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditTrail } from '../../src/audit/audit.js';
import { databaseAuditStore } from '../../src/audit/store.js';
import { createAuth } from '../../src/auth/auth.js';
import { hashPassword } from '../../src/auth/password.js';
import type { Role } from '../../src/auth/roles.js';
import { databaseAuthStore } from '../../src/auth/store.js';
import type { Database } from '../../src/db/index.js';
import { createApp } from '../../src/http/app.js';
import { createEventBus } from '../../src/http/events.js';
import { marketplaceRoutes } from '../../src/marketplace/index.js';
import {
  createFileTrustStore,
  createPluginRepository,
  loadOrCreateSiteKey,
  pluginRoutes,
  trustDirectory,
  type PluginRepository,
  type PluginSystemLog,
  type TrustStore,
} from '../../src/plugins/index.js';
import { databaseSystemLog, openDatabase, PASSWORD } from '../plugins/helpers.js';

export interface MarketFixture {
  dir: string;
  dataDir: string;
  db: Database;
  trust: TrustStore;
  siteKey: PublisherKeyPair;
  repository: PluginRepository;
  systemLog: PluginSystemLog;
  app: FastifyInstance;
  cookies: Record<Role, string>;
  close(): Promise<void>;
}

/**
 * A core slice as the composition root wires it: database, site key, trust store, repository,
 * the real API app with the plugin routes AND the marketplace routes under /api, and one
 * signed-in user per role. `localUrl` is asked for the local registry's URL on every request.
 */
export async function createMarketFixture(dialect: 'sqlite' | 'postgres', localUrl: () => string | undefined): Promise<MarketFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'prophasis-market-'));
  const dataDir = join(dir, 'data');
  const logger = silentLogger();
  const { db, close } = await openDatabase(dialect, dir);
  const siteKey = loadOrCreateSiteKey(dataDir, { logger });
  const trust = createFileTrustStore({ dir: trustDirectory(dataDir), siteKey: siteKey.privateKey }, { logger });
  const systemLog = databaseSystemLog(db);
  const repository = createPluginRepository({ db, trust, logger, systemLog });
  const auth = createAuth({ sessionTtlMs: 3_600_000, setupTokenTtlMs: 3_600_000, loginAttempts: 100, loginWindowMs: 60_000 }, { store: databaseAuthStore(db), logger });
  const audit = createAuditTrail({ store: databaseAuditStore(db) });
  const app = await createApp({ trustProxy: false, cookieSecure: 'auto', webRoot: join(dir, 'no-console') }, { logger, db, auth, audit, events: createEventBus() });
  await app.register(pluginRoutes({ repository, trust, systemLog }), { prefix: '/api' });
  await app.register(marketplaceRoutes({ db, repository, trust, systemLog, logger, localRegistryUrl: localUrl, client: { timeoutMs: 10_000 } }), { prefix: '/api' });
  const cookies = {} as Record<Role, string>;
  const passwordHash = await hashPassword(PASSWORD);
  for (const role of ['viewer', 'operator', 'admin'] as const) {
    await db.models.User.create({ name: role, role, passwordHash });
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: role, password: PASSWORD } });
    const cookie = res.cookies.find((c) => c.name === 'prophasis_session');
    if (!cookie) throw new Error(`login ${role} failed: ${res.body}`);
    cookies[role] = `prophasis_session=${cookie.value}`;
  }
  return {
    dir,
    dataDir,
    db,
    trust,
    siteKey,
    repository,
    systemLog,
    app,
    cookies,
    async close() {
      await app.close();
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `inject()` as a user with a JSON body. */
export function call(f: MarketFixture, role: Role | undefined, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  return f.app.inject({
    method,
    url,
    headers: { ...(role ? { cookie: f.cookies[role] } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
}
