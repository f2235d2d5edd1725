import type { Logger } from '@prophasis/protocol';
import { performance } from 'node:perf_hooks';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { ClusterConfig } from './config.js';
import { ClusterErrors } from './errors.js';
import { dutyLease, partitionLease } from './partition.js';

/** The database's clock in epoch ms: every expiry is compared on one clock, whatever the cores' clocks say. */
const NOW = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** Why a core stops using a lease. */
export type LossReason = 'rebalanced' | 'expired' | 'taken' | 'stopping' | 'refused';

/** What the core does when it gains or loses a lease (main.ts wires the transport and the duties). */
interface LeaseHandlers {
  /** The lease is this core's from now (at `epoch`); resolve once it is served. A rejection gives it back. */
  acquired(name: string, epoch: number): Promise<void>;
  /** Stop using the lease; the lease is given back (or left to expire) only after this resolves. */
  lost(name: string, reason: LossReason): Promise<void>;
}

export interface LeaseManager {
  /** Registers this core, makes the lease rows, takes a first share. */
  start(): Promise<void>;
  /** Stops using every lease, gives them back and leaves the member table. */
  stop(): Promise<void>;
  /** One heartbeat: renew, fence, balance (the timer calls it; tests call it directly). */
  tick(): Promise<void>;
  /** Resolves when every lease taken or lost so far is served or left (the handlers run beside the heartbeats). */
  settled(): Promise<void>;
  /** Whether this core holds the lease now (synchronous: the duties' gates ask it). */
  owns(name: string): boolean;
  /** Every lease this core holds now, sorted. */
  owned(): string[];
  /** The epoch this core holds `name` at, if it holds it. */
  epochOf(name: string): number | undefined;
  /** Whether the database still says this core holds `name` at `epoch`, unexpired: the check at commit. */
  confirm(name: string, epoch: number): Promise<boolean>;
  /** Live cores by their heartbeats, for the console and the tests. */
  members(): Promise<{ coreId: string; schemaVersion: string; ageMs: number }[]>;
}

export interface LeaseDeps {
  sequelize: Sequelize;
  logger: Logger;
  handlers: LeaseHandlers;
  /** Names of the once-only duties (`housekeeping`, `alerting` …); leased as `duty:<name>`. */
  duties: readonly string[];
  /** The last migration this core knows, written beside its heartbeat (schema.ts reads it). */
  schemaVersion: string;
  /** Monotonic ms; tests pass a fake one. */
  monotonic?: () => number;
}

interface Held {
  epoch: number;
  /** Monotonic time after which this core no longer trusts the lease (renewal sent + lease − margin). */
  validUntil: number;
}

/**
 * Partition and duty leases in PostgreSQL (docs/decisions/0013-several-cores.md): rows of
 * `cluster_leases` taken with a conditional UPDATE (free or expired on the database's clock),
 * renewed every `heartbeatMs`, balanced to ⌈leases / live cores⌉ per core. Fencing: a core that
 * cannot renew stops using a lease `marginMs` before it can expire (measured from when the renewal
 * was sent, on its own monotonic clock), so the next owner never overlaps it; each change of owner
 * bumps `epoch`, which `confirm` checks for writers that fence at commit.
 */
