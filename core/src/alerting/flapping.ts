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
  startedAt: number;
  /** The `state_transitions.id` that started it, if known: reading that transition again gives "started" again. */
  startedBy: number | null;
}

export interface FlapTracker {
  /**
   * The verdict of each plugin transition of a batch (keyed by the transition), from the
   * series' stored results up to it and the thresholds of the check that measured them (the
   * global `defaults` when it has none); a host's own transition takes its causes' verdict (the
   * plugin changes of the same host at the same time) when they all agree it flaps.
   */
  judge(batch: readonly Transition[], defaults: FlapThresholds, relevant: (t: Transition) => boolean): Promise<Map<Transition, FlapVerdict>>;
  /** Series that were flapping and no longer are (their newest results settled): one transition each, from the state at the start to the current one; forgotten afterwards. */
  settled(defaults: FlapThresholds, now: number): Promise<Transition[]>;
}

const key = (hostId: number, pluginId: number) => `h:${hostId}:p:${pluginId}`;

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
 * (twice the window, so the hysteresis is replayed the same way after a restart) with the
 * thresholds of the check that measured the newest of them (`checks.flap_low_percent`,
 * `flap_high_percent`; migration 0009). The series found flapping are kept in `alert_flapping`
 * until their results settle, so a restart forgets none and lists can mark them.
 */
