import type { CmdMessage } from '@prophasis/protocol';
import { configSet } from './config-set.js';
import { notYetSupported } from './not-yet-supported.js';
import type { CommandContext, CommandHandlerFor, CommandHandlers } from './types.js';

export type { CommandContext, CommandHandlers, CommandHandlerFor, CommandOf } from './types.js';

/** The default registry: one handler per command type. Later issues replace entries. */
export function defaultCommandHandlers(): CommandHandlers {
  return {
    'config.set': configSet,
    'plan.set': notYetSupported('plan.set'),
    'check.run': notYetSupported('check.run'),
    'bundle.install': notYetSupported('bundle.install'),
    'bundle.remove': notYetSupported('bundle.remove'),
  };
}

/** Routes a validated command to the handler registered for its type. */
export function createCommandDispatcher(handlers: CommandHandlers, context: CommandContext): (message: CmdMessage) => Promise<void> {
  return async (message) => {
    const handler = handlers[message.type] as CommandHandlerFor<CmdMessage['type']> | undefined;
    if (!handler) {
      // Unreachable while the map is complete; kept for a core newer than this agent.
      context.logger.warn({ type: message.type, id: message.id }, 'no handler for command type');
      return;
    }
    await handler(message, context);
  };
}
