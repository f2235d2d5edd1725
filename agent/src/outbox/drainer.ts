import { createMessage, type Logger, type ResMessage, type Result } from '@prophasis/protocol';
import type { Outbox, OutboxCursor } from './outbox.js';

/** What the drainer needs of the connection: a QoS 1 publish that resolves on PUBACK. */
export interface ResultPublisher {
  publish(channel: 'res', message: ResMessage): Promise<void>;
}

export interface DrainerConfig {
  /** Results per `result` message (≤ 500). */
  batchSize: number;
  /** Messages awaiting PUBACK at once. */
  inFlight: number;
}

export interface Drainer {
  /** Starts listening for appended results; draining begins with {@link connected}. */
  start(): void;
  stop(): void;
  /** The connection is up: send the backlog, oldest first, then keep up with new results. */
  connected(): void;
  /** The connection is down: publish nothing new (batches in flight are resent by MQTT.js). */
  disconnected(): void;
  /** Results acknowledged by the broker since start. */
  readonly published: number;
  /**
   * Calls `listener` with the results of every message the broker acknowledged, after their
   * entries left the outbox (the soak bench compares them with what the core stored).
   */
  onAcknowledged(listener: (results: readonly Result[]) => void): void;
  /** Resolves once the outbox is empty and nothing is in flight. */
  drained(): Promise<void>;
}

/**
 * Moves results from the outbox to the broker (docs/outbox.md). Up to `inFlight` messages of
 * up to `batchSize` results are awaiting their PUBACK at once, all on the one connection, so
 * they arrive in the order sent; an entry is deleted only after the PUBACK of its message.
 * A batch whose PUBACK does not come before a disconnect stays pending in MQTT.js (persistent
 * session, kept outgoing store) and is resent by it after the reconnect; if the process dies
 * instead, the entries are still in the outbox and go again after the restart, under the same
 * result ids, which the core stores once.
 */
export function createDrainer(config: DrainerConfig, deps: { outbox: Outbox; publisher: ResultPublisher; logger: Logger }): Drainer {
  const { outbox, publisher } = deps;
  const logger = deps.logger.child({ component: 'drainer' });
  let running = false;
  let listening = false;
  let online = false;
  let inFlight = 0;
  let cursor: OutboxCursor | undefined;
  let published = 0;
  let idleWaiters: (() => void)[] = [];
  const ackListeners: ((results: readonly Result[]) => void)[] = [];

  function settleIdle(): void {
    if (inFlight > 0 || outbox.depth() > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  function pump(): void {
    let restarted = false;
    while (running && online && inFlight < config.inFlight) {
      const batch = outbox.peekBatch(config.batchSize, cursor);
      if (batch.length === 0) {
        // Nothing after the cursor. With nothing in flight, start over from the oldest entry:
        // a result appended with an earlier time than the cursor (a late "Run now") is found then.
        if (cursor && inFlight === 0 && !restarted) {
          cursor = undefined;
          restarted = true;
          continue;
        }
        break;
      }
      const last = batch[batch.length - 1]!;
      cursor = { sortTime: last.sortTime, seq: last.seq };
      const seqs = batch.map((e) => e.seq);
      let message: ResMessage;
      try {
        message = createMessage('result', { results: batch.map((e) => JSON.parse(e.json) as Result) });
      } catch (err) {
        // Results are validated before they are appended; this is a damaged database row.
        logger.error({ err, seqs }, 'unsendable results removed from the outbox');
        outbox.ack(seqs);
        continue;
      }
      inFlight += 1;
      publisher.publish('res', message).then(
        () => {
          outbox.ack(seqs);
          published += seqs.length;
          inFlight -= 1;
          if (message.type === 'result') {
            for (const listener of ackListeners) {
              try {
                listener(message.body.results);
              } catch (err) {
                logger.warn({ err }, 'an acknowledgement listener failed');
              }
            }
          }
          pump();
          settleIdle();
        },
        (err: unknown) => {
          inFlight -= 1;
          // Left in the outbox; after the in-flight ones settle we start over from the oldest.
          if (inFlight === 0) cursor = undefined;
          logger.warn({ err: { message: (err as Error).message }, results: seqs.length }, 'publishing results failed; they stay in the outbox');
        },
      );
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      if (!listening) outbox.onAppend(() => pump());
      listening = true;
    },
    stop() {
      running = false;
    },
    connected() {
      online = true;
      // Batches still in flight are resent by MQTT.js from its store; continue after them.
      if (inFlight === 0) cursor = undefined;
      if (outbox.depth() > 0) logger.info({ depth: outbox.depth() }, 'draining the outbox');
      pump();
    },
    disconnected() {
      online = false;
    },
    get published() {
      return published;
    },
    onAcknowledged(listener) {
      ackListeners.push(listener);
    },
    drained() {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
  };
}
