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
export function dialects(): Dialect[] {
  const list: Dialect[] = [{ name: 'sqlite', open: openSqlite }];
  if (PG_URL) list.push({ name: 'postgres', open: openPostgres });
  return list;
}

async function openSqlite(migrations?: readonly Migration[]) {
  const dir = await mkdtemp(join(tmpdir(), 'prophasis-db-test-'));
  const db = await createDatabase(
    { url: '', sqlitePath: join(dir, 'test.sqlite') },
    { logger: silentLogger(), ...(migrations ? { migrations } : {}) },
  );
  return {
    db,
    async cleanup() {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates `prophasis_test_db_<random>` next to the URL's database; returns its URL and a dropper. */
export async function createPgDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `prophasis_test_db_${randomBytes(6).toString('hex')}`;
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

async function openPostgres(migrations?: readonly Migration[]) {
  const pg = await createPgDatabase(PG_URL);
  let db: Database;
  try {
    db = await createDatabase({ url: pg.url, sqlitePath: '' }, { logger: silentLogger(), ...(migrations ? { migrations } : {}) });
  } catch (err) {
    await pg.drop();
    throw err;
  }
  return {
    db,
    async cleanup() {
      await db.close();
      await pg.drop();
    },
  };
}

/** Table names of the database, without the migrations table. */
export async function tableNames(db: Database): Promise<string[]> {
  const names = (await db.sequelize.getQueryInterface().showAllTables()) as unknown[];
  return names
    .map((n) => (typeof n === 'string' ? n : (n as { tableName: string }).tableName))
    .filter((n) => n !== 'schema_migrations' && n !== 'sqlite_sequence')
    .sort();
}
