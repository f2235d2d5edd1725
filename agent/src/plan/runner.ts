import {
  bodyProblem,
  fastForward,
  previousSlot,
  resultId,
  RESULT_TYPES,
  type BodyOf,
  type Logger,
  type Manifest,
  type PlanEntry,
  type PlanTarget,
  type Result,
  type ResultType,
} from '@prophasis/protocol';
import type { Clock } from '../clock.js';
import type { Plan, PlanState } from './plan-state.js';
import type { PluginRunner } from './plugin-runner.js';

/** What the runner needs of the bundle store. */
export interface BundleSource {
  /** The installed bundle with this hash (`wanted` names what the plan expects; the simulator uses it). */
  get(sha256: string, wanted: { pluginId: string; version: string }): { manifest: Manifest } | undefined;
  code(sha256: string): Promise<string>;
}

/** Where results go: the outbox (`alsoInTransaction` commits the slot with the result). */
interface ResultSink {
  append(results: readonly Result[], alsoInTransaction?: () => void): number;
}

export type CheckRun = BodyOf<'check.run'>;

export interface PlanRunner {
  /** Loads the persisted plan and starts running it. */
  start(): void;
  /** Stops scheduling; resolves when the run in progress (if any) has finished. */
  stop(): Promise<void>;
  /** Replaces the plan; an older revision than the one in force is ignored (`false`). */
  setPlan(plan: Plan): boolean;
  /** Queues a "Run now" ahead of every scheduled slot. */
  runNow(request: CheckRun): void;
  /** Revision of the plan in force. */
  revision(): number | undefined;
  /** Bundle hashes the plan and the queued runs need. */
  bundlesInUse(): Set<string>;
  /** Slots skipped as too late and not yet reported. */
  missedUnreported(): number;
  markMissedReported(n: number): void;
  /** The last run's failure (or null once a run succeeds). */
  lastError(): string | null;
  /** Resolves when no run is in progress and nothing is due now (tests; the simulator). */
  idle(): Promise<void>;
}

export interface PlanRunnerDeps {
  agentId: string;
  logger: Logger;
  clock: Clock;
  runner: PluginRunner;
  bundles: BundleSource;
  sink: ResultSink;
  state: PlanState;
}

/**
 * A device's checks (docs/devices.md, "Targets"): a plugin whose parameters schema has a `host`
 * parameter (tcp-port, tls-certificate …) and whose check leaves it empty runs against the
 * target's address.
 */
function withTargetHost(manifest: Pick<Manifest, 'parameters'>, params: Record<string, unknown>, address: string): Record<string, unknown> {
  const properties = manifest.parameters.properties;
  if (!properties || !Object.hasOwn(properties, 'host')) return params;
  if (typeof params['host'] === 'string' && params['host'] !== '') return params;
  return { ...params, host: address };
}

/** Longest single timer wait; the runner re-evaluates after it (clock jumps, the 24.8-day setTimeout limit). */
const MAX_WAIT_MS = 60_000;
const MAX_MESSAGE = 4096;

interface Job {
  kind: 'slot' | 'request';
  key: string;
  slot: number | null;
  missed: number;
  checkId: string | null;
  pluginId: string;
  version: string;
  sha256: string;
  params: Record<string, unknown>;
  capabilities: string[];
  timeoutMs?: number;
  requestId?: string;
  target?: PlanTarget;
}

/**
 * Runs the agent's plan (docs/agent.md, "Running the plan"): one plugin at a time across all
 * entries — the original design's per-agent queue, so plugins never compete for the machine —
 * in slot order, with `check.run` requests ahead of every slot. The next slot of each entry
 * comes from the protocol's `fastForward` (the same arithmetic the core uses): a slot that could
 * only start later than `maxLatenessMs` is skipped and counted as missed. Each result is
 * appended to the outbox in the same transaction that records its slot as done.
 */
