import { countSlots, slotsBetween, type Logger } from '@prophasis/protocol';
import type { NoDataSlot } from './ingest.js';
import type { PipelineConfig } from './config.js';
import type { HostInfo } from '../scheduler/index.js';
import type { HostPlan } from '../scheduler/index.js';

/** What the sweep reads from the dispatcher's snapshot (declared by its consumer). */
export interface NoDataPlans {
  snapshot(): { plans: ReadonlyMap<number, HostPlan>; hosts: ReadonlyMap<number, HostInfo>; maxLatenessMs: number } | undefined;
}

export interface NoDataSweep {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One pass; returns how many slots it examined and how many became no_data. */
  sweep(): Promise<{ examined: number; marked: number }>;
  /** A result for this slot was stored (the ingest calls this). */
  observe(hostId: number, pluginRowId: number, checkRowId: number, slot: number): void;
}

interface Cursor {
  /** Every slot up to and including this one has been judged. */
  judged: number;
  /** Slots after `judged` that have a result. */
  received: Set<number>;
}

/**
 * The no_data sweep (docs/pipeline.md, "no_data"): for every plan entry of a host whose agent
 * is connected, each slot that is more than `maxLatenessMs` old and has no result becomes a
 * stored `no_data` result. Slots are judged once, in order, from the moment an entry is first
 * seen (never retroactively: a restarted core does not judge the time it was away), and never
 * while the host's agent is disconnected or unreachable (its outbox will fill the gap), nor for
 * slots before the agent's current connection began. Work per pass is capped.
 */
export function createNoDataSweep(
  config: PipelineConfig,
  // `owns`: several cores (docs/high-availability.md); only the agents whose results this core receives.
  deps: { plans: NoDataPlans; sink: { storeNoData(slots: readonly NoDataSlot[]): Promise<void> }; logger: Logger; now?: () => number; owns?: (agentId: string) => boolean },
): NoDataSweep {
  const log = deps.logger.child({ component: 'no-data' });
  const now = deps.now ?? Date.now;
  const cursors = new Map<string, Cursor>();
  let offset = 0;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let current: Promise<unknown> = Promise.resolve();

  const keyOf = (hostId: number, checkRowId: number, pluginRowId: number) => `${hostId}:${checkRowId}:${pluginRowId}`;

  async function sweep(): Promise<{ examined: number; marked: number }> {
    const snap = deps.plans.snapshot();
    if (!snap) return { examined: 0, marked: 0 };
    const t = now();
    const horizon = t - snap.maxLatenessMs;
    const work: { key: string; hostId: number; checkRowId: number; pluginRowId: number; intervals: HostPlan['entries'][number]['entry']['intervals']; connectedSince: number | null }[] = [];
    const live = new Set<string>();
    for (const [hostId, plan] of snap.plans) {
      const host = snap.hosts.get(hostId);
      if (!host?.enrolled || (deps.owns && !(host.agentId && deps.owns(host.agentId)))) continue;
      const connected = host.connectedSince !== null && host.unreachableSince === null;
      for (const e of plan.entries) {
        // A device's entry (docs/devices.md) is judged by its collector's connection, stored as the device's.
        const ofHost = e.targetHostId ?? hostId;
        const key = keyOf(ofHost, e.checkRowId, e.pluginRowId);
        live.add(key);
        let cursor = cursors.get(key);
        // Several cores: an entry first seen here may have been judged by the agent's previous core up to now.
        if (!cursor) cursors.set(key, (cursor = { judged: deps.owns ? t : horizon, received: new Set() }));
        if (cursor.judged === -Infinity) cursor.judged = deps.owns ? t : horizon;
        if (!connected) {
          cursor.judged = Math.max(cursor.judged, horizon);
          for (const s of cursor.received) if (s <= cursor.judged) cursor.received.delete(s);
          continue;
        }
        work.push({ key, hostId: ofHost, checkRowId: e.checkRowId, pluginRowId: e.pluginRowId, intervals: e.entry.intervals, connectedSince: host.connectedSince });
      }
    }
    for (const key of cursors.keys()) if (!live.has(key)) cursors.delete(key);

    const slots: NoDataSlot[] = [];
    let examined = 0;
    const n = work.length;
    let processed = 0;
    for (; processed < n && examined < config.noDataMaxSlotsPerSweep; processed++) {
      const w = work[(offset + processed) % n]!;
      const cursor = cursors.get(w.key)!;
      // Slots before the agent's current connection are its outbox's business.
      let from = Math.max(cursor.judged, (w.connectedSince ?? 0) - 1);
      if (horizon <= from) continue;
      const shortest = Math.min(...w.intervals.map((i) => i.everyMs));
      if (countSlots(w.intervals, from, horizon + 1) > config.noDataMaxSlotsPerEntry) {
        // A long gap: only its newest slots are judged, the older ones are skipped.
        from = Math.max(from, horizon - config.noDataMaxSlotsPerEntry * shortest);
      }
      const budget = config.noDataMaxSlotsPerSweep - examined;
      const candidates = slotsBetween(w.intervals, from + 1, horizon + 1, Number.MAX_SAFE_INTEGER);
      const taken = candidates.length > budget ? candidates.slice(0, budget) : candidates;
      const to = taken.length < candidates.length ? taken[taken.length - 1]! : horizon;
      for (const slot of taken) {
        examined++;
        if (!cursor.received.has(slot)) slots.push({ hostId: w.hostId, pluginRowId: w.pluginRowId, checkRowId: w.checkRowId, slot });
      }
      cursor.judged = to;
      for (const s of cursor.received) if (s <= to) cursor.received.delete(s);
    }
    offset = n === 0 ? 0 : (offset + processed) % n;
    if (slots.length > 0) {
      await deps.sink.storeNoData(slots);
      log.info({ marked: slots.length, examined }, 'slots without a result marked no_data');
    }
    return { examined, marked: slots.length };
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      current = sweep()
        .catch((err: unknown) => log.error({ err }, 'no_data sweep failed'))
        .finally(schedule);
    }, config.noDataSweepMs);
    timer.unref?.();
  }

  return {
    async start() {
      running = true;
      schedule();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await current;
    },
    sweep,
    observe(hostId, pluginRowId, checkRowId, slot) {
      const key = keyOf(hostId, checkRowId, pluginRowId);
      let cursor = cursors.get(key);
      // Not swept yet: remember the slot; the first sweep starts judging at its horizon.
      if (!cursor) cursors.set(key, (cursor = { judged: -Infinity, received: new Set() }));
      if (slot > cursor.judged) cursor.received.add(slot);
    },
  };
}
