import type { CommandHandlerFor } from './types.js';

/**
 * `config.set`: applies what the agent can change at run time. Today that is the log level;
 * the outbox caps it also carries take effect with the outbox (issue 6) and are logged until then.
 */
export const configSet: CommandHandlerFor<'config.set'> = (message, context) => {
  const { logLevel, ...rest } = message.body;
  if (logLevel !== undefined) {
    context.setLogLevel(logLevel);
    context.logger.info({ logLevel, id: message.id }, 'log level changed');
  }
  const pending = Object.keys(rest);
  if (pending.length > 0) context.logger.info({ keys: pending, id: message.id }, 'config keys noted; they apply once the outbox exists');
};
