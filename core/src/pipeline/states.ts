import type { Logger, Severity } from '@prophasis/protocol';
import { hostSeverity as hostSeverityOf } from '../state/index.js';
import type { PipelineStore, StateRow, TransitionRow } from './store.js';

/** One classified result, applied to the state of its series in slot order. */
interface Observation {
  hostId: number;
  pluginRowId: number;
  severity: Severity;
  /** measured_at: observations older than the newest applied one do not move the state. */
  t: number;
  resultId: string;
  late: boolean;
}

export interface StateTracker {
  /** Loads `current_states`; the host severities follow from them and the hosts that are unreachable now. */
  start(unreachableHosts?: Iterable<number>): Promise<void>;
  /**
   * Applies one observation; returns the transitions it caused (the plugin's, and the host's
   * when its worst-of severity moved). Memory only until {@link persist}.
   */
  apply(o: Observation): TransitionRow[];
  /** The host's reachability changed (presence); returns the host transition, if any. */
  setReachable(hostId: number, reachable: boolean, at: number): TransitionRow[];
  /** Writes changed states and new transitions; on failure keeps them for the next call. */
  persist(): Promise<void>;
  current(hostId: number, pluginRowId: number): StateRow | undefined;
  hostSeverity(hostId: number): Severity;
}

interface SeriesState extends StateRow {
  /** measured_at of the newest observation applied (since restart: at least `since`). */
  lastT: number;
}

/**
 * Current severity per host × plugin and per host, and their transitions (docs/pipeline.md,
 * "States and transitions"). A host's severity is the state model's `hostSeverity`: the worst of
 * its plugins' severities and of its reachability (`major` while unreachable). `current_states` is written
 * only when a severity changes, so a steady stream of `ok` results costs no state writes.
 */
export function createStateTracker(deps: { store: PipelineStore; logger: Logger }): StateTracker {
  const log = deps.logger.child({ component: 'states' });
  const series = new Map<string, SeriesState>();
  const byHost = new Map<number, Map<number, Severity>>();
  const hostSeverity = new Map<number, Severity>();
  const unreachable = new Set<number>();
  const dirty = new Map<string, StateRow>();
  let transitions: TransitionRow[] = [];

  const key = (hostId: number, pluginRowId: number) => `${hostId}:${pluginRowId}`;

  // The state model's rule (core/src/state), which every report reads host states by.
  const computeHost = (hostId: number): Severity => hostSeverityOf(byHost.get(hostId)?.values() ?? [], unreachable.has(hostId));

  function refreshHost(hostId: number, at: number, late: boolean): TransitionRow[] {
    const before = hostSeverity.get(hostId) ?? 'no_data';
    const after = computeHost(hostId);
    hostSeverity.set(hostId, after);
    if (before === after) return [];
    const t: TransitionRow = { hostId, pluginRowId: null, from: before, to: after, at, late };
    transitions.push(t);
    return [t];
  }

  return {
    async start(unreachableHosts = []) {
      for (const id of unreachableHosts) unreachable.add(id);
      for (const row of await deps.store.loadStates()) {
        series.set(key(row.hostId, row.pluginRowId), { ...row, lastT: row.since });
        let plugins = byHost.get(row.hostId);
        if (!plugins) byHost.set(row.hostId, (plugins = new Map()));
        plugins.set(row.pluginRowId, row.severity);
      }
      for (const hostId of new Set([...byHost.keys(), ...unreachable])) hostSeverity.set(hostId, computeHost(hostId));
      log.debug({ series: series.size }, 'current states loaded');
    },

    apply(o) {
      const k = key(o.hostId, o.pluginRowId);
      const state = series.get(k);
      if (state && o.t < state.lastT) return []; // older than what the state already reflects
      const from: Severity = state?.severity ?? 'no_data';
      if (state) state.lastT = o.t;
      if (state && from === o.severity) return [];
      const next: SeriesState = { hostId: o.hostId, pluginRowId: o.pluginRowId, severity: o.severity, since: o.t, lastResultId: o.resultId, lastT: o.t };
      series.set(k, next);
      dirty.set(k, next);
      let plugins = byHost.get(o.hostId);
      if (!plugins) byHost.set(o.hostId, (plugins = new Map()));
      plugins.set(o.pluginRowId, o.severity);
      const out: TransitionRow[] = [];
      if (from !== o.severity) {
        const t: TransitionRow = { hostId: o.hostId, pluginRowId: o.pluginRowId, from, to: o.severity, at: o.t, late: o.late };
        transitions.push(t);
        out.push(t);
      }
      out.push(...refreshHost(o.hostId, o.t, o.late));
      return out;
    },

    setReachable(hostId, reachable, at) {
      if (reachable === !unreachable.has(hostId)) return [];
      if (reachable) unreachable.delete(hostId);
      else unreachable.add(hostId);
      return refreshHost(hostId, at, false);
    },

    async persist() {
      if (dirty.size === 0 && transitions.length === 0) return;
      const states = [...dirty.values()].map(({ hostId, pluginRowId, severity, since, lastResultId }) => ({ hostId, pluginRowId, severity, since, lastResultId }));
      const pending = transitions;
      dirty.clear();
      transitions = [];
      try {
        await deps.store.persistStates(states, pending);
      } catch (err) {
        // Keep them (newer changes of the same series win) and try again with the next batch.
        for (const s of states) {
          const k = key(s.hostId, s.pluginRowId);
          if (!dirty.has(k)) dirty.set(k, s);
        }
        transitions = [...pending, ...transitions];
        throw err;
      }
    },

    current: (hostId, pluginRowId) => series.get(key(hostId, pluginRowId)),
    hostSeverity: (hostId) => hostSeverity.get(hostId) ?? computeHost(hostId),
  };
}
