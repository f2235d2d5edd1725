/**
 * The core's side of the marketplace (docs/marketplace.md): configured registries, browsing and
 * installing through `/api/marketplace`, the local marketplace child process, staged rollouts.
 */
export { marketplaceRoutes } from './routes/marketplace.js';
export {
  createLocalMarketplace,
  localMarketplaceConfig,
  type LocalMarketplace,
} from './local.js';
export { versionForHost, ROLLOUTS_SETTING, type PluginRollouts } from './rollout.js';
