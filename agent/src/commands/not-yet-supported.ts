import type { CmdMessage } from '@prophasis/protocol';
import type { CommandHandlerFor } from './types.js';

/**
 * Placeholder for the commands whose machinery arrives later: `bundle.install` and
 * `bundle.remove` with the plugins issue, `plan.set` and `check.run` with schedules and
 * execution (issue 6). The command is acknowledged and logged at warn, so the core's queue
 * does not stall on an agent that cannot act on it yet.
 */
export function notYetSupported<T extends CmdMessage['type']>(type: T): CommandHandlerFor<T> {
  return (message, context) => {
    context.logger.warn({ type, id: message.id }, `command ${type} is not yet supported by this agent`);
  };
}
