import type { Logger, Severity } from '@prophasis/protocol';
import type { EventPublisher, StoredResult } from '../../kernel/index.js';
import type { StateTracker } from '../states.js';
import { noDataResultId, windowOf, type PipelineStore, type TransitionRow } from '../store.js';
import { since, type IngestTimings, type Item, type Prepared } from '../types.js';

export interface FinishStage {
  /**
   * Stage 3, one batch at a time and in order, after its INSERT committed: deletes the no_data
   * rows its late results replace, applies it to the current states and writes them. Returns
   * the transitions, to be published once the batch is acknowledged ({@link publish}).
   */
  finish(prepared: Prepared): Promise<TransitionRow[]>;
  /** Publishes the batch's transitions and one `result.stored` event with the newest result per series. */
  publish(prepared: Prepared, transitions: readonly TransitionRow[]): void;
}

/** States and transitions (docs/pipeline.md, "States and transitions"). */
export function createFinishStage(deps: { store: PipelineStore; states: StateTracker; events?: EventPublisher | undefined; log: Logger; now: () => number; timings: IngestTimings }): FinishStage {
  const { log } = deps;
  return {
    async finish({ items, severities }) {
      const t0 = performance.now();
      // A late real result replaces the no_data row of its slot (a separate statement after the
      // commit: if the core dies in between, both rows exist and the next sweep does not care).
      const late = items.filter((i) => !i.noData && i.late && i.slotAt !== null && i.checkRowId !== null);
      const superseded = late.map((i) => noDataResultId(i.hostId, i.pluginRowId, i.checkRowId!, i.slotAt!));
      if (superseded.length > 0) {
        // A no_data row is measured at its slot.
        await deps.store
          .deleteResults(superseded, windowOf(late.map((i) => i.slotAt!)))
          .catch((err: unknown) => log.error({ err }, 'deleting superseded no_data rows failed'));
      }

      const transitions: TransitionRow[] = [];
      items.forEach((i, index) => {
        transitions.push(...deps.states.apply({ hostId: i.hostId, pluginRowId: i.pluginRowId, severity: severities[index]!, t: i.slotAt !== null && i.noData ? i.slotAt : i.measuredAt, resultId: i.resultId, late: i.late }));
      });
      try {
        await deps.states.persist();
      } catch (err) {
        log.error({ err }, 'writing current states failed; will retry with the next batch');
      }
      deps.timings.statesMs += since(t0);
      return transitions;
    },

    publish({ items, severities }, transitions) {
      if (!deps.events) return;
      const ts = deps.now();
      for (const t of transitions) {
        deps.events.publish({ type: 'state.changed', ts, transition: { hostId: t.hostId, serviceId: null, pluginId: t.pluginRowId, from: t.from, to: t.to, at: t.at, late: t.late } });
      }
      if (items.length === 0) return;
      // One event per batch with the newest result per series: the console refreshes, the SSE
      // stream does not carry 20,000 events a second.
      const latest = new Map<string, StoredResult>();
      items.forEach((i: Item, index) => {
        latest.set(`${i.hostId}:${i.pluginRowId}`, { hostId: i.hostId, pluginId: i.pluginRowId, checkId: i.checkRowId, severity: severities[index] as Severity, value: i.value, measuredAt: i.measuredAt });
      });
      deps.events.publish({ type: 'result.stored', ts, count: items.length, latest: [...latest.values()].slice(0, 1000) });
    },
  };
}
