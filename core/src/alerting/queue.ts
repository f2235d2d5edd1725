import type { Logger } from '@prophasis/protocol';
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../kernel/index.js';
import type { SystemLog } from '../kernel/index.js';
import { backoffMs, type AlertingConfig } from './config.js';
import { renderSubject } from './message.js';
import type { AlertModuleRegistry } from './modules/index.js';
import { keptTexts, type RenderedMessage } from './templates.js';
import type { AlertNotice } from './types.js';

/** One notice waiting to be delivered by one module (a row of `alert_deliveries` in the durable store). */
export interface Delivery {
  id: string;
  alertId: number;
  module: string;
  /** The alert's settings when it matched (later edits do not change a queued delivery). */
  settings: unknown;
  notice: AlertNotice;
  /** Attempts made so far. */
  attempts: number;
  /** Not before this time (epoch ms). */
  nextAt: number;
  createdAt: number;
  lastError: string | null;
}

/**
 * Where pending deliveries are kept (declared here). The memory store loses them on restart
 * (and says so); the table-backed one (`sequelizeDeliveryStore`, `alert_deliveries`,
 * docs/alerts.md) survives it and is what the core uses.
 */
export interface DeliveryStore {
  readonly durable: boolean;
  add(d: Delivery): Promise<void>;
  update(d: Delivery): Promise<void>;
  remove(id: string): Promise<void>;
  /**
   * A delivery ended (`delivered`, or `failed`: abandoned). The durable store keeps it for the
   * notification history (docs/alerts.md); without `finish` it is removed.
   */
  finish?(d: Delivery, status: 'delivered' | 'failed', at: number): Promise<void>;
  /** Deliveries left by a previous run. */
  loadPending(): Promise<Delivery[]>;
}

export function memoryDeliveryStore(): DeliveryStore & { rows: Map<string, Delivery> } {
  const rows = new Map<string, Delivery>();
  return {
    durable: false,
    rows,
    add: async (d) => void rows.set(d.id, structuredClone(d)),
    update: async (d) => void rows.set(d.id, structuredClone(d)),
    remove: async (id) => void rows.delete(id),
    loadPending: async () => [...rows.values()].map((d) => structuredClone(d)),
  };
}

/** A new delivery of one notice, due now; not stored yet. */
export function newDelivery(input: Pick<Delivery, 'alertId' | 'module' | 'settings' | 'notice'>, now: number): Delivery {
  const id = randomUUID();
  return { id, ...input, notice: { ...input.notice, deliveryId: id }, attempts: 0, nextAt: now, createdAt: now, lastError: null };
}

export interface DeliveryQueue {
  start(): Promise<void>;
  /** Stops timers, waits for attempts in flight; pending deliveries stay in the store (lost if it is not durable, which is logged). */
  stop(): Promise<void>;
  enqueue(d: Pick<Delivery, 'alertId' | 'module' | 'settings' | 'notice'>): Promise<Delivery>;
  /** Takes deliveries the caller has already stored (alerting's intake writes them with its cursor) and attempts them. */
  admit(deliveries: readonly Delivery[]): void;
  /** Resolves when no attempt is running (tests, shutdown). */
  idle(): Promise<void>;
  pending(): Delivery[];
}

/**
 * Delivers notices through their modules with retries and exponential backoff (docs/alerts.md,
 * "Delivery and retries"). Deliveries are independent: a failing module waits out its backoff
 * without holding up any other delivery. Every failure goes to the system log with the module
 * and the reason (`warn` while retrying, `error` when abandoned); every success at `info`.
 * Settings that no longer validate or a module that does not exist fail at once, without retry.
 */
