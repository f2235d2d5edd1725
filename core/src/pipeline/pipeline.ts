import type { Logger } from '@prophasis/protocol';
import type { Database } from '../db/index.js';
import { createDispatcher, type CommandPublisher, type Dispatcher } from '../scheduler/index.js';
import { databaseBundleSource, type BundleSource } from '../scheduler/index.js';
import { loadConfigRows } from '../scheduler/index.js';
import { settingsRevisionStore, type RevisionStore } from '../scheduler/index.js';
import { createNoDataSweep, type NoDataSweep } from './no-data.js';
import { createStateTracker, type StateTracker } from './states.js';
import type { EventPublisher, SecretBox, SystemLog } from '../kernel/index.js';
import type { PipelineConfig } from './config.js';
import { createIngest, type Classifier, type Ingest, type ResultSink } from './ingest.js';
import { sequelizePipelineStore, type PipelineStore } from './store.js';

export interface PipelineDeps {
  db: Database;
  /** The result store's `insertBatch` (db/results-store.ts). */
  sink: ResultSink;
  transport: CommandPublisher;
  classifier: Classifier;
  systemLog: SystemLog;
  logger: Logger;
  /** The plugin repository; default: plugin_versions read directly, no trusted publishers. */
  bundles?: BundleSource;
  events?: EventPublisher;
  seen?: (agentId: string) => void | Promise<void>;
  /** Each acknowledged batch's rows and latency (ingest's `observeBatch`). */
  observeBatch?: (rows: number, seconds: number) => void;
  revisions?: RevisionStore;
  /** Several cores (docs/high-availability.md): the agents whose slots this core judges, and the dispatch duty. */
  cluster?: { ownsAgent(agentId: string): boolean; ownsDispatch(): boolean };
  /** Opens checks' secret parameters for the plans (kernel/secret-box.ts); without it plans carry none. */
  secrets?: Pick<SecretBox, 'open'>;
  store?: PipelineStore;
  now?: () => number;
}

/** The result pipeline, assembled: the composition root starts and stops it as one subsystem. */
export interface Pipeline {
  dispatcher: Dispatcher;
  ingest: Ingest;
  states: StateTracker;
  noData: NoDataSweep;
  /** Dispatcher (first plans), state tracker, ingest, sweep; the transport must be started before. */
  start(): Promise<void>;
  /** In reverse: sweep, ingest (flushes), dispatcher. */
  stop(): Promise<void>;
  /**
   * A host's reachability changed (presence's `host.reachable` / `host.unreachable`): the host's
   * worst-of severity and its transition follow.
   */
  presence(event: { type: 'host.reachable' | 'host.unreachable'; hostId: string | number; at: number }): Promise<void>;
}

/**
 * Wires scheduler, dispatcher, ingest, states and the no_data sweep over one database
 * (docs/pipeline.md). Register `ingest.handle` and `dispatcher.handleRes` with the transport's
 * `onResult`, and `dispatcher.handleState` with its `onState`.
 */
export function createPipeline(config: PipelineConfig, deps: PipelineDeps): Pipeline {
  const store = deps.store ?? sequelizePipelineStore(deps.db);
  const now = deps.now ?? Date.now;
  const dispatcher = createDispatcher(config, {
    loadRows: () => loadConfigRows(deps.db, deps.secrets),
    transport: deps.transport,
    bundles: deps.bundles ?? databaseBundleSource(deps.db),
    revisions: deps.revisions ?? settingsRevisionStore(deps.db),
    logger: deps.logger,
    systemLog: deps.systemLog,
    now,
    ...(deps.cluster ? { ownsDispatch: deps.cluster.ownsDispatch } : {}),
  });
  const states = createStateTracker({ store, logger: deps.logger });
  // SQLite has one writer: overlapping INSERTs (and states) would only wait on its lock.
  const ingest = createIngest(deps.db.dialect === 'sqlite' ? { ...config, writeConcurrency: 1 } : config, {
    sink: deps.sink,
    store,
    states,
    classifier: deps.classifier,
    plans: dispatcher,
    systemLog: deps.systemLog,
    logger: deps.logger,
    slots: { observe: (...args) => noData.observe(...args) },
    now,
    ...(deps.events ? { events: deps.events } : {}),
    ...(deps.seen ? { seen: deps.seen } : {}),
    ...(deps.observeBatch ? { observeBatch: deps.observeBatch } : {}),
  });
  const noData = createNoDataSweep(config, { plans: dispatcher, sink: ingest, logger: deps.logger, now, ...(deps.cluster ? { owns: deps.cluster.ownsAgent } : {}) });
  const sweep = noData;
  return {
    dispatcher,
    ingest,
    states,
    noData: sweep,
    async start() {
      await dispatcher.start();
      const unreachable = [...(dispatcher.snapshot()?.hosts.values() ?? [])].filter((h) => h.unreachableSince !== null).map((h) => h.id);
      await states.start(unreachable);
      await ingest.start();
      await sweep.start();
    },
    async presence(event) {
      const transitions = states.setReachable(Number(event.hostId), event.type === 'host.reachable', event.at);
      for (const t of transitions) {
        deps.events?.publish({ type: 'state.changed', ts: event.at, transition: { hostId: t.hostId, serviceId: null, pluginId: null, from: t.from, to: t.to, at: t.at, late: false } });
      }
      await states.persist().catch((err: unknown) => deps.logger.error({ err, component: 'states' }, 'writing a reachability transition failed; will retry'));
    },
    async stop() {
      await sweep.stop();
      await ingest.stop();
      await dispatcher.stop();
    },
  };
}
