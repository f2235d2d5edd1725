import { createMessage } from '@prophasis/protocol';
import type { CommandHandlerFor, CommandServices } from './types.js';

/**
 * `bundle.remove`: removes the bundle unless the plan in force (or a queued run) still uses it,
 * which is refused with the reason. Removing a bundle that is not installed is reported as
 * removed: the command is idempotent.
 */
export function bundleRemove(services: Pick<CommandServices, 'bundles' | 'plan' | 'send' | 'bundlesChanged'>): CommandHandlerFor<'bundle.remove'> {
  return async (message) => {
    const { pluginId, version, sha256 } = message.body;
    if (services.plan.bundlesInUse().has(sha256)) {
      const reason = `in use by plan revision ${services.plan.revision() ?? '-'}`;
      services.send(createMessage('bundle.status', { pluginId, version, sha256, status: 'refused', reason }));
      return;
    }
    const removed = await services.bundles.remove(sha256);
    services.send(createMessage('bundle.status', { pluginId, version, sha256, status: 'removed' }));
    if (removed) services.bundlesChanged();
  };
}
