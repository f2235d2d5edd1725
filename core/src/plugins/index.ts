/**
 * The core's plugin repository (docs/plugin-repository.md): trusted publisher keys and the
 * site key, verified and versioned bundles with their capability approvals, the first-party
 * plugins built at start, and the REST routes.
 */
export { PluginErrors } from './errors.js';
export { compareSemver } from '@prophasis/protocol';
export { loadOrCreateSiteKey, trustDirectory, TRUST_DIR, SITE_KEY_FILE, SITE_PUBLIC_KEY_FILE } from './site-key.js';
export { createFileTrustStore, PUBLISHERS_FILE, type TrustStore, type TrustedPublisher } from './trust.js';
export {
  createPluginRepository,
  SITE_APPROVER,
  INHERITED_PREFIX,
  type Actor,
  type PluginRepository,
  type PluginRepositoryDeps,
  type PluginSystemLog,
} from './repository.js';
export {
  buildFirstPartyPlugins,
  defaultPluginsDir,
  firstPartyOutDir,
  FIRST_PARTY_ENTRY,
  type FirstPartyDeps,
  type FirstPartyOptions,
  type FirstPartyPlugin,
  type FirstPartyReport,
} from './first-party.js';
export { pluginRoutes, type PluginRouteDeps } from './routes/repository.js';
export { newestApproved, type PluginVersionRow } from './versions.js';
