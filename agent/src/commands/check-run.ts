import type { CommandHandlerFor, CommandServices } from './types.js';

/**
 * `check.run`: queued ahead of every scheduled slot. The handler returns at once (the command's
 * PUBACK must not wait for a plugin); the result arrives on `res` with the `requestId`.
 */
export function checkRun(services: Pick<CommandServices, 'plan'>): CommandHandlerFor<'check.run'> {
  return (message, context) => {
    context.logger.info({ requestId: message.body.requestId, pluginId: message.body.pluginId }, 'run requested');
    services.plan.runNow(message.body);
  };
}
