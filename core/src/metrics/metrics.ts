import type { HousekeepingRun } from '@prophasis/protocol';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';

/** What the metrics read from the running core; each a small view, read at scrape time. */
export interface MetricsDeps {
  db: Pick<Database, 'sequelize' | 'dialect'>;
  /** The ingest's counters since start (pipeline); `timings`: milliseconds per stage (`lookupMs`, …). */
  ingest(): { stored: number; duplicates: number; refused: number; batches: number; timings: object };
  /** The transport's counters (embedded broker connections and refusals, invalid messages). */
  transport(): { connections: number | null; refusals: Record<string, number>; invalidMessages: Record<string, number> };
  /** The last housekeeping run (none before the first). */
  housekeeping(): Promise<HousekeepingRun | null>;
}

export interface Metrics {
  registry: Registry;
  /** Ingest's `observeBatch`: one acknowledged batch. */
  observeBatch(rows: number, seconds: number): void;
  /** The text exposition format (`text/plain; version=0.0.4`). */
  render(): Promise<string>;
  readonly contentType: string;
}

/** Seconds from a batch's first result to its PUBACKs: the ingest's `batchMaxMs` (50 ms) up to a database that stalls. */
const BATCH_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The core's own health in the Prometheus text format (docs/operations.md, "Metrics"), through
 * `prom-client` (the maintained client library of the Prometheus project's Node.js ecosystem):
 * the process (CPU, memory, event-loop lag, handles), the ingest (results by outcome, batches
 * and their latency histogram, time per stage), the broker (connections, refusals by kind,
 * invalid messages by code), alert deliveries by status, the database pool and housekeeping.
 * Counters the subsystems keep are read at scrape time (`collect`), so nothing is counted twice.
 */
export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'prophasis_' });
  // Gauges that prom-client names like counters (`…_total`): promtool's lint refuses the names,
  // and the same figures are in process_open_fds and the event-loop lag.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(`prophasis_${name}`);

  const batchSeconds = new Histogram({
    name: 'prophasis_ingest_batch_seconds',
    help: 'Seconds from the first result of a batch to the acknowledgement of all of its results (stored and classified)',
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const batchRows = new Histogram({
    name: 'prophasis_ingest_batch_rows',
    help: 'Results per acknowledged batch',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2000],
    registers: [registry],
  });

  new Counter({
    name: 'prophasis_ingest_results_total',
    help: 'Results the ingest handled since the core started, by outcome (stored, duplicate, refused)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const s = deps.ingest();
      this.reset();
      this.inc({ outcome: 'stored' }, s.stored);
      this.inc({ outcome: 'duplicate' }, s.duplicates);
      this.inc({ outcome: 'refused' }, s.refused);
    },
  });
  new Counter({
    name: 'prophasis_ingest_stage_seconds_total',
    help: 'Seconds the ingest spent per stage (lookup, windows, classify: waiting for the Lua workers, insert, states)',
    labelNames: ['stage'],
    registers: [registry],
    collect() {
      const { timings } = deps.ingest();
      this.reset();
      for (const [key, ms] of Object.entries(timings)) this.inc({ stage: key.replace(/Ms$/, '') }, Number(ms) / 1000);
    },
  });

  new Gauge({
    name: 'prophasis_broker_connections',
    help: 'MQTT clients connected to the embedded broker (absent with an external broker)',
    registers: [registry],
    collect() {
      const { connections } = deps.transport();
      this.reset();
      if (connections !== null) this.set(connections);
    },
  });
  new Counter({
    name: 'prophasis_broker_refusals_total',
    help: 'Operations the embedded broker refused, by kind (auth_failed, identifier_rejected, connection_rate_limited, publish_denied, subscribe_denied, will_denied, offence_limit, …)',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, n] of Object.entries(deps.transport().refusals)) this.inc({ kind }, n);
    },
  });
  new Counter({
    name: 'prophasis_transport_invalid_messages_total',
    help: 'Messages dropped as invalid (bad topic, payload or publisher), by error code',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, n] of Object.entries(deps.transport().invalidMessages)) this.inc({ code }, n);
    },
  });

  new Gauge({
    name: 'prophasis_alert_deliveries',
    help: 'Rows of alert_deliveries by status (pending ones are being sent or retried; delivered and abandoned ones are the history housekeeping keeps)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await deps.db.sequelize.query<{ status: string; n: number | string }>('SELECT status, COUNT(*) AS n FROM alert_deliveries GROUP BY status', {
        type: QueryTypes.SELECT,
      });
      this.reset();
      for (const status of ['pending', 'delivered', 'abandoned']) this.set({ status }, 0);
      for (const r of rows) this.set({ status: r.status }, Number(r.n));
    },
  });

  new Gauge({
    name: 'prophasis_db_pool_connections',
    help: 'Database connections of the core\'s pool by state (PostgreSQL; SQLite has one connection and a separate writer)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      const pool = (deps.db.sequelize.connectionManager as unknown as { pool?: { size?: number; available?: number; using?: number; waiting?: number } }).pool;
      if (!pool || typeof pool.size !== 'number') return;
      this.set({ state: 'open' }, pool.size);
      this.set({ state: 'idle' }, pool.available ?? 0);
      this.set({ state: 'in_use' }, pool.using ?? 0);
      this.set({ state: 'waiting' }, pool.waiting ?? 0);
    },
  });

  // The last housekeeping run, one figure each (0 before the first run).
  const lastRun: [name: string, help: string, value: (run: HousekeepingRun) => number][] = [
    ['prophasis_housekeeping_last_run_timestamp_seconds', 'When the last housekeeping run started (0 before the first run)', (run) => run.startedAt / 1000],
    ['prophasis_housekeeping_last_run_seconds', 'How long the last housekeeping run took', (run) => run.durationMs / 1000],
    ['prophasis_housekeeping_last_run_errors', 'Tables the last housekeeping run failed on', (run) => run.errors.length],
  ];
  for (const [name, help, value] of lastRun) {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const run = await deps.housekeeping();
        this.set(run ? value(run) : 0);
      },
    });
  }
  new Gauge({
    name: 'prophasis_housekeeping_last_run_removed_rows',
    help: 'Rows the last housekeeping run removed, by table',
    labelNames: ['table'],
    registers: [registry],
    async collect() {
      const run = await deps.housekeeping();
      this.reset();
      for (const r of run?.removed ?? []) this.set({ table: r.table }, r.rows);
    },
  });

  return {
    registry,
    observeBatch(rows, seconds) {
      batchSeconds.observe(seconds);
      batchRows.observe(rows);
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
