import { resultId, type Logger, type Result } from '@prophasis/protocol';
import type { SystemLog } from '../../kernel/index.js';
import { NO_DATA_PREFIX, noDataResultId } from '../store.js';
import type { IngestCounters, Item, NoDataSlot, PlanView } from '../types.js';

/** At most this many system-log entries per agent and minute for refused results (pino keeps all). */
const REFUSALS_LOGGED_PER_MINUTE = 10;

export interface Admission {
  /**
   * The results of one `result` message as items, checked against the sender's plan (or a
   * "Run now" request the core made); the others are refused and logged. Empty when the agent
   * belongs to no enrolled host.
   */
  admit(agentId: string, results: readonly Result[]): Promise<Item[]>;
  /** The sweep's synthetic `no_data` results as items. */
  noData(slots: readonly NoDataSlot[]): Item[];
}

/**
 * Admission (docs/pipeline.md, "Ingest"): what the ingest accepts from an agent. A result must
 * belong to a plan entry of the sender's host (or a Run now it requested) and carry the id the
 * sender's agent id derives for it (protocol `resultId`, docs/decisions/0008-result-ids-verified.md),
 * so no agent can publish ids of another host's results; its row ids, parameters and classifier
 * come from the plan.
 */
export function createAdmission(deps: {
  plans: PlanView;
  systemLog: SystemLog;
  log: Logger;
  now: () => number;
  counters: IngestCounters;
  /** Presence's `seen(agentId)`: results count as signs of life. */
  seen?: ((agentId: string) => void | Promise<void>) | undefined;
}): Admission {
  const { plans, log, now, counters } = deps;
  const refusals = new Map<string, { minute: number; count: number }>();

  function refuse(agentId: string, reason: string, context: Record<string, unknown>): void {
    counters.refused++;
    log.warn({ agentId, reason, ...context }, 'result refused');
    const minute = Math.floor(now() / 60_000);
    const seen = refusals.get(agentId);
    const entry = seen && seen.minute === minute ? seen : { minute, count: 0 };
    entry.count++;
    refusals.set(agentId, entry);
    if (refusals.size > 10_000) refusals.clear();
    if (entry.count <= REFUSALS_LOGGED_PER_MINUTE) deps.systemLog.write('warn', 'ingest', `result refused: ${reason}`, { agentId, ...context });
  }

  /**
   * Whether `r.id` is the id the sender's agent id derives for it: from the Run now request id,
   * else from the plan entry (`entryKey`) and the slot. Refuses and logs a mismatch, and a
   * scheduled result without a slot (no agent sends one).
   */
  function ownsId(agentId: string, hostId: number, r: Result, entryKey?: string): boolean {
    const origin = r.requestId !== undefined ? { requestId: r.requestId } : r.slot !== null && entryKey !== undefined ? { entryKey, slot: r.slot } : undefined;
    if (origin && r.id === resultId(agentId, origin)) return true;
    const context = { hostId, resultId: r.id, pluginId: r.pluginId, checkId: r.checkId, slot: r.slot, requestId: r.requestId };
    if (!origin) refuse(agentId, `scheduled result of plugin ${r.pluginId} of check ${r.checkId} has no slot`, context);
    else {
      const what = 'requestId' in origin ? `Run now ${origin.requestId}` : `plugin ${r.pluginId} of check ${r.checkId}, slot ${origin.slot}`;
      refuse(agentId, `result id ${r.id} does not belong to this agent (${what})`, context);
    }
    return false;
  }

  /**
   * Host attribution of a device's result (docs/devices.md, "Targets"): only the device's current
   * collector may publish results about it; anything else is refused and logged, nothing stored.
   */
  function collects(agentId: string, hostId: number, target: number, r: Result): boolean {
    const collector = plans.snapshot()?.collectors?.get(target);
    if (collector === hostId) return true;
    const why = collector === undefined ? 'it has no collector or is not a device' : `its collector is host ${collector}`;
    refuse(agentId, `result for device ${target} from host ${hostId}, which is not its collector (${why})`, { hostId, targetHostId: target, resultId: r.id, pluginId: r.pluginId, checkId: r.checkId });
    return false;
  }

  function toItem(agentId: string, hostId: number, r: Result, receivedAt: number, maxLatenessMs: number): Item | undefined {
    const snap = plans.snapshot();
    const run = r.requestId ? plans.runRequest(r.requestId) : undefined;
    if (run && run.hostId === hostId && run.pluginId === r.pluginId) {
      if (!ownsId(agentId, hostId, r)) return undefined;
      const planned = run.checkRowId === null ? undefined : snap?.entries.get(hostId)?.get(`${run.checkRowId}:${r.pluginId}`);
      return {
        params: planned?.entry.params ?? {},
        ...common(r, receivedAt, maxLatenessMs),
        hostId,
        pluginRowId: run.pluginRowId,
        pluginKey: `${r.pluginId}@${r.version}`,
        checkRowId: run.checkRowId,
        historyCount: run.historyCount,
        defaultClassifier: run.defaultClassifier,
      };
    }
    const target = r.targetHostId;
    if (target !== undefined && !collects(agentId, hostId, target, r)) return undefined;
    const planned = r.checkId === null ? undefined : snap?.entries.get(hostId)?.get(target === undefined ? `${r.checkId}:${r.pluginId}` : `${r.checkId}:${r.pluginId}@${target}`);
    if (!planned) {
      refuse(agentId, r.checkId === null ? `run of ${r.pluginId} that the core did not request` : `plugin ${r.pluginId} of check ${r.checkId} is not in the host's plan`, {
        hostId,
        resultId: r.id,
        pluginId: r.pluginId,
        checkId: r.checkId,
      });
      return undefined;
    }
    if (!ownsId(agentId, hostId, r, planned.entry.key)) return undefined;
    return {
      ...common(r, receivedAt, maxLatenessMs),
      params: planned.entry.params,
      // A device's result (docs/devices.md): stored, classified and alerted as the device's.
      hostId: planned.targetHostId ?? hostId,
      pluginRowId: planned.pluginRowId,
      pluginKey: `${r.pluginId}@${planned.entry.version}`,
      checkRowId: planned.checkRowId,
      historyCount: planned.historyCount,
      defaultClassifier: planned.defaultClassifier,
    };
  }

  function common(r: Result, receivedAt: number, maxLatenessMs: number) {
    return {
      resultId: r.id,
      slotAt: r.slot,
      measuredAt: r.measuredAt,
      receivedAt,
      value: r.value !== null && Number.isFinite(r.value) ? r.value : null,
      message: r.message,
      resultType: r.resultType,
      // Late: it reached the core more than maxLateness after its slot (an outbox backlog).
      late: receivedAt - (r.slot ?? r.measuredAt) > maxLatenessMs,
      noData: false,
    };
  }

  return {
    async admit(agentId, results) {
      await plans.ready();
      const snap = plans.snapshot();
      const hostId = snap?.hostByAgent.get(agentId);
      if (hostId === undefined || !snap) {
        refuse(agentId, 'results from an agent no enrolled host carries', { results: results.length });
        return [];
      }
      if (deps.seen) void Promise.resolve(deps.seen(agentId)).catch(() => {});
      const receivedAt = now();
      const items: Item[] = [];
      for (const r of results) {
        if (r.id.startsWith(NO_DATA_PREFIX)) {
          refuse(agentId, 'result id uses the reserved no_data prefix', { hostId, resultId: r.id });
          continue;
        }
        const item = toItem(agentId, hostId, r, receivedAt, snap.maxLatenessMs);
        if (item) items.push(item);
      }
      return items;
    },

    noData(slots) {
      const receivedAt = now();
      return slots.map((s) => ({
        resultId: noDataResultId(s.hostId, s.pluginRowId, s.checkRowId, s.slot),
        hostId: s.hostId,
        pluginRowId: s.pluginRowId,
        pluginKey: '',
        checkRowId: s.checkRowId,
        slotAt: s.slot,
        measuredAt: s.slot,
        receivedAt,
        value: null,
        message: 'no result within maxLateness',
        // The agent did not report in time: from the core's side, a timeout.
        resultType: 'connection_timeout',
        late: false,
        historyCount: 1,
        defaultClassifier: '',
        params: {},
        noData: true,
      }));
    },
  };
}
