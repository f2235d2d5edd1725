import type { HousekeepingTable } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';

/**
 * How big each growing table is, as far as the database can tell cheaply:
 * - PostgreSQL: bytes from `pg_total_relation_size` (table, indexes, TOAST) summed over a
 *   partitioned table's partitions; rows from the planner's estimate (`reltuples`, kept by
 *   autovacuum's ANALYZE) — counting a table of results would read all of it — and an exact
 *   count for a partition never analysed yet;
 * - SQLite: exact row counts, bytes from the `dbstat` virtual table (the table's pages and its
 *   indexes' pages), or null if this SQLite build has no `dbstat`.
 */
export async function tableSizes(
  db: Database,
  tables: readonly { table: string; retentionSetting: string | null }[],
): Promise<{ databaseBytes: number | null; tables: HousekeepingTable[] }> {
  const select = <T extends object>(sql: string, replacements: unknown[] = []) => db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements });
  const out: HousekeepingTable[] = [];
  if (db.dialect === 'postgres') {
    for (const { table, retentionSetting } of tables) {
      // A plain table is its own one leaf.
      const leaves = await select<{ name: string; bytes: number; tuples: number }>(
        `SELECT c.relname AS name, pg_total_relation_size(t.relid)::bigint AS bytes, c.reltuples::bigint AS tuples
         FROM pg_partition_tree(?::regclass) t JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf`,
        [table],
      );
      const [kind] = await select<{ kind: string }>('SELECT relkind AS kind FROM pg_class WHERE oid = ?::regclass', [table]);
      let rows = 0;
      for (const leaf of leaves) {
        if (Number(leaf.tuples) >= 0) rows += Number(leaf.tuples);
        else rows += Number((await select<{ n: number }>(`SELECT count(*)::bigint AS n FROM ${leaf.name}`))[0]?.n ?? 0);
      }
      const isPartitioned = kind?.kind === 'p';
      out.push({
        table,
        rows,
        rowsEstimated: true,
        bytes: leaves.reduce((n, l) => n + Number(l.bytes), 0),
        // The DEFAULT partition is not a day.
        partitions: isPartitioned ? leaves.filter((l) => !l.name.endsWith('_default')).length : null,
        retentionSetting,
      });
    }
    const [whole] = await select<{ bytes: number }>('SELECT pg_database_size(current_database())::bigint AS bytes');
    return { databaseBytes: whole ? Number(whole.bytes) : null, tables: out };
  }

  let pages: Map<string, number> | null = null;
  try {
    const rows = await select<{ tbl: string; bytes: number }>(
      `SELECT m.tbl_name AS tbl, sum(s.pgsize) AS bytes FROM dbstat s JOIN sqlite_master m ON m.name = s.name GROUP BY m.tbl_name`,
    );
    pages = new Map(rows.map((r) => [r.tbl, Number(r.bytes)]));
  } catch {
    pages = null; // SQLite built without SQLITE_ENABLE_DBSTAT_VTAB
  }
  for (const { table, retentionSetting } of tables) {
    const [counted] = await select<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
    out.push({ table, rows: Number(counted?.n ?? 0), rowsEstimated: false, bytes: pages ? (pages.get(table) ?? 0) : null, partitions: null, retentionSetting });
  }
  const pragma = async (name: string): Promise<number> => Number(Object.values((await select<Record<string, number>>(`PRAGMA ${name}`))[0] ?? {})[0]);
  return { databaseBytes: (await pragma('page_count')) * (await pragma('page_size')), tables: out };
}
