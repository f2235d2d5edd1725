import type { Logger } from '@prophasis/protocol';
import type { FastifyInstance } from 'fastify';
import { mkdirSync } from 'node:fs';
import { bundlesDir, sqlitePath, type MarketplaceConfig } from '../config.js';
import { createMarketApp } from './app.js';
import { createBundleStore } from './bundle-store.js';
import { openMarketDatabase, type MarketDatabase } from './db.js';
import { createRegistry, type Registry } from './registry.js';

export interface Marketplace {
  /** Opens and migrates the database, then listens; resolves with the bound port (useful with port 0). */
  start(): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
  /** The fastify app (for `inject()` in tests); available once `start` or `open` resolved. */
  readonly app: FastifyInstance;
  readonly registry: Registry;
}

/**
 * The marketplace registry server (docs/marketplace.md): its own database (SQLite in the data
 * directory, or PostgreSQL), bundles on disk by hash, the HTTP API. `open()` prepares without
 * listening (the CLI's `publisher add` and tests use it).
 */
export function createMarketplace(config: MarketplaceConfig, deps: { logger: Logger }): Marketplace & { open(): Promise<void> } {
  const logger = deps.logger.child({ component: 'marketplace' });
  let db: MarketDatabase | undefined;
  let app: FastifyInstance | undefined;
  let registry: Registry | undefined;

  async function open(): Promise<void> {
    if (app) return;
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    db = await openMarketDatabase({ url: config.databaseUrl, sqlitePath: sqlitePath(config) }, { logger });
    try {
      await db.migrate();
      registry = createRegistry({ db, store: createBundleStore(bundlesDir(config)), logger });
      app = await createMarketApp({ registry, logger });
    } catch (err) {
      await db.close().catch(() => {});
      db = undefined;
      throw err;
    }
  }

  return {
    open,
    async start() {
      await open();
      await app!.listen({ port: config.port, host: config.host });
      const address = app!.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
      const url = (config.publicUrl || `http://${host}:${port}`).replace(/\/+$/, '');
      logger.info({ url }, 'marketplace started');
      return { port, url };
    },
    async stop() {
      if (app) await app.close();
      if (db) await db.close();
      app = undefined;
      db = undefined;
    },
    get app() {
      if (!app) throw new Error('marketplace not opened');
      return app;
    },
    get registry() {
      if (!registry) throw new Error('marketplace not opened');
      return registry;
    },
  };
}
