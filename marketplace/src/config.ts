import { dataDir, loadConfig } from '@prophasis/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { join } from 'node:path';

/** The marketplace's configuration (docs/marketplace.md). */
const MarketplaceConfigSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    host: Type.String({ minLength: 1 }),
    dataDir: Type.String({ minLength: 1 }),
    /** Empty: SQLite file `marketplace.sqlite` in dataDir. `postgres://…`: PostgreSQL. */
    databaseUrl: Type.String(),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
    /** Base URL clients reach the registry at, used in printed links; empty: `http://<host>:<port>`. */
    publicUrl: Type.String(),
  },
  { additionalProperties: false },
);
export type MarketplaceConfig = Static<typeof MarketplaceConfigSchema>;

/** Reads the marketplace's configuration from the environment (and `PROPHASIS_MARKETPLACE_CONFIG`, a JSON file). */
export function readMarketplaceConfig(environment: NodeJS.ProcessEnv = process.env, overrides: Partial<MarketplaceConfig> = {}): MarketplaceConfig {
  const dir = overrides.dataDir ?? dataDir('marketplace', environment);
  return loadConfig({
    schema: MarketplaceConfigSchema,
    defaults: {
      port: 8090, // TCP port of the registry API
      host: '0.0.0.0', // all interfaces: a registry serves other sites; the core's local one binds 127.0.0.1
      dataDir: dir,
      databaseUrl: '', // SQLite file in dataDir
      logLevel: 'info',
      publicUrl: '', // http://<host>:<port>
    },
    env: {
      port: 'PROPHASIS_MARKETPLACE_PORT',
      host: 'PROPHASIS_MARKETPLACE_HOST',
      dataDir: 'PROPHASIS_DATA_DIR',
      databaseUrl: 'DATABASE_URL',
      logLevel: 'PROPHASIS_LOG_LEVEL',
      publicUrl: 'PROPHASIS_MARKETPLACE_PUBLIC_URL',
    },
    environment,
    ...(environment.PROPHASIS_MARKETPLACE_CONFIG ? { file: environment.PROPHASIS_MARKETPLACE_CONFIG } : {}),
    overrides: { ...overrides, dataDir: dir },
  });
}

/** Path of the default SQLite database. */
export const sqlitePath = (config: Pick<MarketplaceConfig, 'dataDir'>): string => join(config.dataDir, 'marketplace.sqlite');
/** Folder of the bundle files, named by hash. */
export const bundlesDir = (config: Pick<MarketplaceConfig, 'dataDir'>): string => join(config.dataDir, 'bundles');
