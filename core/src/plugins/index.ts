/**
 * The core's plugin repository (docs/plugin-repository.md): trusted publisher keys and the
 * site key, verified and versioned bundles with their capability approvals, the first-party
 * plugins built at start, and the REST routes.
 */
export { loadOrCreateSiteKey, trustDirectory, SITE_PUBLIC_KEY_FILE } from './site-key.js';
export { createFileTrustStore, PUBLISHERS_FILE, type TrustStore } from './trust.js';
export {
  createPluginRepository,
  type Actor,
  type PluginRepository,
  type PluginSystemLog,
} from './repository.js';
export {
  buildFirstPartyPlugins,
  defaultPluginsDir,
  firstPartyOutDir,
  type FirstPartyReport,
} from './first-party.js';
export { pluginRoutes } from './routes/repository.js';
export { newestApproved, pluginVersionRow, type PluginVersionRow } from './versions.js';
