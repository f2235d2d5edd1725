import { silentLogger } from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequelize } from 'sequelize';
import { createDatabase, type Database } from '../../src/db/index.js';

const PG_URL = process.env.PROPHASIS_TEST_POSTGRES_URL ?? '';

export interface TestDialect {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated database; `cleanup()` closes and deletes it. */
  open(): Promise<{ db: Database; cleanup(): Promise<void> }>;
}

/** SQLite always; PostgreSQL (`prophasis_test_al_<random>`, dropped) when PROPHASIS_TEST_POSTGRES_URL is set. */
export function testDialects(): TestDialect[] {
  const list: TestDialect[] = [
    {
      name: 'sqlite',
      async open() {
        const dir = await mkdtemp(join(tmpdir(), 'prophasis-al-'));
        const db = await createDatabase({ url: '', sqlitePath: join(dir, 'test.sqlite') }, { logger: silentLogger() });
        await db.migrate();
        return {
          db,
          async cleanup() {
            await db.close();
            await rm(dir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
  if (PG_URL) {
    list.push({
      name: 'postgres',
      async open() {
        const name = `prophasis_test_al_${randomBytes(6).toString('hex')}`;
        const admin = new Sequelize(PG_URL, { logging: false, dialect: 'postgres' });
        await admin.query(`CREATE DATABASE ${name}`);
        const drop = async () => {
          try {
            await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          } finally {
            await admin.close();
          }
        };
        const url = new URL(PG_URL);
        url.pathname = `/${name}`;
        let db: Database;
        try {
          db = await createDatabase({ url: url.toString(), sqlitePath: '' }, { logger: silentLogger() });
          await db.migrate();
        } catch (err) {
          await drop();
          throw err;
        }
        return {
          db,
          async cleanup() {
            await db.close();
            await drop();
          },
        };
      },
    });
  }
  return list;
}

/** Creates hosts, groups (with nesting) and plugins by name; returns their ids. */
export async function seed(
  db: Database,
  spec: { hosts: string[]; groups?: Record<string, { hosts?: string[]; groups?: string[] }>; plugins?: string[] },
): Promise<{ host: Record<string, number>; group: Record<string, number>; plugin: Record<string, number> }> {
  const host: Record<string, number> = {};
  const group: Record<string, number> = {};
  const plugin: Record<string, number> = {};
  for (const name of spec.hosts) host[name] = (await db.models.Host.create({ name })).id;
  for (const name of Object.keys(spec.groups ?? {})) group[name] = (await db.models.HostGroup.create({ name })).id;
  for (const [name, g] of Object.entries(spec.groups ?? {})) {
    for (const h of g.hosts ?? []) await db.models.HostGroupHost.create({ groupId: group[name]!, hostId: host[h]! });
    for (const c of g.groups ?? []) await db.models.HostGroupGroup.create({ parentId: group[name]!, childId: group[c]! });
  }
  for (const name of spec.plugins ?? []) plugin[name] = (await db.models.Plugin.create({ pluginId: `io.prophasis.${name}`, name })).id;
  return { host, group, plugin };
}
