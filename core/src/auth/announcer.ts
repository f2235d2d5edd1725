import type { Logger } from '@prophasis/protocol';
import type { Auth } from './auth.js';

/**
 * Announces the first-run setup link while no user exists: on start, and again whenever the
 * previous link expired unused, so an operator who comes back later finds a fresh link in the
 * log instead of having to restart. Stops announcing once a user exists.
 */
export function createSetupAnnouncer(
  config: { checkEveryMs: number },
  deps: { auth: Auth; logger: Logger; baseUrl: () => string; onLink?: (link: string) => void },
) {
  const log = deps.logger.child({ component: 'setup' });
  let timer: NodeJS.Timeout | undefined;
  let current: string | undefined;

  async function announce(): Promise<void> {
    if (deps.auth.setupPending() || !(await deps.auth.setupRequired())) return;
    const issued = await deps.auth.issueSetupToken();
    if (!issued) return;
    current = `${deps.baseUrl()}/setup?token=${issued.token}`;
    log.warn({ setupLink: current, expiresAt: new Date(issued.expiresAt).toISOString() }, 'no user exists yet: open the setup link to create the first administrator (single use)');
    deps.onLink?.(current);
  }

  return {
    /** The link last announced, while setup is still pending. */
    link: () => (deps.auth.setupPending() ? current : undefined),
    async start() {
      await announce();
      timer = setInterval(() => announce().catch((err: unknown) => log.error({ err }, 'issuing a setup link failed')), config.checkEveryMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
    },
  };
}
