import type { ApiEvent } from '@prophasis/protocol';

/**
 * The in-process event bus behind `GET /api/events`. Subsystems (ingest, classification,
 * presence) publish; each open server-sent-events stream subscribes. Delivery is synchronous
 * and best effort: a listener that throws is reported and does not stop the others.
 */
export interface EventBus {
  publish(event: ApiEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (event: ApiEvent) => void): () => void;
  /** Number of current subscribers (streams), for health and tests. */
  size(): number;
}

export function createEventBus(deps: { onListenerError?: (err: unknown) => void } = {}): EventBus {
  const listeners = new Set<(event: ApiEvent) => void>();
  return {
    publish(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          deps.onListenerError?.(err);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    size: () => listeners.size,
  };
}
