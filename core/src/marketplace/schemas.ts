import { Type, type Static } from '@sinclair/typebox';
import { PluginVersionInfoSchema } from '../plugins/schemas.js';

/**
 * What the core reads from a registry (the marketplace's `/api/v1`, docs/marketplace.md) and
 * what its own `/api/marketplace` routes answer. A registry is not trusted: every answer is
 * checked against these schemas before it is used.
 */
export const RegistryPluginSummary = Type.Object({
  id: Type.String({ maxLength: 200 }),
  name: Type.String({ maxLength: 200 }),
  description: Type.String({ maxLength: 5000 }),
  publisher: Type.String({ maxLength: 200 }),
  tags: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 }),
  platforms: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16 }),
  latestVersion: Type.String({ maxLength: 100 }),
  latestSha256: Type.String({ pattern: '^[a-f0-9]{64}$' }),
  capabilities: Type.Array(Type.String({ maxLength: 512 }), { maxItems: 64 }),
  downloads: Type.Integer(),
  updatedAt: Type.Integer(),
});
export type RegistryPluginSummary = Static<typeof RegistryPluginSummary>;

export const RegistryKey = Type.Object({
  keyId: Type.String({ pattern: '^[a-f0-9]{64}$' }),
  publicKeyPem: Type.String({ maxLength: 4096 }),
  addedAt: Type.Integer(),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
});

export const RegistryVersion = Type.Object({
  version: Type.String({ maxLength: 100 }),
  sha256: Type.String({ pattern: '^[a-f0-9]{64}$' }),
  size: Type.Integer(),
  keyId: Type.String({ maxLength: 64 }),
  capabilities: Type.Array(Type.String({ maxLength: 512 }), { maxItems: 64 }),
  changelog: Type.String({ maxLength: 20_000 }),
  publishedAt: Type.Integer(),
  yanked: Type.Boolean(),
  yankedAt: Type.Union([Type.Integer(), Type.Null()]),
  downloads: Type.Integer(),
});
export type RegistryVersion = Static<typeof RegistryVersion>;

export const RegistryPluginPage = Type.Object({
  id: Type.String({ maxLength: 200 }),
  name: Type.String({ maxLength: 200 }),
  description: Type.String({ maxLength: 5000 }),
  readme: Type.String({ maxLength: 1_000_000 }),
  tags: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 }),
  platforms: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16 }),
  downloads: Type.Integer(),
  latestVersion: Type.Union([Type.String({ maxLength: 100 }), Type.Null()]),
  publisher: Type.Object({ name: Type.String({ maxLength: 200 }), keys: Type.Array(RegistryKey, { maxItems: 100 }) }),
  versions: Type.Array(RegistryVersion, { maxItems: 10_000 }),
});
export type RegistryPluginPage = Static<typeof RegistryPluginPage>;

export const RegistryConfig = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    url: Type.String({ minLength: 1, maxLength: 500, pattern: '^https?://' }),
  },
  { additionalProperties: false },
);
export type RegistryConfig = Static<typeof RegistryConfig>;

const RegistryListed = Type.Object({ name: Type.String(), url: Type.String(), local: Type.Boolean({ description: 'the marketplace the core runs itself; not editable' }) });

export const RegistriesResponse = Type.Object({ items: Type.Array(RegistryListed) });
export const RegistriesInput = Type.Object({ registries: Type.Array(RegistryConfig, { maxItems: 20 }) }, { additionalProperties: false });
export type RegistriesInput = Static<typeof RegistriesInput>;

export const RegistryFailure = Type.Object({ registry: Type.String(), code: Type.String(), message: Type.String() });

export const BrowseQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    tag: Type.Optional(Type.String({ maxLength: 32 })),
    platform: Type.Optional(Type.String({ maxLength: 32 })),
    registry: Type.Optional(Type.String({ maxLength: 50 })),
  },
  { additionalProperties: false },
);
export type BrowseQuery = Static<typeof BrowseQuery>;

export const MarketplaceListing = Type.Composite([
  RegistryPluginSummary,
  Type.Object({
    registry: Type.String(),
    installedVersion: Type.Union([Type.String(), Type.Null()], { description: 'newest version in the repository, if any' }),
    updateAvailable: Type.Boolean(),
  }),
]);
export const BrowseResponse = Type.Object({ items: Type.Array(MarketplaceListing), errors: Type.Array(RegistryFailure) });

export const MarketplacePluginPage = Type.Composite([
  RegistryPluginPage,
  Type.Object({
    registry: Type.String(),
    trustedKeyIds: Type.Array(Type.String(), { description: "the publisher's keys this site already trusts" }),
    installed: Type.Array(PluginVersionInfoSchema),
  }),
]);

export const InstallBody = Type.Object(
  {
    registry: Type.String({ minLength: 1, maxLength: 50 }),
    pluginId: Type.String({ minLength: 1, maxLength: 200 }),
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'default: the latest version offered' })),
    trustPublisher: Type.Optional(Type.Boolean({ description: 'trust the signing key (second step, after seeing its fingerprint)' })),
    publisherKeyId: Type.Optional(Type.String({ pattern: '^[a-f0-9]{64}$', description: 'with trustPublisher: the fingerprint that was shown' })),
  },
  { additionalProperties: false },
);
export type InstallBody = Static<typeof InstallBody>;

export const InstallResult = Type.Object({
  registry: Type.String(),
  plugin: PluginVersionInfoSchema,
  created: Type.Boolean(),
  requestedCapabilities: Type.Array(Type.String()),
  addedCapabilities: Type.Array(Type.String(), { description: 'capabilities the previous approved version did not have: highlight them' }),
  approvalRequired: Type.Boolean({ description: 'true until an administrator approves (POST /api/plugins/:id/versions/:version/approve)' }),
  publisher: Type.Object({ name: Type.String(), keyId: Type.String(), trustedNow: Type.Boolean() }),
});
export type InstallResult = Static<typeof InstallResult>;

export const UpdatesResponse = Type.Object({
  items: Type.Array(Type.Object({ pluginId: Type.String(), installedVersion: Type.String(), latestVersion: Type.String(), registry: Type.String() })),
  errors: Type.Array(RegistryFailure),
});

export const RolloutInput = Type.Object(
  { version: Type.String({ minLength: 1, maxLength: 100 }), groups: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);
export type RolloutInput = Static<typeof RolloutInput>;
export const RolloutsResponse = Type.Object({ items: Type.Array(Type.Object({ pluginId: Type.String(), version: Type.String(), groups: Type.Array(Type.Integer()) })) });
