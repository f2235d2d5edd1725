import { createMessage } from '@prophasis/protocol';
import type { CommandHandlerFor, CommandServices } from './types.js';

/**
 * `agent.upgrade` (docs/decisions/0009-agent-self-upgrade.md): the package is downloaded,
 * verified and left for root with a request file; the outcome goes to the core as
 * `agent.upgrade.status` (`requested`, or `refused` with the reason). Not awaited: a download
 * of tens of MiB must not hold up the plans and runs queued behind it on the `cmd` topic. The
 * core offers again after a reconnect while the host has not answered, and the same offer
 * twice is one download.
 */
export function agentUpgrade(services: Pick<CommandServices, 'upgrades' | 'send'>): CommandHandlerFor<'agent.upgrade'> {
  return (message, context) => {
    const { rolloutId, version, sha256 } = message.body;
    context.logger.info({ version, sha256, id: message.id }, 'agent upgrade offered');
    void services.upgrades.request(message.body).then(
      (outcome) =>
        services.send(
          createMessage('agent.upgrade.status', {
            rolloutId,
            version,
            sha256,
            status: outcome.status,
            ...(outcome.status === 'refused' ? { reason: outcome.reason } : {}),
          }),
        ),
      (err: unknown) => context.logger.error({ err: { message: (err as Error).message } }, 'agent upgrade request failed'),
    );
  };
}
