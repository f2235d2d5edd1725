import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';

/**
 * Why a host's own severity changed when the cause was its agent's reachability, not a plugin
 * (docs/pipeline.md, "States and transitions"): `unreachable` since the grace period ran out, with when
 * the agent was last heard from; `reachable` again since the agent connected.
 */
export type Reachability = { kind: 'unreachable'; since: number; lastSeen: number | null } | { kind: 'reachable'; since: number };

/** The host columns {@link reachabilityOf} reads (epoch ms). */
interface ReachabilityColumns {
  connectedSince: number | null;
  lastSeen: number | null;
  unreachableSince: number | null;
}

/** The fields of a transition (kernel's `Transition`, a row of `state_transitions`) that tell what it is about. */
interface TransitionKey {
  hostId: number | null;
  pluginId: number | null;
  serviceId: number | null;
  at: number;
}

/**
 * The reachability behind a host's own transition, from the host's presence columns; null for
 * any other transition. Presence stamps the host column and the transition with one time:
 * `unreachable_since` is the time of the transition that made the host unreachable,
 * `connected_since` that of the one that brought it back (the state tracker records a host
 * transition on reconnection only when the host had been unreachable). A host that moved again
 * before the columns were read gets null, and its notice the plain `from → to`.
 */
function reachabilityOf(t: TransitionKey, host: ReachabilityColumns | undefined): Reachability | null {
  if (!host || t.hostId === null || t.pluginId !== null || t.serviceId !== null) return null;
  if (host.unreachableSince === t.at) return { kind: 'unreachable', since: t.at, lastSeen: host.lastSeen };
  if (host.connectedSince === t.at) return { kind: 'reachable', since: t.at };
  return null;
}

const ms = (v: unknown): number | null => (v == null ? null : Number(v));

/**
 * {@link reachabilityOf} for a batch of transitions (alerting, when it makes notices): one query
 * over the hosts of the batch's host-level transitions. The answer has one entry per transition,
 * in order.
 */
export async function transitionReachability(db: Pick<Database, 'sequelize'>, batch: readonly TransitionKey[]): Promise<(Reachability | null)[]> {
  const ids = [...new Set(batch.filter((t) => t.hostId !== null && t.pluginId === null && t.serviceId === null).map((t) => t.hostId as number))];
  const hosts = new Map<number, ReachabilityColumns>();
  if (ids.length > 0) {
    const rows = await db.sequelize.query<{ id: number; connected_since: unknown; last_seen: unknown; unreachable_since: unknown }>(
      `SELECT id, connected_since, last_seen, unreachable_since FROM hosts WHERE id IN (${ids.map(() => '?').join(',')})`,
      { type: QueryTypes.SELECT, replacements: ids },
    );
    for (const r of rows) hosts.set(Number(r.id), { connectedSince: ms(r.connected_since), lastSeen: ms(r.last_seen), unreachableSince: ms(r.unreachable_since) });
  }
  return batch.map((t) => reachabilityOf(t, t.hostId === null ? undefined : hosts.get(t.hostId)));
}
