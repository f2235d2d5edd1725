import type { CmdMessage, Logger } from '@prophasis/protocol';

/** A command of one type, narrowed from the `cmd` union. */
export type CommandOf<T extends CmdMessage['type']> = Extract<CmdMessage, { type: T }>;

/**
 * What command handlers may touch. Small on purpose (the consumer declares what it needs):
 * issue 6 adds the plan runner and the outbox here, the plugins issue the bundle store.
 */
export interface CommandContext {
  logger: Logger;
  /** Changes the level of the agent's root logger (and so of every child). */
  setLogLevel(level: string): void;
}

/** Handles one command type (one file per type, like aedes' lib/handlers). */
export type CommandHandlerFor<T extends CmdMessage['type']> = (message: CommandOf<T>, context: CommandContext) => Promise<void> | void;

/** The registry: exactly one handler per command type, checked by the compiler. */
export type CommandHandlers = { [T in CmdMessage['type']]: CommandHandlerFor<T> };
