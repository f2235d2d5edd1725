import { QueryTypes, type Sequelize } from 'sequelize';
import { ClusterErrors } from './errors.js';

/**
 * Before a core of a cluster migrates (docs/high-availability.md, "Upgrades"): refuses when the
 * database holds migrations this core does not know (an older core on a newer schema), and when
 * this core would migrate while another live core (heartbeat younger than `liveMs`) runs another
 * schema — nothing migrates under a running older core. Harmless on a database without the tables.
 */
export async function checkSchemaForCluster(sequelize: Sequelize, known: readonly string[], liveMs: number): Promise<void> {
  const tables = await sequelize.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('schema_migrations', 'cluster_members')`,
    { type: QueryTypes.SELECT },
  );
  const has = new Set(tables.map((t) => t.name));
  if (!has.has('schema_migrations')) return;
  const applied = (await sequelize.query<{ name: string }>(`SELECT name FROM schema_migrations ORDER BY name`, { type: QueryTypes.SELECT })).map((r) => r.name);
  const knownSet = new Set(known);
  const unknown = applied.filter((name) => !knownSet.has(name));
  if (unknown.length > 0) {
    throw ClusterErrors.SCHEMA_NEWER(`the database has ${unknown.join(', ')}; this core knows up to ${known[known.length - 1] ?? 'nothing'}`);
  }
  const pending = known.filter((name) => !applied.includes(name));
  if (pending.length === 0 || !has.has('cluster_members')) return;
  const latest = known[known.length - 1]!;
  const others = await sequelize.query<{ core_id: string; schema_version: string }>(
    `SELECT core_id, schema_version FROM cluster_members
     WHERE heartbeat_at > (extract(epoch from clock_timestamp()) * 1000)::bigint - $1 AND schema_version <> $2 ORDER BY core_id`,
    { bind: [liveMs, latest], type: QueryTypes.SELECT },
  );
  if (others.length > 0) {
    throw ClusterErrors.OLDER_CORE_RUNNING(
      `${others.map((o) => `core ${o.core_id} runs ${o.schema_version}`).join(', ')}; this core would apply ${pending.join(', ')}. Stop the older cores, then start this one`,
    );
  }
}
