import type { CommandHandlerFor, CommandServices } from './types.js';

/**
 * `config.set`: what the core may change at run time: the log level, the outbox caps (kept
 * across restarts by the outbox) and the list of trusted publisher keys (replaces the list the
 * core sent before; keys an operator placed in `trusted-keys/` stay trusted).
 */
export function configSet(services: Pick<CommandServices, 'outbox' | 'trust'>): CommandHandlerFor<'config.set'> {
  return async (message, context) => {
    const { logLevel, outboxMaxResults, outboxMaxAgeMs, trustedPublishers } = message.body;
    if (logLevel !== undefined) {
      context.setLogLevel(logLevel);
      context.logger.info({ logLevel, id: message.id }, 'log level changed');
    }
    if (outboxMaxResults !== undefined || outboxMaxAgeMs !== undefined) {
      services.outbox.setCaps({
        ...(outboxMaxResults === undefined ? {} : { maxResults: outboxMaxResults }),
        ...(outboxMaxAgeMs === undefined ? {} : { maxAgeMs: outboxMaxAgeMs }),
      });
    }
    if (trustedPublishers !== undefined) await services.trust.setPublishers(trustedPublishers);
  };
}
