/**
 * The core's side of the marketplace (docs/marketplace.md): configured registries, browsing and
 * installing through `/api/marketplace`, the local marketplace child process, staged rollouts.
 */
export { MarketplaceErrors } from './errors.js';
export { marketplaceRoutes, type MarketplaceRouteDeps } from './routes/marketplace.js';
export { createMarketplaceService, LOCAL_REGISTRY, REGISTRIES_SETTING, type MarketplaceService, type MarketplaceServiceDeps } from './service.js';
export { createRegistryClient, type RegistryClient, type RegistrySearchAnswer } from './client.js';
export {
  createLocalMarketplace,
  localMarketplaceConfig,
  LOCAL_PUBLISHER,
  LOCAL_TOKEN_FILE,
  type LocalMarketplace,
  type LocalMarketplaceConfig,
  type LocalMarketplaceDeps,
} from './local.js';
export { versionForHost, ROLLOUTS_SETTING, type PluginRollout, type PluginRollouts } from './rollout.js';
