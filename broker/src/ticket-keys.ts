import type { Logger } from '@prophasis/protocol';
import type { TicketKeys } from './pki.js';

/** How often a running broker asks whether its session ticket keys are due for replacement. */
const TICKET_KEY_CHECK_MS = 60 * 60 * 1000;

/**
 * Replaces the listener's ticket keys when they are due, while running (not only at start).
 * Returns the timer (unref'd), for stop() to clear.
 */
export function scheduleTicketKeyCheck(server: { setTicketKeys(keys: Buffer): void }, source: TicketKeys, initial: Buffer, log: Logger): NodeJS.Timeout {
  let current = initial;
  const timer = setInterval(() => {
    source.current().then(
      (keys) => {
        if (current.equals(keys)) return;
        current = keys;
        server.setTicketKeys(keys);
      },
      (err: unknown) => log.error({ err }, 'replacing the TLS session ticket keys failed'),
    );
  }, TICKET_KEY_CHECK_MS);
  timer.unref();
  return timer;
}
