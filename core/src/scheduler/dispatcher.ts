import { createMessage, type CmdMessage, type Logger, type ResMessage, type StateMessage } from '@prophasis/protocol';
import { randomUUID } from 'node:crypto';
import { NO_OVERRIDES, resolveClassifier, type ResolvedClassifier } from '../classification/index.js';
import type { SystemLog } from '../kernel/index.js';
import { createAgentCommands, type CommandPublisher } from './agent-commands.js';
import type { BundleSource } from './bundle-source.js';
import { DispatchErrors } from './errors.js';
import type { ConfigRows } from './load.js';
import { buildPlans, plannableVersions, type HostPlan } from './plan.js';
import type { PlanRevision, RevisionStore } from './revisions.js';
import { createRunRequests, type RunRequest } from './run-requests.js';
import { snapshotOf, type PipelineSnapshot } from './snapshot.js';

export type { CommandPublisher } from './agent-commands.js';

export interface DispatcherDeps {
  /** Reads the configuration (scheduler/load.ts `loadConfigRows(db)` in the core). */
  loadRows(): Promise<ConfigRows>;
  transport: CommandPublisher;
  bundles: BundleSource;
  revisions: RevisionStore;
  logger: Logger;
  systemLog: SystemLog;
  now?: () => number;
  /**
   * Several cores (docs/high-availability.md): whether this core holds the `dispatch` duty. The
   * others number no revisions and publish no plans; they follow the stored revisions.
   */
  ownsDispatch?: () => boolean;
}

interface RecomputeReport {
  /** Hosts whose plan changed (new revision). */
  changed: number[];
  /** Agents that were sent a new plan. */
  published: string[];
}

export interface Dispatcher {
  /** Loads revisions, computes the plans and publishes what changed while the core was away. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Configuration changed: recompute soon (debounced). The API's onSend hook calls this. */
  notifyConfigChanged(): void;
  /** Recomputes now and publishes changed plans; concurrent calls share one pass. */
  recompute(): Promise<RecomputeReport>;
  /** The transport's `onState` consumer: resends what a (re)connecting agent lacks. */
  handleState(agentId: string, message: StateMessage): Promise<void>;
  /** A `onResult` consumer for `bundle.status` bookkeeping (the ingest logs it). */
  handleRes(agentId: string, message: ResMessage): Promise<void>;
  /** Publishes `check.run` (after the bundle when the agent lacks it); resolves with the request id. */
  runNow(hostId: number, checkId: number | null, pluginId: string): Promise<string>;
  /** The latest snapshot, or undefined before the first computation. */
  snapshot(): PipelineSnapshot | undefined;
  /** Resolves once the first snapshot exists. */
  ready(): Promise<void>;
  runRequest(requestId: string): RunRequest | undefined;
  /** Resolves the classifier of one result by the override precedence (states/classifier.ts). */
  classifierFor(hostId: number, checkRowId: number | null, pluginRowId: number, pluginKey: string, defaultClassifier: string): ResolvedClassifier;
}

/** The dispatcher's settings (a slice of the pipeline's, docs/configuration.md). */
export interface DispatcherConfig {
  /** Plans are recomputed at least this often. */
  recomputeMs: number;
  /** A `notifyConfigChanged()` recomputes after this quiet time. */
  recomputeDebounceMs: number;
  /** "Run now" requests are remembered this long for their results to be accepted. */
  runNowTtlMs: number;
}

/**
 * Creates the dispatcher (docs/pipeline.md, "Dispatch"): recomputes plans on a change signal and
 * periodically, and publishes to affected agents only, in the order config.set (when the
 * trusted publishers changed) → bundle.install (what the agent lacks) → plan.set, all QoS 1 on
 * the agent's one cmd topic, so the agent sees a bundle before the plan that needs it. Every
 * publication runs in one serial queue, so two passes never interleave their commands.
 */
