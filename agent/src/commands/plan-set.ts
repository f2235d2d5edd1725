import { createMessage } from '@prophasis/protocol';
import type { CommandHandlerFor, CommandServices } from './types.js';

/**
 * `plan.set`: replaces the plan (an older revision is ignored), then removes the bundles no
 * plan entry and no queued run needs any more, telling the core with `bundle.status` removed.
 */
export function planSet(services: Pick<CommandServices, 'plan' | 'bundles' | 'send' | 'bundlesChanged'>): CommandHandlerFor<'plan.set'> {
  return async (message) => {
    if (!services.plan.setPlan(message.body)) return;
    const removed = await services.bundles.prune(services.plan.bundlesInUse());
    for (const b of removed) {
      services.send(createMessage('bundle.status', { pluginId: b.pluginId, version: b.version, sha256: b.sha256, status: 'removed', reason: 'no longer in the plan' }));
    }
    if (removed.length > 0) services.bundlesChanged();
  };
}
