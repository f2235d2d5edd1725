import { silentLogger } from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequelize } from 'sequelize';
import { readMarketplaceConfig } from '../../src/config.js';
import { createMarketplace } from '../../src/server/marketplace.js';

const POSTGRES_URL = process.env.PROPHASIS_TEST_POSTGRES_URL;

/** SQLite always; PostgreSQL when `PROPHASIS_TEST_POSTGRES_URL` is set (skipped otherwise, by design). */
export const DIALECTS: readonly ('sqlite' | 'postgres')[] = POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/** A marketplace of its own for a test file: data in a new temporary folder, its own database. */
export interface TestMarket {
  market: ReturnType<typeof createMarketplace>;
  /** The data directory (`bundles/`, and `marketplace.sqlite` on SQLite). */
  dataDir: string;
  /** `''` on SQLite, the PostgreSQL URL of the test database otherwise. */
  databaseUrl: string;
  /** Stops the marketplace, drops its database and deletes its folder. */
  close(): Promise<void>;
}

/**
 * Opens (not listening; `market.start()` listens on 127.0.0.1, port 0) a marketplace on
 * `dialect`: SQLite in the temporary folder, or `prophasis_test_mk_<random>` next to
 * `PROPHASIS_TEST_POSTGRES_URL`'s database, dropped by `close()`.
 */
export async function openTestMarket(dialect: 'sqlite' | 'postgres'): Promise<TestMarket> {
  const dir = mkdtempSync(join(tmpdir(), 'prophasis-mk-'));
  let databaseUrl = '';
  let dropDatabase: (() => Promise<void>) | undefined;
  if (dialect === 'postgres') {
    const name = `prophasis_test_mk_${randomBytes(6).toString('hex')}`;
    const admin = new Sequelize(POSTGRES_URL!, { logging: false, dialect: 'postgres' });
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(POSTGRES_URL!);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.close();
      }
    };
  }
  const dataDir = join(dir, 'data');
  const config = readMarketplaceConfig({}, { dataDir, databaseUrl, port: 0, host: '127.0.0.1', logLevel: 'silent' });
  const market = createMarketplace(config, { logger: silentLogger() });
  const close = async () => {
    await market.stop();
    await dropDatabase?.();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await market.open();
  } catch (err) {
    await close();
    throw err;
  }
  return { market, dataDir, databaseUrl, close };
}
