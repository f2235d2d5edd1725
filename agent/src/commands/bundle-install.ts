import { createMessage } from '@prophasis/protocol';
import type { CommandHandlerFor, CommandServices } from './types.js';

/**
 * `bundle.install`: verified and installed before the handler returns, so the plan or run that
 * follows on the same topic finds it; the outcome goes to the core as `bundle.status`.
 */
export function bundleInstall(services: Pick<CommandServices, 'bundles' | 'send' | 'bundlesChanged'>): CommandHandlerFor<'bundle.install'> {
  return async (message) => {
    const { pluginId, version, sha256 } = message.body;
    const outcome = await services.bundles.install(message.body);
    services.send(
      createMessage('bundle.status', {
        pluginId,
        version,
        sha256,
        status: outcome.status,
        ...(outcome.status === 'refused' ? { reason: outcome.reason } : {}),
      }),
    );
    if (outcome.status === 'installed') services.bundlesChanged();
  };
}
