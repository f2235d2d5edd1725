import type { Logger } from '@prophasis/protocol';
import type { EventBus, Transition } from '../kernel/index.js';

export type { Transition };

/** In-process delivery of transitions as they are committed (service health takes them this way). */
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
 * core is down is not replayed. Alerting does not use it: it reads `state_transitions` itself,
 * exactly once (intake.ts), and takes the bus only as a wake-up.
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
