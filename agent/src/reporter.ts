import { createMessage, type Logger, type ResMessage } from '@prophasis/protocol';
import type { Clock } from './clock.js';

/** The counters an `agent.report` carries, and how to mark them reported. */
export interface ReportSources {
  missed(): number;
  markMissedReported(n: number): void;
  dropped(): number;
  markDroppedReported(n: number): void;
  depth(): number;
  lastError(): string | null;
  /** The plugin sandbox process's figures (issue 17): a report also goes out when it started again. */
  sandbox?(): SandboxFigures;
  /** Housekeeping before each periodic report (the outbox's age cap). */
  tick?(): void;
}

/** `agent.report`'s `sandbox` field. */
export interface SandboxFigures {
  running: boolean;
  starts: number;
  lastStartMs: number | null;
}

export interface Reporter {
  start(): void;
  stop(): void;
  /** The connection is up: report now, whatever the counters. */
  connected(): void;
  disconnected(): void;
}

/**
 * Sends `agent.report` (docs/outbox.md, "What the core is told"): on every connect, and every
 * `intervalMs` while slots were missed or results dropped since the last report, or the sandbox
 * process started again since the last report (its start time is the price of the idle stop). A counter is
 * decreased by what a report carried only after that report's PUBACK, so a count is never lost
 * to a dropped connection (and the outbox's dropped count survives restarts).
 */
export function createReporter(
  config: { intervalMs: number },
  deps: { clock: Clock; logger: Logger; sources: ReportSources; publish(channel: 'res', message: ResMessage): Promise<void> },
): Reporter {
  const { clock, sources } = deps;
  const logger = deps.logger.child({ component: 'reporter' });
  let timer: unknown;
  let online = false;
  let sending = false;
  let running = false;
  /** Sandbox starts the core has been told about (acknowledged reports). */
  let reportedStarts = 0;

  function send(force: boolean): void {
    if (!online || sending) return;
    const missedSlots = sources.missed();
    const outboxDropped = sources.dropped();
    const sandbox = sources.sandbox?.();
    const sandboxStarted = sandbox !== undefined && sandbox.starts !== reportedStarts;
    if (!force && missedSlots === 0 && outboxDropped === 0 && !sandboxStarted) return;
    sending = true;
    const message = createMessage('agent.report', {
      missedSlots,
      outboxDropped,
      outboxDepth: sources.depth(),
      lastError: sources.lastError()?.slice(0, 2000) ?? null,
      ...(sandbox ? { sandbox } : {}),
    });
    deps.publish('res', message).then(
      () => {
        sources.markMissedReported(missedSlots);
        sources.markDroppedReported(outboxDropped);
        if (sandbox) reportedStarts = sandbox.starts;
        if (missedSlots + outboxDropped > 0) logger.info({ missedSlots, outboxDropped }, 'reported to the core');
        sending = false;
      },
      (err: unknown) => {
        sending = false;
        logger.warn({ err: { message: (err as Error).message } }, 'agent.report not sent; retried later');
      },
    );
  }

  function arm(): void {
    timer = clock.setTimeout(() => {
      if (!running) return;
      try {
        sources.tick?.();
      } catch (err) {
        logger.error({ err }, 'report housekeeping failed');
      }
      send(false);
      arm();
    }, config.intervalMs);
  }

  return {
    start() {
      if (running) return;
      running = true;
      arm();
    },
    stop() {
      running = false;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
    connected() {
      online = true;
      send(true);
    },
    disconnected() {
      online = false;
    },
  };
}