export function createPlanRunner(deps: PlanRunnerDeps): PlanRunner {
  const { clock, agentId } = deps;
  const logger = deps.logger.child({ component: 'plan' });
  let plan: Plan | undefined;
  let lastSlots = new Map<string, number>();
  const requests: Job[] = [];
  let running = false;
  let busy: Promise<void> | undefined;
  let timer: unknown;
  let wakeScheduled = false;
  let missed = 0;
  let lastError: string | null = null;
  let idleWaiters: (() => void)[] = [];

  /** A new entry starts at its first slot at or after now: a plan does not backfill history. */
  function initialLastSlot(entry: PlanEntry, now: number): number | undefined {
    return previousSlot(entry.intervals, now - 1);
  }

  function nextJob(now: number): Job | { waitMs: number } | undefined {
    const request = requests.shift();
    if (request) return request;
    if (!plan) return undefined;
    let best: { entry: PlanEntry; slot: number; missed: number } | undefined;
    for (const entry of plan.entries) {
      const ff = fastForward(entry.intervals, lastSlots.get(entry.key), now, plan.maxLatenessMs);
      if (!best || ff.slot < best.slot || (ff.slot === best.slot && entry.key < best.entry.key)) best = { entry, ...ff };
    }
    if (!best) return undefined;
    if (best.slot > now) return { waitMs: Math.min(best.slot - now, MAX_WAIT_MS) };
    const { entry } = best;
    return {
      kind: 'slot',
      key: entry.key,
      slot: best.slot,
      missed: best.missed,
      checkId: entry.checkId,
      pluginId: entry.pluginId,
      version: entry.version,
      sha256: entry.sha256,
      params: entry.params,
      capabilities: entry.capabilities,
      ...(entry.timeoutMs === undefined ? {} : { timeoutMs: entry.timeoutMs }),
      ...(entry.target === undefined ? {} : { target: entry.target }),
    };
  }

  function settleIdle(): void {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Runs the next due job, or arms the timer for the next slot. Never runs two jobs at once. */
  function pump(): void {
    wakeScheduled = false;
    if (!running) return settleIdle();
    if (busy) return;
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    const next = nextJob(clock.now());
    if (next === undefined || 'waitMs' in next) {
      if (next) timer = clock.setTimeout(() => ((timer = undefined), pump()), next.waitMs);
      settleIdle();
      return;
    }
    busy = execute(next).finally(() => {
      busy = undefined;
      // setImmediate, not a microtask: a long catch-up must not starve the connection's I/O.
      wake();
    });
  }

  function wake(): void {
    if (wakeScheduled) return;
    wakeScheduled = true;
    setImmediate(pump);
  }

  async function execute(job: Job): Promise<void> {
    const measuredAt = clock.now();
    const output = await runPlugin(job);
    const result: Result = {
      id: resultId(agentId, job.kind === 'slot' ? { entryKey: job.key, slot: job.slot as number } : { requestId: job.requestId as string }),
      checkId: job.checkId,
      pluginId: job.pluginId,
      version: job.version,
      slot: job.slot,
      measuredAt,
      durationMs: Math.min(86_400_000, Math.max(0, Math.round(Number.isFinite(output.durationMs) ? output.durationMs : 0))),
      value: typeof output.value === 'number' && Number.isFinite(output.value) ? output.value : null,
      message: typeof output.message === 'string' ? output.message.slice(0, MAX_MESSAGE) : null,
      resultType: (RESULT_TYPES as readonly string[]).includes(output.resultType) ? output.resultType : 'command_unsuccessful',
      ...(job.requestId === undefined ? {} : { requestId: job.requestId }),
      ...(job.target === undefined ? {} : { targetHostId: job.target.hostId }),
    };
    const problem = bodyProblem('result', { results: [result] });
    if (problem) {
      // Only ids or keys the core sent could break the schema; say so instead of storing junk.
      logger.error({ problem, key: job.key }, 'result does not match the protocol; not stored');
      return;
    }
    try {
      deps.sink.append([result], () => {
        if (job.kind === 'slot') deps.state.setLastSlot(job.key, job.slot as number);
      });
    } catch (err) {
      lastError = `outbox: ${(err as Error).message}`;
      logger.error({ err }, 'storing a result failed');
      return;
    }
    if (job.kind === 'slot' && plan?.entries.some((e) => e.key === job.key)) {
      lastSlots.set(job.key, job.slot as number);
      if (job.missed > 0) {
        missed += job.missed;
        logger.warn({ key: job.key, missed: job.missed, slot: job.slot }, 'slots skipped: they could only start past maxLateness');
      }
    }
  }

  async function runPlugin(job: Job): Promise<{ resultType: ResultType; value: number | null; message: string | null; durationMs: number }> {
    const bundle = deps.bundles.get(job.sha256, { pluginId: job.pluginId, version: job.version });
    if (!bundle) {
      lastError = `bundle not installed: ${job.pluginId} ${job.version}`;
      return { resultType: 'command_unsuccessful', value: null, message: 'bundle not installed', durationMs: 0 };
    }
    // Granted: what the administrator approved AND the manifest declares, nothing else.
    const declared = new Set(bundle.manifest.capabilities);
    const approvedCapabilities = job.capabilities.filter((c) => declared.has(c));
    try {
      const output = await deps.runner.run({
        manifest: bundle.manifest,
        code: await deps.bundles.code(job.sha256),
        approvedCapabilities,
        params: job.target ? withTargetHost(bundle.manifest, job.params, job.target.address) : job.params,
        ...(job.timeoutMs === undefined ? {} : { timeoutMs: job.timeoutMs }),
        ...(job.target === undefined ? {} : { target: { address: job.target.address, name: job.target.name } }),
      });
      lastError = output.resultType === 'plugin' ? null : `${job.pluginId}: ${output.message ?? output.resultType}`;
      return output;
    } catch (err) {
      lastError = `${job.pluginId}: ${(err as Error).message}`;
      logger.warn({ err, pluginId: job.pluginId }, 'plugin run failed');
      return { resultType: 'command_unsuccessful', value: null, message: `plugin run failed: ${(err as Error).message}`, durationMs: 0 };
    }
  }

  return {
    start() {
      if (running) return;
      const loaded = deps.state.load();
      plan = loaded.plan;
      lastSlots = loaded.lastSlots;
      running = true;
      if (plan) logger.info({ revision: plan.revision, entries: plan.entries.length }, 'plan resumed');
      wake();
    },

    async stop() {
      running = false;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await busy;
    },

    setPlan(next) {
      if (plan && next.revision < plan.revision) {
        logger.warn({ revision: next.revision, current: plan.revision }, 'ignoring an older plan');
        return false;
      }
      const now = clock.now();
      const slots = new Map<string, number>();
      for (const entry of next.entries) {
        const last = lastSlots.get(entry.key) ?? initialLastSlot(entry, now);
        if (last !== undefined) slots.set(entry.key, last);
      }
      deps.state.save(next, slots);
      plan = next;
      lastSlots = slots;
      logger.info({ revision: next.revision, entries: next.entries.length }, 'plan set');
      wake();
      return true;
    },

    runNow(request) {
      requests.push({
        kind: 'request',
        key: `run:${request.requestId}`,
        slot: null,
        missed: 0,
        checkId: request.checkId,
        pluginId: request.pluginId,
        version: request.version,
        sha256: request.sha256,
        params: request.params,
        capabilities: request.capabilities,
        requestId: request.requestId,
        ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
      });
      wake();
    },

    revision: () => plan?.revision,

    bundlesInUse() {
      const used = new Set<string>();
      for (const e of plan?.entries ?? []) used.add(e.sha256);
      for (const r of requests) used.add(r.sha256);
      return used;
    },

    missedUnreported: () => missed,
    markMissedReported(n) {
      missed = Math.max(0, missed - n);
    },
    lastError: () => lastError,

    idle() {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        wake();
      });
    },
  };
}
