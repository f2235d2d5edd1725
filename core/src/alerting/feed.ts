import { isSeverity, type Logger, type Severity } from '@prophasis/protocol';
import type { EventBus, Transition } from '../kernel/index.js';
import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';

export type { Transition };

/** Where alerting and service health get transitions from; declared here, by the consumers. */
export interface TransitionFeed {
  /** Calls `handler` with every batch of new transitions; returns the unsubscribe function. */
  onTransitions(handler: (batch: readonly Transition[]) => void | Promise<void>): () => void;
}

/** An in-process feed a producer publishes to directly (tests, or wiring without the event bus). */
function createTransitionHub(deps: { logger?: Logger } = {}): TransitionFeed & { publish(batch: readonly Transition[]): Promise<void> } {
  const handlers = new Set<(batch: readonly Transition[]) => void | Promise<void>>();
  return {
    onTransitions(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async publish(batch) {
      if (batch.length === 0) return;
      await Promise.all(
        [...handlers].map(async (h) => {
          try {
            await h(batch);
          } catch (err) {
            deps.logger?.error({ err, component: 'transition-feed' }, 'transition handler failed');
          }
        }),
      );
    },
  };
}

/**
 * A feed over the core's event bus: every `state.changed` event (the pipeline publishes one per
 * host/plugin transition, the service monitor one per service transition) carries its
 * transition; the events published within one synchronous run (one batch of the ingest) are
 * delivered together, one microtask later. Best effort, like the bus: what happens while the
 * core is down is not replayed (the polling feed is the durable alternative).
 */
export function eventBusFeed(bus: Pick<EventBus, 'on'>, deps: { logger?: Logger } = {}): TransitionFeed {
  const hub = createTransitionHub(deps);
  let pending: Transition[] = [];
  let unsubscribe: (() => void) | undefined;
  let subscribers = 0;
  return {
    onTransitions(handler) {
      const off = hub.onTransitions(handler);
      subscribers++;
      unsubscribe ??= bus.on('state.changed', (event) => {
        pending.push(event.transition);
        if (pending.length === 1) {
          queueMicrotask(() => {
            const batch = pending;
            pending = [];
            void hub.publish(batch);
          });
        }
      });
      return () => {
        off();
        if (--subscribers === 0) {
          unsubscribe?.();
          unsubscribe = undefined;
        }
      };
    },
  };
}

export interface PollingFeedConfig {
  /** How often `state_transitions` is read for new rows. */
  intervalMs: number; // 2 s
  /** Rows read per query; a full page is followed at once by the next. */
  batchSize: number; // 1000 rows
}

export const POLLING_FEED_DEFAULTS: PollingFeedConfig = { intervalMs: 2000, batchSize: 1000 };

/**
 * The polling fallback: reads rows of `state_transitions` with an id above the last one seen
 * (starting at the newest row when started, so history is not re-alerted), host and service
 * transitions alike. Independent of who wrote them, at the cost of up to `intervalMs` delay.
 */
export function createPollingFeed(
  config: PollingFeedConfig,
  deps: { db: Database; logger: Logger },
): TransitionFeed & { start(): Promise<void>; stop(): Promise<void>; poll(): Promise<number> } {
  const log = deps.logger.child({ component: 'transition-feed' });
  const hub = createTransitionHub({ logger: deps.logger });
  let cursor = 0;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<number> | undefined;
  const select = <T extends object>(sql: string, replacements: unknown[] = []) => deps.db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements });

  async function readOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await select<{ id: number; host_id: number | null; service_id: number | null; plugin_id: number | null; from_state: string; to_state: string; at: number; late: unknown }>(
        'SELECT id, host_id, service_id, plugin_id, from_state, to_state, at, late FROM state_transitions WHERE id > ? ORDER BY id LIMIT ?',
        [cursor, config.batchSize],
      );
      if (rows.length === 0) return total;
      cursor = Number(rows[rows.length - 1]!.id);
      const batch: Transition[] = rows
        .filter((r) => isSeverity(r.from_state) && isSeverity(r.to_state))
        .map((r) => ({
          id: Number(r.id),
          hostId: r.host_id == null ? null : Number(r.host_id),
          serviceId: r.service_id == null ? null : Number(r.service_id),
          pluginId: r.plugin_id == null ? null : Number(r.plugin_id),
          from: r.from_state as Severity,
          to: r.to_state as Severity,
          at: Number(r.at),
          late: r.late === true || r.late === 1 || r.late === '1',
        }));
      total += batch.length;
      await hub.publish(batch);
      if (rows.length < config.batchSize) return total;
    }
  }

  const poll = (): Promise<number> =>
    (polling ??= readOnce()
      .catch((err: unknown) => {
        log.error({ err }, 'reading state_transitions failed; will retry');
        return 0;
      })
      .finally(() => {
        polling = undefined;
      }));

  return {
    onTransitions: (handler) => hub.onTransitions(handler),
    async start() {
      const [row] = await select<{ max: number | null }>('SELECT MAX(id) AS max FROM state_transitions');
      cursor = Number(row?.max ?? 0);
      timer = setInterval(() => void poll(), config.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await polling;
    },
    poll,
  };
}
