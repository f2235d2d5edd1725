import { silentLogger } from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequelize } from 'sequelize';
import { createDatabase, type Database, type Migration } from '../../src/db/index.js';

/** One dialect the database tests run against. */
export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /** Opens a fresh, empty database (not migrated). `cleanup()` closes and deletes it. */
  open(migrations?: readonly Migration[]): Promise<{ db: Database; cleanup(): Promise<void> }>;
}

const PG_URL = process.env.PROPHASIS_TEST_POSTGRES_URL ?? '';

/** SQLite always; PostgreSQL when `PROPHASIS_TEST_POSTGRES_URL` is set (skipped otherwise, by design). */
export const DIALECTS: readonly ('sqlite' | 'postgres')[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/** The dialects as the database tests take them, each opening an empty, unmigrated database. */
export function dialects(): Dialect[] {
  return DIALECTS.map((name) => ({ name, open: (migrations) => openTestDatabase(name, { migrate: false, ...(migrations ? { migrations } : {}) }) }));
}

/** A database of its own for a test; `cleanup()` closes it and deletes it. */
export interface TestDatabase {
  db: Database;
  cleanup(): Promise<void>;
}

/**
 * A fresh database: a file in a new temporary folder on SQLite, `<prefix>_<random>` next to
 * `PROPHASIS_TEST_POSTGRES_URL`'s database on PostgreSQL. Migrated unless `migrate: false`.
 */
export async function openTestDatabase(
  dialect: 'sqlite' | 'postgres',
  options: { prefix?: string; migrate?: boolean; migrations?: readonly Migration[] } = {},
): Promise<TestDatabase> {
  const deps = { logger: silentLogger(), ...(options.migrations ? { migrations: options.migrations } : {}) };
  let target: { url: string; sqlitePath: string; drop(): Promise<void> };
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'prophasis-db-test-'));
    target = { url: '', sqlitePath: join(dir, 'test.sqlite'), drop: () => rm(dir, { recursive: true, force: true }) };
  } else {
    const pg = await createPgDatabase(PG_URL, options.prefix);
    target = { url: pg.url, sqlitePath: '', drop: () => pg.drop() };
  }
  let db: Database;
  try {
    db = await createDatabase({ url: target.url, sqlitePath: target.sqlitePath }, deps);
    if (options.migrate !== false) await db.migrate();
  } catch (err) {
    await target.drop();
    throw err;
  }
  return {
    db,
    async cleanup() {
      await db.close();
      await target.drop();
    },
  };
}

/** Creates `<prefix>_<random>` next to the URL's database; returns its URL and a dropper. */
export async function createPgDatabase(adminUrl: string, prefix = 'prophasis_test_db'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new Sequelize(adminUrl, { logging: false, dialect: 'postgres' });
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.close();
      }
    },
  };
}

/** Table names of the database, without the migrations table. */
export async function tableNames(db: Database): Promise<string[]> {
  const names = (await db.sequelize.getQueryInterface().showAllTables()) as unknown[];
  return names
    .map((n) => (typeof n === 'string' ? n : (n as { tableName: string }).tableName))
    .filter((n) => n !== 'schema_migrations' && n !== 'sqlite_sequence')
    // PostgreSQL's day partitions of the history tables (migration 0005) are part of their table.
    .filter((n) => !/^(results|rollups_minute|rollups_hour)_(p\d{8}|default)$/.test(n))
    .sort();
}