export function createDispatcher(config: DispatcherConfig, deps: DispatcherDeps): Dispatcher {
  const log = deps.logger.child({ component: 'dispatcher' });
  const now = deps.now ?? Date.now;
  let revisions = new Map<number, PlanRevision>();
  let current: PipelineSnapshot | undefined;
  const commands = createAgentCommands(deps);
  /** Agents whose last publication failed; retried on the next pass. */
  const retry = new Set<string>();
  const runRequests = createRunRequests({ ttlMs: config.runNowTtlMs }, now);
  const excludedReported = new Set<string>();
  let queue: Promise<unknown> = Promise.resolve();
  let pass: Promise<RecomputeReport> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let running = false;
  let readyResolve: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => (readyResolve = resolve));

  /** Runs `work` after every earlier publication finished (failures do not block the queue). */
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  }

  async function safePublish(agentId: string, plan: HostPlan, revision: number): Promise<boolean> {
    try {
      await commands.publishPlan(agentId, plan, revision);
      retry.delete(agentId);
      return true;
    } catch (err) {
      retry.add(agentId);
      log.error({ err, agentId, hostId: plan.hostId, revision }, 'publishing the plan failed; will retry');
      return false;
    }
  }

  async function computePass(): Promise<RecomputeReport> {
    const rows = await deps.loadRows();
    // Usability is asked only for the versions the builder may pick: the newest approved one
    // and, under a staged rollout, the newest approved one below the rolled-out version.
    const usable = new Set<string>();
    for (const p of plannableVersions(rows.input)) {
      if (await deps.bundles.isUsable(p.pluginId, p.version)) usable.add(`${p.pluginId}@${p.version}`);
    }
    const built = buildPlans({ ...rows.input, usable: (p, v) => usable.has(`${p}@${v}`) });
    for (const e of built.excluded) {
      const key = `${e.pluginId}@${e.version}`;
      if (excludedReported.has(key)) continue;
      excludedReported.add(key);
      deps.systemLog.write('warn', 'dispatcher', 'plugin left out of plans', { pluginId: e.pluginId, version: e.version, reason: e.reason });
    }
    const snapshot = snapshotOf(rows, built, now());
    const changes = new Map<number, PlanRevision>();
    for (const [hostId, plan] of built.plans) {
      const previous = revisions.get(hostId);
      if (previous?.hash === plan.hash) continue;
      changes.set(hostId, { revision: (previous?.revision ?? 0) + 1, hash: plan.hash });
    }
    if (deps.ownsDispatch && !deps.ownsDispatch()) {
      revisions = await deps.revisions.loadAll();
      current = snapshot;
      readyResolve();
      return { changed: [], published: [] };
    }
    const gone = [...revisions.keys()].filter((id) => !built.plans.has(id));
    // Persist first: a revision number is never handed out twice, even across a crash.
    await deps.revisions.save(changes);
    await deps.revisions.remove(gone);
    for (const [hostId, r] of changes) revisions.set(hostId, r);
    for (const id of gone) revisions.delete(id);
    current = snapshot;
    readyResolve();

    const trustHash = commands.trustHash();
    const published: string[] = [];
    await serial(async () => {
      for (const [hostId, plan] of built.plans) {
        const host = rows.hosts.get(hostId);
        if (!host?.enrolled || !host.agentId) continue;
        const agentId = host.agentId;
        if (changes.has(hostId) || retry.has(agentId)) {
          if (await safePublish(agentId, plan, revisions.get(hostId)!.revision)) published.push(agentId);
        } else if (commands.configSentTo(agentId) !== undefined && commands.configSentTo(agentId) !== trustHash) {
          // Only the trusted publishers changed: config.set alone.
          await commands.sendConfig(agentId, false).catch((err: unknown) => log.error({ err, agentId }, 'publishing config.set failed'));
        }
      }
    });
    if (changes.size > 0) log.info({ changed: changes.size, published: published.length }, 'plans recomputed');
    return { changed: [...changes.keys()], published };
  }

  function recompute(): Promise<RecomputeReport> {
    if (pass) {
      again = true;
      return pass;
    }
    const run = async (): Promise<RecomputeReport> => {
      try {
        let report = await computePass();
        while (again) {
          again = false;
          const next = await computePass();
          report = { changed: [...report.changed, ...next.changed], published: [...report.published, ...next.published] };
        }
        return report;
      } finally {
        pass = undefined;
      }
    };
    pass = run();
    return pass;
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      recompute()
        .catch((err: unknown) => log.error({ err }, 'recomputing plans failed'))
        .finally(schedule);
    }, config.recomputeMs);
    timer.unref?.();
  }

  return {
    async start() {
      running = true;
      revisions = await deps.revisions.loadAll();
      await recompute();
      schedule();
    },

    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      if (debounce) clearTimeout(debounce);
      await pass?.catch(() => {});
      await queue;
    },

    notifyConfigChanged() {
      if (!running) return;
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => {
        debounce = undefined;
        recompute().catch((err: unknown) => log.error({ err }, 'recomputing plans failed'));
      }, config.recomputeDebounceMs);
      debounce.unref?.();
    },

    recompute,

    async handleState(agentId, message) {
      if (message.body.status !== 'online') return;
      commands.online(agentId, message.body.bundles ?? []);
      let snap = current;
      if (!snap?.hostByAgent.has(agentId)) {
        // A freshly enrolled agent: its host may not be in the snapshot yet.
        await recompute().catch((err: unknown) => log.error({ err }, 'recomputing plans failed'));
        snap = current;
      }
      const hostId = snap?.hostByAgent.get(agentId);
      if (!snap || hostId === undefined) return;
      const plan = snap.plans.get(hostId);
      const revision = revisions.get(hostId)?.revision;
      if (!plan || revision === undefined) return;
      // Not the dispatch duty's core: only a plan the stored revision numbers (the owner publishes newer ones).
      if (deps.ownsDispatch && !deps.ownsDispatch() && revisions.get(hostId)?.hash !== plan.hash) return;
      await serial(async () => {
        try {
          // Whatever was sent while it was away may have been lost with its session: config first, always.
          await commands.sendConfig(agentId, true);
          if (message.body.planRevision !== revision) await commands.publishPlan(agentId, plan, revision);
          else for (const { entry } of plan.entries) await commands.sendBundle(agentId, entry.pluginId, entry.version, entry.sha256);
          retry.delete(agentId);
        } catch (err) {
          retry.add(agentId);
          log.error({ err, agentId }, 'resending to a reconnected agent failed; will retry');
        }
      });
    },

    async handleRes(agentId, message) {
      if (message.type !== 'bundle.status') return;
      const { sha256, status } = message.body;
      commands.bundleStatus(agentId, sha256, status === 'installed');
    },

    async runNow(hostId, checkId, pluginId) {
      const snap = current;
      if (!snap) throw DispatchErrors.NOT_READY();
      const host = snap.hosts.get(hostId);
      if (!host?.enrolled || !host.agentId) throw DispatchErrors.HOST_NOT_ENROLLED(`host ${hostId}`);
      const agentId = host.agentId;
      const requestId = randomUUID();
      let run: { pluginRowId: number; version: string; sha256: string; params: Record<string, unknown>; capabilities: string[]; historyCount: number; defaultClassifier: string; timeoutMs?: number | undefined };
      if (checkId !== null) {
        const planned = snap.entries.get(hostId)?.get(`${checkId}:${pluginId}`);
        if (!planned) throw DispatchErrors.NOT_IN_PLAN(`check ${checkId}, plugin ${pluginId}, host ${hostId}`);
        run = { ...planned.entry, pluginRowId: planned.pluginRowId, historyCount: planned.historyCount, defaultClassifier: planned.defaultClassifier };
      } else {
        const v = snap.deliverable.get(pluginId);
        if (!v) throw DispatchErrors.PLUGIN_NOT_USABLE(pluginId);
        run = { ...v, params: {} };
      }
      runRequests.remember({
        requestId,
        hostId,
        checkRowId: checkId,
        pluginRowId: run.pluginRowId,
        pluginId,
        historyCount: run.historyCount,
        defaultClassifier: run.defaultClassifier,
        at: now(),
      });
      await serial(async () => {
        await commands.sendConfig(agentId, false);
        await commands.sendBundle(agentId, pluginId, run.version, run.sha256);
        await deps.transport.publishCommand(
          agentId,
          createMessage('check.run', {
            requestId,
            checkId: checkId === null ? null : String(checkId),
            pluginId,
            version: run.version,
            sha256: run.sha256,
            params: run.params,
            capabilities: run.capabilities,
            ...(run.timeoutMs !== undefined ? { timeoutMs: run.timeoutMs } : {}),
          }) as CmdMessage,
        );
      });
      return requestId;
    },

    snapshot: () => current,
    ready: () => readyPromise,
    runRequest: (requestId) => runRequests.get(requestId),

    classifierFor(hostId, checkRowId, pluginRowId, pluginKey, defaultClassifier) {
      const snap = current;
      return resolveClassifier(
        { hostId, checkId: checkRowId, pluginRowId, pluginKey, defaultClassifier, hostGroups: snap?.hostGroups.get(hostId) },
        snap?.overrides ?? NO_OVERRIDES,
      );
    },
  };
}
