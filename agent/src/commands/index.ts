import type { CmdMessage } from '@prophasis/protocol';
import { agentUpgrade } from './agent-upgrade.js';
import { bundleInstall } from './bundle-install.js';
import { bundleRemove } from './bundle-remove.js';
import { checkRun } from './check-run.js';
import { configSet } from './config-set.js';
import { planSet } from './plan-set.js';
import type { CommandContext, CommandHandlerFor, CommandHandlers, CommandServices } from './types.js';

export type { CommandContext, CommandHandlers, CommandServices } from './types.js';

/** The registry: one handler per command type, each given the services it acts on. */
export function createCommandHandlers(services: CommandServices): CommandHandlers {
  return {
    'config.set': configSet(services),
    'plan.set': planSet(services),
    'check.run': checkRun(services),
    'bundle.install': bundleInstall(services),
    'bundle.remove': bundleRemove(services),
    'agent.upgrade': agentUpgrade(services),
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
