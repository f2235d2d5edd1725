import type { Severity } from '@prophasis/protocol';

/**
 * One change of severity, of a host (optionally one plugin on it) or of a service: a row of
 * `state_transitions` (docs/alerts.md). `pluginId` is the plugin's row id (`plugins.id`); null
 * on a host transition means the host's own worst-of severity changed. Exactly one of `hostId`
 * and `serviceId` is set.
 */
export interface Transition {
  /** `state_transitions.id` when the transition was read from the table. */
  id?: number;
  hostId: number | null;
  serviceId: number | null;
  pluginId: number | null;
  from: Severity;
  to: Severity;
  /** When it happened (epoch ms); for a late transition, the measurement time. */
  at: number;
  /** Caused by a result delivered after the agent reconnected. */
  late: boolean;
}

/** The newest result of one series in a stored batch (what the console refreshes). */
export interface StoredResult {
  hostId: number;
  pluginId: number;
  checkId: number | null;
  severity: Severity | undefined;
  value: unknown;
  measuredAt: number;
}

/** A host's reachability changed (presence); alert rules match on `type`. */
export interface PresenceChange {
  type: 'host.unreachable' | 'host.reachable';
  hostId: string;
  agentId: string;
  /** When the change was recorded (epoch ms). */
  at: number;
  /** With `host.reachable`: since when the host had been unreachable (epoch ms). */
  unreachableSince?: number;
}

/**
 * Everything that happens inside the core that other subsystems (or the browser's event
 * stream) may react to. Published synchronously; `ts` is when it was published (epoch ms).
 */
export type CoreEvent =
  /** A batch of results was committed: its size and the newest result per series. */
  | { type: 'result.stored'; ts: number; count: number; latest: StoredResult[] }
  /** A host, plugin-on-host or service changed severity. */
  | { type: 'state.changed'; ts: number; transition: Transition }
  /** An agent's host became reachable or unreachable. */
  | { type: 'presence.changed'; ts: number; change: PresenceChange }
  /** The configuration of one kind of object changed through the API (`hosts`, `checks` …). */
  | { type: 'config.changed'; ts: number; resource: string };

type CoreEventType = CoreEvent['type'];
type CoreEventOf<T extends CoreEventType> = Extract<CoreEvent, { type: T }>;

/** Publishes core events; what producers are handed. */
export interface EventPublisher {
  publish(event: CoreEvent): void;
}

/**
 * The typed in-process event bus. Delivery is synchronous, in subscription order, and best
 * effort: a listener that throws is reported and does not stop the others. A listener that
 * needs to do I/O starts it and returns (it must not rely on being awaited). Events published
 * by a listener while an event is being delivered are delivered after it, in publish order, so
 * every listener sees a cause before its effects whatever the order they subscribed in.
 */
export interface EventBus extends EventPublisher {
  /** Every event of one type; returns the unsubscribe function. */
  on<T extends CoreEventType>(type: T, listener: (event: CoreEventOf<T>) => void): () => void;
  /** Every event; returns the unsubscribe function. */
  subscribe(listener: (event: CoreEvent) => void): () => void;
  /** Number of current listeners, for health and tests. */
  size(): number;
}

export function createEventBus(deps: { onListenerError?: (err: unknown) => void } = {}): EventBus {
  const listeners = new Set<(event: CoreEvent) => void>();
  const queue: CoreEvent[] = [];
  let delivering = false;
  const deliver = (event: CoreEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        deps.onListenerError?.(err);
      }
    }
  };
  const subscribe = (listener: (event: CoreEvent) => void) => {
    // A wrapper per subscription, so that the same function subscribed twice is two listeners.
    const entry = (event: CoreEvent) => listener(event);
    listeners.add(entry);
    return () => void listeners.delete(entry);
  };
  return {
    publish(event) {
      queue.push(event);
      if (delivering) return;
      delivering = true;
      try {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) deliver(next);
      } finally {
        delivering = false;
      }
    },
    subscribe,
    on(type, listener) {
      return subscribe((event) => {
        if (event.type === type) listener(event as CoreEventOf<typeof type>);
      });
    },
    size: () => listeners.size,
  };
}