export function createLeaseManager(config: ClusterConfig, deps: LeaseDeps): LeaseManager {
  const log = deps.logger.child({ component: 'cluster', coreId: config.coreId });
  const monotonic = deps.monotonic ?? (() => performance.now());
  const me = config.coreId;
  const held = new Map<string, Held>();
  const partitionNames = Array.from({ length: config.partitions }, (_, i) => partitionLease(i));
  const dutyNames = deps.duties.map(dutyLease);
  let ticking: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let fenceTimer: NodeJS.Timeout | undefined;
  let running = false;
  let failing = false;

  const query = <T extends object>(sql: string, bind: unknown[] = []) => deps.sequelize.query<T>(sql, { bind, type: QueryTypes.SELECT });

  /** Per lease, its handlers one after the other: a loss waits for the serving it follows. */
  const chains = new Map<string, Promise<void>>();
  function inTurn(name: string, work: () => Promise<void>): Promise<void> {
    const next = (chains.get(name) ?? Promise.resolve()).then(work);
    const settled = next.catch(() => {});
    chains.set(name, settled);
    void settled.then(() => {
      if (chains.get(name) === settled) chains.delete(name);
    });
    return next;
  }

  async function drop(name: string, reason: LossReason): Promise<void> {
    if (!held.delete(name)) return;
    log.info({ lease: name, reason }, 'lease given up');
    await inTurn(name, () => deps.handlers.lost(name, reason)).catch((err: unknown) => log.error({ err, lease: name }, 'stopping a lease failed'));
  }

  async function release(name: string, epoch: number): Promise<void> {
    await query(`UPDATE cluster_leases SET owner = NULL, expires_at = 0 WHERE name = $1 AND owner = $2 AND epoch = $3 RETURNING name`, [name, me, epoch]);
  }

  /** Leases whose renewal is too old: stop using them before another core may take them. */
  async function fence(): Promise<void> {
    const t = monotonic();
    for (const [name, h] of [...held]) if (t > h.validUntil) await drop(name, 'expired');
  }

  async function claim(prefix: string, count: number, sentAt: number): Promise<void> {
    if (count <= 0) return;
    const rows = await query<{ name: string; epoch: number }>(
      `UPDATE cluster_leases SET owner = $1, epoch = epoch + 1, expires_at = ${NOW} + $2
       WHERE name IN (SELECT name FROM cluster_leases WHERE name LIKE $3 AND (owner IS NULL OR expires_at < ${NOW})
                      ORDER BY name LIMIT $4 FOR UPDATE SKIP LOCKED)
         AND (owner IS NULL OR expires_at < ${NOW})
       RETURNING name, epoch`,
      [me, config.leaseMs, `${prefix}%`, count],
    );
    for (const row of rows.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) {
      const epoch = Number(row.epoch);
      held.set(row.name, { epoch, validUntil: sentAt + config.leaseMs - config.marginMs });
      // Served beside the heartbeats: connecting 64 broker sessions takes longer than a lease
      // lasts, and the renewals must go on meanwhile.
      void inTurn(row.name, async () => {
        if (held.get(row.name)?.epoch !== epoch) return; // lost before its turn
        await deps.handlers.acquired(row.name, epoch);
        log.info({ lease: row.name, epoch }, 'lease taken');
      }).catch(async (err: unknown) => {
        log.error({ err, lease: row.name }, 'serving a lease failed; giving it back');
        if (held.get(row.name)?.epoch !== epoch) return;
        held.delete(row.name);
        await inTurn(row.name, () => deps.handlers.lost(row.name, 'refused')).catch(() => {});
        await release(row.name, epoch).catch(() => {});
      });
    }
  }

  async function shed(names: string[], count: number): Promise<void> {
    // The highest names first, so the same partitions move whichever core sheds them.
    const mine = names.filter((n) => held.has(n)).sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
    for (const name of mine.slice(0, Math.max(0, count))) {
      const epoch = held.get(name)!.epoch;
      await drop(name, 'rebalanced');
      await release(name, epoch);
    }
  }

  async function beat(): Promise<void> {
    const sentAt = monotonic();
    await query(
      `INSERT INTO cluster_members (core_id, schema_version, started_at, heartbeat_at) VALUES ($1, $2, ${NOW}, ${NOW})
       ON CONFLICT (core_id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at, schema_version = EXCLUDED.schema_version
       RETURNING core_id`,
      [me, deps.schemaVersion],
    );
    const renewed = await query<{ name: string; epoch: number }>(
      `UPDATE cluster_leases SET expires_at = ${NOW} + $2 WHERE owner = $1 AND expires_at >= ${NOW} RETURNING name, epoch`,
      [me, config.leaseMs],
    );
    const back = new Map(renewed.map((r) => [r.name, Number(r.epoch)]));
    for (const [name, h] of [...held]) {
      if (back.get(name) === h.epoch) h.validUntil = sentAt + config.leaseMs - config.marginMs;
      else await drop(name, 'taken');
    }
    // Renewed in the database but no longer served here (fenced while the database was slow): give back.
    for (const [name, epoch] of back) if (!held.has(name)) await release(name, epoch);
    const [live] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM cluster_members WHERE heartbeat_at > ${NOW} - $1`, [config.leaseMs]);
    const cores = Math.max(1, Number(live?.n ?? 1));
    const partitionsTarget = Math.ceil(partitionNames.length / cores);
    const dutiesTarget = Math.ceil(dutyNames.length / cores);
    const heldPartitions = [...held.keys()].filter((n) => n.startsWith('p:')).length;
    const heldDuties = [...held.keys()].filter((n) => n.startsWith('duty:')).length;
    if (heldPartitions > partitionsTarget) await shed(partitionNames, heldPartitions - partitionsTarget);
    else await claim('p:', partitionsTarget - heldPartitions, sentAt);
    if (heldDuties > dutiesTarget) await shed(dutyNames, heldDuties - dutiesTarget);
    else await claim('duty:', dutiesTarget - heldDuties, sentAt);
    if (failing) log.info('the database answers again; leases renewed');
    failing = false;
  }

  function tick(): Promise<void> {
    ticking ??= (async () => {
      try {
        await beat();
      } catch (err) {
        if (!failing) log.warn({ err }, 'cannot renew leases; each is given up before it can expire');
        failing = true;
      } finally {
        await fence();
      }
    })().finally(() => (ticking = undefined));
    return ticking;
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => void tick().finally(schedule), config.heartbeatMs);
    timer.unref?.();
  }

  return {
    async start() {
      const existing = await query<{ n: number }>(`SELECT count(*)::int AS n FROM cluster_leases WHERE name LIKE 'p:%'`);
      const count = Number(existing[0]?.n ?? 0);
      if (count > 0 && count !== config.partitions) {
        throw ClusterErrors.PARTITIONS_MISMATCH(`the cluster has ${count} partitions, this core is configured with ${config.partitions}`);
      }
      const names = [...partitionNames, ...dutyNames];
      await query(`INSERT INTO cluster_leases (name, owner, epoch, expires_at) SELECT unnest($1::text[]), NULL, 0, 0 ON CONFLICT (name) DO NOTHING RETURNING name`, [names]);
      // A previous run under the same core id is over: what it held is free (its epochs move on).
      await query(`UPDATE cluster_leases SET owner = NULL, expires_at = 0 WHERE owner = $1 RETURNING name`, [me]);
      running = true;
      await tick();
      schedule();
      fenceTimer = setInterval(() => void fence(), Math.max(50, Math.floor(config.marginMs / 3)));
      fenceTimer.unref?.();
      log.info({ partitions: config.partitions, owned: held.size }, 'cluster member started');
    },

    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      if (fenceTimer) clearInterval(fenceTimer);
      await ticking;
      const mine = [...held].map(([name, h]) => ({ name, epoch: h.epoch }));
      for (const { name } of mine) await drop(name, 'stopping');
      while (chains.size > 0) await Promise.all([...chains.values()]);
      try {
        for (const { name, epoch } of mine) await release(name, epoch);
        await query(`DELETE FROM cluster_members WHERE core_id = $1 RETURNING core_id`, [me]);
      } catch (err) {
        log.warn({ err }, 'leases not given back (they expire by themselves)');
      }
    },

    tick,
    settled: async () => {
      while (chains.size > 0) await Promise.all([...chains.values()]);
    },
    owns: (name) => held.has(name),
    owned: () => [...held.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
    epochOf: (name) => held.get(name)?.epoch,

    async confirm(name, epoch) {
      const rows = await query(`SELECT 1 AS ok FROM cluster_leases WHERE name = $1 AND owner = $2 AND epoch = $3 AND expires_at > ${NOW}`, [name, me, epoch]);
      return rows.length > 0 && held.get(name)?.epoch === epoch;
    },

    async members() {
      const rows = await query<{ core_id: string; schema_version: string; age: number }>(
        `SELECT core_id, schema_version, ${NOW} - heartbeat_at AS age FROM cluster_members WHERE heartbeat_at > ${NOW} - $1 ORDER BY core_id`,
        [config.leaseMs],
      );
      return rows.map((r) => ({ coreId: r.core_id, schemaVersion: r.schema_version, ageMs: Number(r.age) }));
    },
  };
}
