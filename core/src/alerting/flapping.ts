import { isSeverity, type Severity } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';
import type { Transition } from './feed.js';
import { flapScore, isFlapping, type FlapThresholds } from './flap.js';
import { alertMatches, scopesMatch } from './matcher.js';
import type { AlertRule } from './rules.js';
import type { NoticeReason } from './types.js';

/** What flap detection makes of one transition (docs/alerts.md, "Flapping"). */
export type FlapVerdict = 'normal' | 'started' | 'continues' | 'stopped';

/** A plugin series on a host that is flapping (or, `pluginId` null, the host's own state with it), with the state it had when it started. */
interface Flapping {
  hostId: number;
  pluginId: number | null;
  from: Severity;
}

export interface FlapTracker {
  /**
   * The verdict of each plugin transition of a batch (keyed by the transition), from the
   * series' stored results up to it; a host's own transition takes its causes' verdict (the
   * plugin changes of the same host at the same time) when they all agree it flaps.
   */
  judge(batch: readonly Transition[], thresholds: FlapThresholds, relevant: (t: Transition) => boolean): Promise<Map<Transition, FlapVerdict>>;
  /** Series that were flapping and no longer are (their newest results settled): one transition each, from the state at the start to the current one; forgotten afterwards. */
  settled(thresholds: FlapThresholds, now: number): Promise<Transition[]>;
}

const key = (hostId: number, pluginId: number) => `${hostId}:${pluginId}`;

/** Whether the series was flapping at each of its last two states, replaying the hysteresis over `states` (oldest first). */
function replay(states: readonly string[], t: FlapThresholds): { before: boolean; after: boolean } {
  let flapping = false;
  let before = false;
  for (let i = 0; i < states.length; i++) {
    before = flapping;
    flapping = isFlapping(flapping, flapScore(states.slice(0, i + 1), t.window), t);
  }
  return { before, after: flapping };
}

/**
 * Flap detection over the `results` table: a series' verdict is computed from its newest results
 * (twice the window, so the hysteresis is replayed the same way after a restart). The series
 * found flapping are remembered (in memory) until their results settle.
 */
export function createFlapTracker(db: Pick<Database, 'sequelize'>): FlapTracker {
  const flapping = new Map<string, Flapping>();

  async function states(hostId: number, pluginId: number, upTo: number | null, window: number): Promise<Severity[]> {
    const rows = await db.sequelize.query<{ severity: string }>(
      `SELECT severity FROM results WHERE host_id = :hostId AND plugin_id = :pluginId${upTo === null ? '' : ' AND measured_at <= :upTo'} ORDER BY measured_at DESC, id DESC LIMIT :limit`,
      { type: QueryTypes.SELECT, replacements: { hostId, pluginId, upTo, limit: window * 2 } },
    );
    return rows.map((r) => r.severity).filter(isSeverity).reverse();
  }

  return {
    async judge(batch, thresholds, relevant) {
      const verdicts = new Map<Transition, FlapVerdict>();
      for (const t of batch) {
        if (t.hostId === null || t.pluginId === null || t.serviceId !== null || !relevant(t)) continue;
        const { before, after } = replay(await states(t.hostId, t.pluginId, t.at, thresholds.window), thresholds);
        const k = key(t.hostId, t.pluginId);
        const verdict: FlapVerdict = after ? (before || flapping.has(k) ? 'continues' : 'started') : before || flapping.has(k) ? 'stopped' : 'normal';
        if (verdict === 'started') flapping.set(k, { hostId: t.hostId, pluginId: t.pluginId, from: t.from });
        if (verdict === 'stopped') flapping.delete(k);
        verdicts.set(t, verdict);
      }
      for (const t of batch) {
        if (t.hostId === null || t.pluginId !== null || t.serviceId !== null) continue;
        const causes = batch.filter((c) => c.hostId === t.hostId && c.pluginId !== null && c.serviceId === null && c.at === t.at).map((c) => verdicts.get(c) ?? 'normal');
        if (causes.length === 0 || causes.includes('normal')) continue;
        // The host flaps with its plugin, told apart from it: a host whose plugin started flapping
        // without moving the host's own state gets its "started" with the first change it does move.
        const hostKey = `h:${t.hostId}`;
        const flappingHost = flapping.has(hostKey);
        const derived: FlapVerdict = causes.includes('stopped') && !causes.includes('continues') && !causes.includes('started') ? 'stopped' : 'continues';
        const verdict: FlapVerdict = derived === 'stopped' ? (flappingHost ? 'stopped' : 'normal') : flappingHost ? 'continues' : 'started';
        if (verdict === 'started') flapping.set(hostKey, { hostId: t.hostId, pluginId: null, from: t.from });
        if (verdict === 'stopped') flapping.delete(hostKey);
        verdicts.set(t, verdict);
      }
      return verdicts;
    },

    async settled(thresholds, now) {
      const out: Transition[] = [];
      for (const [k, f] of [...flapping]) {
        if (f.pluginId === null) continue;
        const list = await states(f.hostId, f.pluginId, null, thresholds.window);
        if (replay(list, thresholds).after) continue;
        flapping.delete(k);
        const to = list[list.length - 1] ?? f.from;
        out.push({ hostId: f.hostId, pluginId: f.pluginId, serviceId: null, from: f.from, to, at: now, late: false });
        // The host's own state stops flapping when none of its plugins flaps any more.
        const hostKey = `h:${f.hostId}`;
        const host = flapping.get(hostKey);
        if (host && ![...flapping.values()].some((o) => o.hostId === f.hostId && o.pluginId !== null)) {
          flapping.delete(hostKey);
          out.push({ hostId: f.hostId, pluginId: null, serviceId: null, from: host.from, to, at: now, late: false });
        }
      }
      return out;
    },
  };
}

/**
 * Every (alert, transition) pair to notify, in transition order, then alert order: a transition
 * that is not flapping matches as usual (from, to and scopes); one that started or stopped
 * flapping matches every alert whose scopes cover it, once, with its reason; one that continues
 * flapping matches nothing.
 */
export function matchWithFlapping(
  rules: readonly AlertRule[],
  batch: readonly Transition[],
  verdicts: ReadonlyMap<Transition, FlapVerdict>,
): { rule: AlertRule; transition: Transition; reason?: NoticeReason }[] {
  const out: { rule: AlertRule; transition: Transition; reason?: NoticeReason }[] = [];
  for (const transition of batch) {
    const verdict = verdicts.get(transition) ?? 'normal';
    if (verdict === 'continues') continue;
    for (const rule of rules) {
      if (verdict === 'normal') {
        if (alertMatches(rule, transition)) out.push({ rule, transition });
      } else if (scopesMatch(rule, transition)) out.push({ rule, transition, reason: verdict === 'started' ? 'flapping-started' : 'flapping-stopped' });
    }
  }
  return out;
}

/** Whether an alert may notify a transition or, for a plugin's, the host's own severity it moves (flap detection looks only at those). */
export function flapRelevant(rules: readonly AlertRule[]): (t: Transition) => boolean {
  return (t) => rules.some((r) => scopesMatch(r, t) || scopesMatch(r, { ...t, pluginId: null }));
}
