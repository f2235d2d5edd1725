/**
 * Shapes of the core's `/api/marketplace` routes. They are declared in
 * core/src/marketplace/schemas.ts, not in protocol/src/api.ts, and the console may import only
 * protocol; so they are restated here, field for field, until they move to protocol (then this
 * file becomes re-exports). docs/marketplace.md describes every field.
 */

export interface RegistryListed {
  name: string;
  url: string;
  /** The marketplace the core runs itself; not editable. */
  local: boolean;
}

export interface RegistryFailure {
  registry: string;
  code: string;
  message: string;
}

export interface MarketplaceListing {
  id: string;
  name: string;
  description: string;
  publisher: string;
  tags: string[];
  platforms: string[];
  latestVersion: string;
  latestSha256: string;
  capabilities: string[];
  downloads: number;
  updatedAt: number;
  registry: string;
  installedVersion: string | null;
  updateAvailable: boolean;
}

export interface BrowseResponse {
  items: MarketplaceListing[];
  errors: RegistryFailure[];
}

export interface RegistryKey {
  /** SHA-256 fingerprint of the public key, hex. */
  keyId: string;
  publicKeyPem: string;
  addedAt: number;
  revokedAt: number | null;
}

export interface RegistryVersion {
  version: string;
  sha256: string;
  size: number;
  keyId: string;
  capabilities: string[];
  changelog: string;
  publishedAt: number;
  yanked: boolean;
  yankedAt: number | null;
  downloads: number;
}

/** The repository's view of an installed version (core/src/plugins/schemas.ts). */
export interface InstalledVersion {
  /** Row id of the plugin: `/plugins/:id` is its approval page. */
  id: number;
  pluginId: string;
  name: string;
  version: string;
  sha256: string;
  publisher: string;
  publisherKeyId: string;
  publisherTrusted: boolean;
  requestedCapabilities: string[];
  approvedCapabilities: string[] | null;
  addedCapabilities: string[];
  previousApprovedVersion: string | null;
  approval: 'pending' | 'approved' | 'inherited' | 'site';
  usable: boolean;
}

export interface MarketplacePluginPage {
  id: string;
  name: string;
  description: string;
  readme: string;
  tags: string[];
  platforms: string[];
  downloads: number;
  latestVersion: string | null;
  publisher: { name: string; keys: RegistryKey[] };
  versions: RegistryVersion[];
  registry: string;
  trustedKeyIds: string[];
  installed: InstalledVersion[];
}

export interface InstallBody {
  registry: string;
  pluginId: string;
  version?: string;
  trustPublisher?: boolean;
  publisherKeyId?: string;
}

export interface InstallResult {
  registry: string;
  plugin: InstalledVersion;
  created: boolean;
  requestedCapabilities: string[];
  addedCapabilities: string[];
  approvalRequired: boolean;
  publisher: { name: string; keyId: string; trustedNow: boolean };
}

export interface UpdatesResponse {
  items: { pluginId: string; installedVersion: string; latestVersion: string; registry: string }[];
  errors: RegistryFailure[];
}
