/**
 * The system log the console shows to administrators (refused logins, invalid messages,
 * enrolments, revocations). Transport, enrolment and presence write to it through this small
 * interface; the composition root supplies the real one (a database table), tests a memory one.
 * Implementations must not throw: a failing system log must never take the transport down.
 */
export interface SystemLog {
  write(level: SystemLogLevel, component: string, message: string, context?: Record<string, unknown>): void;
}

export type SystemLogLevel = 'info' | 'warn' | 'error';

/** A system log that writes to a pino logger only (until a persistent one is wired). */
export function loggerSystemLog(logger: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void }): SystemLog {
  return {
    write(level, component, message, context = {}) {
      logger[level]({ systemLog: true, component, ...context }, message);
    },
  };
}

/** A system log that keeps entries in memory, for tests and diagnostics. */
export function memorySystemLog(): SystemLog & { entries: SystemLogEntry[] } {
  const entries: SystemLogEntry[] = [];
  return {
    entries,
    write(level, component, message, context = {}) {
      entries.push({ level, component, message, context, at: new Date() });
    },
  };
}

export interface SystemLogEntry {
  level: SystemLogLevel;
  component: string;
  message: string;
  context: Record<string, unknown>;
  at: Date;
}
