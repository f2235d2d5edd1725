import type { Logger } from '@prophasis/protocol';
import { createRequire } from 'node:module';
import { createEventBus, type CoreEvent, type EventBus } from '../kernel/index.js';

/** The PostgreSQL channel every core of a cluster listens on. */
const EVENTS_CHANNEL = 'prophasis_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes and more. */
const MAX_PAYLOAD = 7_800;

interface PgClient {
  connect(): Promise<void>;
  query(sql: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (n: { channel: string; payload?: string }) => void): void;
  on(event: 'error' | 'end', listener: (err?: Error) => void): void;
}

export interface EventBridge {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * What the console's event stream and the API use: `publish` goes to this core's bus (and so to
   * the other cores), listeners see this core's events and the other cores' alike.
   */
  readonly consoleEvents: EventBus;
  /** Notifications received from other cores since start, for tests and metrics. */
  received(): number;
}

/** Events other cores need: configuration for everyone, the rest for their consoles. */
const SHARED: ReadonlySet<CoreEvent['type']> = new Set(['config.changed', 'result.stored', 'state.changed', 'presence.changed']);

/** A compact payload: a stored batch keeps its count and as many of its newest results as fit. */
function encode(origin: string, event: CoreEvent): string | undefined {
  let text = JSON.stringify({ o: origin, e: event });
  if (text.length <= MAX_PAYLOAD) return text;
  if (event.type !== 'result.stored') return undefined;
  let latest = event.latest;
  while (latest.length > 0 && text.length > MAX_PAYLOAD) {
    latest = latest.slice(0, Math.floor(latest.length / 2));
    text = JSON.stringify({ o: origin, e: { ...event, latest } });
  }
  return text.length <= MAX_PAYLOAD ? text : undefined;
}

/**
 * Several cores, one configuration and one live view (docs/high-availability.md): every
 * `config.changed`, `result.stored`, `state.changed` and `presence.changed` of this core is sent
 * with PostgreSQL `NOTIFY` on {@link EVENTS_CHANNEL}; what another core sends arrives through
 * `LISTEN` on a connection of its own. A remote `config.changed` is published on this core's bus
 * (plans, alerts and services recompute as for a local change); the others reach only the console
 * bus — this core's alerting and services must not handle another core's transitions twice.
 */
export function createEventBridge(config: { coreId: string; databaseUrl: string; reconnectMs?: number }, deps: { events: EventBus; logger: Logger }): EventBridge {
  const log = deps.logger.child({ component: 'cluster-events' });
  const consoleBus = createEventBus({ onListenerError: (err) => log.error({ err }, 'event listener failed') });
  const remote = new WeakSet<CoreEvent>();
  let client: PgClient | undefined;
  let running = false;
  let receivedCount = 0;
  let reconnect: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  let sending: Promise<unknown> = Promise.resolve();

  const pg = createRequire(import.meta.url)('pg') as { Client: new (options: { connectionString: string }) => PgClient };

  function onNotification(payload: string | undefined): void {
    if (!payload) return;
    let message: { o?: unknown; e?: CoreEvent };
    try {
      message = JSON.parse(payload) as { o?: unknown; e?: CoreEvent };
    } catch {
      return log.warn({ bytes: payload.length }, 'unreadable cluster notification dropped');
    }
    const event = message.e;
    if (message.o === config.coreId || !event || !SHARED.has(event.type)) return;
    receivedCount++;
    remote.add(event);
    if (event.type === 'config.changed') deps.events.publish(event);
    else consoleBus.publish(event);
  }

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: config.databaseUrl });
    c.on('notification', (n) => {
      if (n.channel === EVENTS_CHANNEL) onNotification(n.payload);
    });
    const lost = (err?: Error) => {
      if (client !== c) return;
      client = undefined;
      c.end().catch(() => {});
      if (!running) return;
      log.warn({ err }, 'cluster notifications lost; reconnecting');
      scheduleReconnect();
    };
    c.on('error', lost);
    c.on('end', lost);
    await c.connect();
    await c.query(`LISTEN ${EVENTS_CHANNEL}`);
    client = c;
  }

  function scheduleReconnect(): void {
    if (!running || reconnect) return;
    reconnect = setTimeout(() => {
      reconnect = undefined;
      connect().catch((err: unknown) => {
        log.warn({ err }, 'cluster notifications: reconnecting failed');
        scheduleReconnect();
      });
    }, config.reconnectMs ?? 1_000);
    reconnect.unref?.();
  }

  function send(event: CoreEvent): void {
    if (remote.has(event) || !SHARED.has(event.type)) return;
    const payload = encode(config.coreId, event);
    const c = client;
    if (!payload || !c) return;
    sending = sending
      .then(() => c.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, payload]))
      .catch((err: unknown) => log.warn({ err, type: event.type }, 'cluster notification not sent'));
  }

  return {
    async start() {
      running = true;
      await connect();
      unsubscribe = deps.events.subscribe((event) => {
        consoleBus.publish(event);
        send(event);
      });
    },
    async stop() {
      running = false;
      unsubscribe?.();
      if (reconnect) clearTimeout(reconnect);
      await sending;
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
    consoleEvents: {
      publish: (event) => deps.events.publish(event),
      on: (type, listener) => consoleBus.on(type, listener),
      subscribe: (listener) => consoleBus.subscribe(listener),
      size: () => consoleBus.size(),
    },
    received: () => receivedCount,
  };
}