export function createDeliveryQueue(
  config: AlertingConfig,
  deps: {
    modules: AlertModuleRegistry;
    store: DeliveryStore;
    systemLog: SystemLog;
    logger: Logger;
    clock?: Clock;
    /** The texts of a delivery (templates, action links); without it modules send message.ts's default texts. A failure is a failed attempt. */
    compose?: (d: Delivery) => Promise<RenderedMessage>;
  },
): DeliveryQueue {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger.child({ component: 'alerting' });
  const waiting = new Map<string, Delivery>();
  const inFlight = new Map<string, Promise<void>>();
  let timer: { handle: unknown; at: number } | undefined;
  let running = false;
  let idleWaiters: (() => void)[] = [];

  const context = (d: Delivery) => ({ alertId: d.alertId, alert: d.notice.alert.name, module: d.module, deliveryId: d.id, subject: renderSubject(d.notice), attempt: d.attempts });

  function settleIdle(): void {
    if (inFlight.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  function pump(): void {
    if (!running) return;
    const now = clock.now();
    const due = [...waiting.values()].filter((d) => d.nextAt <= now && !inFlight.has(d.id)).sort((a, b) => a.nextAt - b.nextAt || a.createdAt - b.createdAt);
    for (const d of due) {
      if (inFlight.size >= config.concurrency) break;
      const p = attempt(d).finally(() => {
        inFlight.delete(d.id);
        pump();
        settleIdle();
      });
      inFlight.set(d.id, p);
    }
    arm();
  }

  /** One timer, for the earliest delivery that is not due yet. */
  function arm(): void {
    const next = [...waiting.values()].filter((d) => !inFlight.has(d.id)).reduce<number | undefined>((min, d) => (min === undefined || d.nextAt < min ? d.nextAt : min), undefined);
    if (next === undefined || inFlight.size >= config.concurrency) {
      if (timer) clock.clearTimeout(timer.handle);
      timer = undefined;
      return;
    }
    if (timer && timer.at === next) return;
    if (timer) clock.clearTimeout(timer.handle);
    timer = {
      at: next,
      handle: clock.setTimeout(() => {
        timer = undefined;
        pump();
      }, Math.max(0, next - clock.now())),
    };
  }

  /** Ends a delivery in the store: kept as history when the store keeps it, else removed. */
  const end = (d: Delivery, status: 'delivered' | 'failed') => (deps.store.finish ? deps.store.finish(d, status, clock.now()) : deps.store.remove(d.id));

  async function attempt(d: Delivery): Promise<void> {
    d.attempts++;
    const module = deps.modules.get(d.module);
    let reason: string;
    let retry = true;
    try {
      if (!module) {
        retry = false;
        throw new Error(`unknown alert module ${JSON.stringify(d.module)}`);
      }
      let settings: unknown;
      try {
        settings = module.validate(d.settings);
      } catch (err) {
        retry = false;
        throw err;
      }
      const message = deps.compose ? await deps.compose(d) : undefined;
      try {
        await module.send(d.notice, settings, message);
      } finally {
        // What went out, for the history (stored with the attempt's outcome; tokens cut out).
        if (message) d.notice = { ...d.notice, rendered: keptTexts(message) };
      }
      waiting.delete(d.id);
      await end(d, 'delivered').catch((err: unknown) => log.error({ err, deliveryId: d.id }, 'marking a delivered alert in the store failed'));
      deps.systemLog.write('info', 'alerting', `alert delivered by ${d.module}`, context(d));
      return;
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
    d.lastError = reason;
    if (!retry || d.attempts >= config.maxAttempts) {
      waiting.delete(d.id);
      await end(d, 'failed').catch((err: unknown) => log.error({ err, deliveryId: d.id }, 'marking an abandoned alert in the store failed'));
      const why = retry ? `after ${d.attempts} attempts` : 'without retrying';
      deps.systemLog.write('error', 'alerting', `alert delivery by ${d.module} abandoned ${why}: ${reason}`, { ...context(d), reason });
      return;
    }
    const wait = backoffMs(config, d.attempts, clock.random());
    d.nextAt = clock.now() + wait;
    await deps.store.update(d).catch((err: unknown) => log.error({ err, deliveryId: d.id }, 'updating a queued alert failed'));
    deps.systemLog.write('warn', 'alerting', `alert delivery by ${d.module} failed (attempt ${d.attempts} of ${config.maxAttempts}), retrying in ${Math.round(wait / 1000)} s: ${reason}`, {
      ...context(d),
      reason,
      retryInMs: wait,
    });
  }

  return {
    async start() {
      running = true;
      const left = await deps.store.loadPending();
      for (const d of left) waiting.set(d.id, d);
      if (left.length > 0) log.info({ deliveries: left.length }, 'resuming alert deliveries from the previous run');
      pump();
    },
    async stop() {
      running = false;
      if (timer) clock.clearTimeout(timer.handle);
      timer = undefined;
      await Promise.all(inFlight.values());
      if (waiting.size > 0 && !deps.store.durable) {
        const lost = [...waiting.values()];
        deps.systemLog.write('warn', 'alerting', `${lost.length} pending alert deliveries were lost at shutdown (they are kept in memory only)`, {
          deliveries: lost.map((d) => ({ alert: d.notice.alert.name, module: d.module, subject: renderSubject(d.notice), attempts: d.attempts })).slice(0, 100),
        });
      }
      waiting.clear();
    },
    async enqueue(input) {
      const d = newDelivery(input, clock.now());
      await deps.store.add(d);
      waiting.set(d.id, d);
      pump();
      return d;
    },
    admit(deliveries) {
      for (const d of deliveries) waiting.set(d.id, d);
      pump();
    },
    idle() {
      if (inFlight.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    pending: () => [...waiting.values()].map((d) => structuredClone(d)),
  };
}
