import { marketplaceRoutes } from '../../src/marketplace/index.js';
import { createFixture, type Fixture } from '../plugins/helpers.js';

export type MarketFixture = Fixture;

/**
 * A core slice as the composition root wires it: the plugin fixture (database, site key, trust
 * store, repository, the real API app, one signed-in user per role) with the marketplace routes
 * registered under /api too. `localUrl` is asked for the local registry's URL on every request.
 */
export function createMarketFixture(dialect: 'sqlite' | 'postgres', localUrl: () => string | undefined): Promise<MarketFixture> {
  return createFixture(dialect, {
    routes: ({ db, repository, trust, systemLog, logger }) =>
      marketplaceRoutes({ db, repository, trust, systemLog, logger, localRegistryUrl: localUrl, client: { timeoutMs: 10_000 } }),
  });
}
