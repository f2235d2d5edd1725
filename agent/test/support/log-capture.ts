import { createLogger, type Logger } from '@prophasis/protocol';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface CapturedLog {
  logger: Logger;
  lines: LogLine[];
  /** Resolves with the first line (logged already or later) matching `predicate`. */
  waitFor(predicate: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
}

/** A real pino logger whose lines tests can read. */
export function captureLogger(level = 'debug'): CapturedLog {
  const lines: LogLine[] = [];
  const events = new EventEmitter();
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const raw of chunk.toString('utf8').split('\n')) {
        if (!raw.trim()) continue;
        const line = JSON.parse(raw) as LogLine;
        lines.push(line);
        events.emit('line', line);
      }
      cb();
    },
  });
  return {
    logger: createLogger({ name: 'agent-test', level, destination }),
    lines,
    waitFor(predicate, timeoutMs = 10_000, what = 'log line') {
      const found = lines.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          events.off('line', listener);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last lines: ${lines.slice(-5).map((l) => l.msg).join(' | ')}`));
        }, timeoutMs);
        const listener = (l: LogLine) => {
          if (!predicate(l)) return;
          clearTimeout(timer);
          events.off('line', listener);
          resolve(l);
        };
        events.on('line', listener);
      });
    },
  };
}

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;
