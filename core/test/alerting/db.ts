import type { Database } from '../../src/db/index.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../db/helpers.js';

export interface TestDialect {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated database; `cleanup()` closes and deletes it. */
  open(): Promise<TestDatabase>;
}

/** SQLite always; PostgreSQL (`prophasis_test_al_<random>`, dropped) when PROPHASIS_TEST_POSTGRES_URL is set. */
export function testDialects(): TestDialect[] {
  return DIALECTS.map((name) => ({ name, open: () => openTestDatabase(name, { prefix: 'prophasis_test_al' }) }));
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