export function createFlapTracker(db: Pick<Database, 'sequelize'>): FlapTracker {
  let loaded: Map<string, Flapping> | undefined;

  async function flappingNow(): Promise<Map<string, Flapping>> {
    if (loaded) return loaded;
    const rows = await db.sequelize.query<{ series_key: string; host_id: number; plugin_id: number | null; from_state: string; started_at: unknown; started_by: unknown }>(
      'SELECT series_key, host_id, plugin_id, from_state, started_at, started_by FROM alert_flapping',
      { type: QueryTypes.SELECT },
    );
    loaded = new Map(
      rows.map((r) => [
        r.series_key,
        { hostId: Number(r.host_id), pluginId: r.plugin_id == null ? null : Number(r.plugin_id), from: isSeverity(r.from_state) ? r.from_state : 'unknown', startedAt: Number(r.started_at), startedBy: r.started_by == null ? null : Number(r.started_by) },
      ]),
    );
    return loaded;
  }

  async function remember(k: string, f: Flapping): Promise<void> {
    (await flappingNow()).set(k, f);
    await db.sequelize.query(
      `INSERT INTO alert_flapping (series_key, host_id, plugin_id, from_state, started_at, started_by) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (series_key) DO UPDATE SET from_state = excluded.from_state, started_at = excluded.started_at, started_by = excluded.started_by`,
      { replacements: [k, f.hostId, f.pluginId, f.from, f.startedAt, f.startedBy] },
    );
  }

  async function forget(k: string): Promise<void> {
    (await flappingNow()).delete(k);
    await db.sequelize.query('DELETE FROM alert_flapping WHERE series_key = ?', { replacements: [k] });
  }

  /** The series' newest states up to `upTo` (oldest first) and the check that measured the newest. */
  async function states(hostId: number, pluginId: number, upTo: number | null, window: number): Promise<{ states: Severity[]; checkId: number | null }> {
    const rows = await db.sequelize.query<{ severity: string; check_id: number | null }>(
      `SELECT severity, check_id FROM results WHERE host_id = :hostId AND plugin_id = :pluginId${upTo === null ? '' : ' AND measured_at <= :upTo'} ORDER BY measured_at DESC, id DESC LIMIT :limit`,
      { type: QueryTypes.SELECT, replacements: { hostId, pluginId, upTo, limit: window * 2 } },
    );
    const checkId = rows[0]?.check_id;
    return { states: rows.map((r) => r.severity).filter(isSeverity).reverse(), checkId: checkId == null ? null : Number(checkId) };
  }

  /** Checks with their own thresholds, read once per call of judge/settled. */
  async function thresholdsOf(defaults: FlapThresholds): Promise<(checkId: number | null) => FlapThresholds> {
    const rows = await db.sequelize.query<{ id: number; flap_low_percent: unknown; flap_high_percent: unknown }>(
      'SELECT id, flap_low_percent, flap_high_percent FROM checks WHERE flap_low_percent IS NOT NULL AND flap_high_percent IS NOT NULL',
      { type: QueryTypes.SELECT },
    );
    const own = new Map(rows.map((r) => [Number(r.id), { ...defaults, lowPercent: Number(r.flap_low_percent), highPercent: Number(r.flap_high_percent) }]));
    return (checkId) => (checkId === null ? undefined : own.get(checkId)) ?? defaults;
  }

  return {
    async judge(batch, defaults, relevant) {
      const verdicts = new Map<Transition, FlapVerdict>();
      const flapping = await flappingNow();
      const thresholds = await thresholdsOf(defaults);
      for (const t of batch) {
        if (t.hostId === null || t.pluginId === null || t.serviceId !== null || !relevant(t)) continue;
        const series = await states(t.hostId, t.pluginId, t.at, defaults.window);
        const { before, after } = replay(series.states, thresholds(series.checkId));
        const k = key(t.hostId, t.pluginId);
        const known = flapping.get(k);
        // The transition that started it, read again (its batch's commit failed): "started" again.
        const again = known !== undefined && t.id !== undefined && known.startedBy === t.id;
        const verdict: FlapVerdict = after ? (again ? 'started' : before || known ? 'continues' : 'started') : before || known ? 'stopped' : 'normal';
        if (verdict === 'started' && !again) await remember(k, { hostId: t.hostId, pluginId: t.pluginId, from: t.from, startedAt: t.at, startedBy: t.id ?? null });
        if (verdict === 'stopped') await forget(k);
        verdicts.set(t, verdict);
      }
      for (const t of batch) {
        if (t.hostId === null || t.pluginId !== null || t.serviceId !== null) continue;
        const causes = batch.filter((c) => c.hostId === t.hostId && c.pluginId !== null && c.serviceId === null && c.at === t.at).map((c) => verdicts.get(c) ?? 'normal');
        if (causes.length === 0 || causes.includes('normal')) continue;
        // The host flaps with its plugin, told apart from it: a host whose plugin started flapping
        // without moving the host's own state gets its "started" with the first change it does move.
        const hostKey = `h:${t.hostId}`;
        const known = flapping.get(hostKey);
        const again = known !== undefined && t.id !== undefined && known.startedBy === t.id;
        const derived: FlapVerdict = causes.includes('stopped') && !causes.includes('continues') && !causes.includes('started') ? 'stopped' : 'continues';
        const verdict: FlapVerdict = derived === 'stopped' ? (known ? 'stopped' : 'normal') : again || !known ? 'started' : 'continues';
        if (verdict === 'started' && !again) await remember(hostKey, { hostId: t.hostId, pluginId: null, from: t.from, startedAt: t.at, startedBy: t.id ?? null });
        if (verdict === 'stopped') await forget(hostKey);
        verdicts.set(t, verdict);
      }
      return verdicts;
    },

    async settled(defaults, now) {
      const out: Transition[] = [];
      const flapping = await flappingNow();
      if (flapping.size === 0) return out;
      const thresholds = await thresholdsOf(defaults);
      for (const [k, f] of [...flapping]) {
        if (f.pluginId === null) continue;
        const series = await states(f.hostId, f.pluginId, null, defaults.window);
        if (replay(series.states, thresholds(series.checkId)).after) continue;
        await forget(k);
        const to = series.states[series.states.length - 1] ?? f.from;
        out.push({ hostId: f.hostId, pluginId: f.pluginId, serviceId: null, from: f.from, to, at: now, late: false });
        // The host's own state stops flapping when none of its plugins flaps any more.
        const hostKey = `h:${f.hostId}`;
        const host = flapping.get(hostKey);
        if (host && ![...flapping.values()].some((o) => o.hostId === f.hostId && o.pluginId !== null)) {
          await forget(hostKey);
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

/** The problems flapping now (`h:<host>:p:<plugin row>`, `h:<host>`; table `alert_flapping`), for lists and reports. */
export async function loadFlapping(db: Pick<Database, 'sequelize'>): Promise<Set<string>> {
  const rows = await db.sequelize.query<{ series_key: string }>('SELECT series_key FROM alert_flapping', { type: QueryTypes.SELECT });
  return new Set(rows.map((r) => r.series_key));
}
