import { Type, type Static } from '@sinclair/typebox';
import { PluginVersionInfo } from './api.js';
import { SEVERITIES } from './severity.js';

/**
 * Shapes of the marketplace (docs/marketplace.md), beside the other REST API shapes (api.ts):
 *
 * - the registry's read API (`/api/v1` of `@prophasis/marketplace`): the marketplace serves and
 *   documents these, the core checks every registry answer against them before using it (a
 *   registry is not trusted, hence the limits);
 * - the core's `/api/marketplace` routes, which compose them: the core validates and documents
 *   them (OpenAPI at `/api/docs`), the console imports their types.
 */

// ---- the registry's read API (`/api/v1`) ----------------------------------------------------

/** `GET /api/v1/plugins`: filters of a registry search. */
export const RegistrySearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    tag: Type.Optional(Type.String({ maxLength: 32 })),
    platform: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);
export type RegistrySearchQuery = Static<typeof RegistrySearchQuery>;

/** What a search hit and a plugin page both say of a plugin first. */
const RegistryPluginText = {
  id: Type.String({ maxLength: 200 }),
  name: Type.String({ maxLength: 200 }),
  description: Type.String({ maxLength: 5000 }),
};
const RegistryTags = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 });

/** One search hit: a plugin with its latest (not yanked) version. */
export const RegistryPluginSummary = Type.Object({
  ...RegistryPluginText,
  publisher: Type.String({ maxLength: 200 }),
  tags: RegistryTags,
  platforms: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16, description: 'empty: every platform' }),
  latestVersion: Type.String({ maxLength: 100, description: 'the greatest version that is not yanked' }),
  latestSha256: Type.String({ pattern: '^[a-f0-9]{64}$' }),
  capabilities: Type.Array(Type.String({ maxLength: 512 }), { maxItems: 64, description: 'what the latest version asks for' }),
  downloads: Type.Integer(),
  updatedAt: Type.Integer({ description: 'epoch ms of the latest version' }),
});
export type RegistryPluginSummary = Static<typeof RegistryPluginSummary>;

export const RegistrySearchResponse = Type.Object({ items: Type.Array(RegistryPluginSummary, { maxItems: 10_000 }) });
export type RegistrySearchResponse = Static<typeof RegistrySearchResponse>;

/** A publisher's signing key as a registry lists it. */
export const RegistryKey = Type.Object({
  keyId: Type.String({ pattern: '^[a-f0-9]{64}$', description: 'SHA-256 (hex) of the raw Ed25519 public key: the fingerprint sites trust' }),
  publicKeyPem: Type.String({ maxLength: 4096 }),
  addedAt: Type.Integer(),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
});
export type RegistryKey = Static<typeof RegistryKey>;

/** One published version of a plugin. */
export const RegistryVersion = Type.Object({
  version: Type.String({ maxLength: 100 }),
  sha256: Type.String({ pattern: '^[a-f0-9]{64}$' }),
  size: Type.Integer(),
  keyId: Type.String({ maxLength: 64, description: 'the key that signed this version' }),
  capabilities: Type.Array(Type.String({ maxLength: 512 }), { maxItems: 64 }),
  changelog: Type.String({ maxLength: 20_000 }),
  publishedAt: Type.Integer(),
  yanked: Type.Boolean(),
  yankedAt: Type.Union([Type.Integer(), Type.Null()]),
  downloads: Type.Integer(),
});
export type RegistryVersion = Static<typeof RegistryVersion>;

/** `GET /api/v1/plugins/:id`: a plugin page. */
export const RegistryPluginPage = Type.Object({
  ...RegistryPluginText,
  readme: Type.String({ maxLength: 1_000_000 }),
  tags: RegistryTags,
  platforms: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16 }),
  downloads: Type.Integer(),
  latestVersion: Type.Union([Type.String({ maxLength: 100 }), Type.Null()], { description: 'null when every version is yanked' }),
  publisher: Type.Object({ name: Type.String({ maxLength: 200 }), keys: Type.Array(RegistryKey, { maxItems: 100 }) }),
  versions: Type.Array(RegistryVersion, { maxItems: 10_000, description: 'newest first, yanked ones included and marked' }),
});
export type RegistryPluginPage = Static<typeof RegistryPluginPage>;

// ---- the core's `/api/marketplace` ----------------------------------------------------------

/** A registry the core asks besides its own (`PUT /api/marketplace/registries`). */
export const RegistryConfig = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    url: Type.String({ minLength: 1, maxLength: 500, pattern: '^https?://' }),
  },
  { additionalProperties: false },
);
export type RegistryConfig = Static<typeof RegistryConfig>;

export const RegistryListed = Type.Object({ name: Type.String(), url: Type.String(), local: Type.Boolean({ description: 'the marketplace the core runs itself; not editable' }) });
export type RegistryListed = Static<typeof RegistryListed>;

/** `GET|PUT /api/marketplace/registries`. */
export const RegistriesResponse = Type.Object({ items: Type.Array(RegistryListed) });
export type RegistriesResponse = Static<typeof RegistriesResponse>;
export const RegistriesInput = Type.Object({ registries: Type.Array(RegistryConfig, { maxItems: 20 }) }, { additionalProperties: false });
export type RegistriesInput = Static<typeof RegistriesInput>;

/** A registry that did not answer a search, or one hit of its answer the core left out: reported beside the other results, not fatal. */
export const RegistryFailure = Type.Object({ registry: Type.String(), code: Type.String(), message: Type.String() });
export type RegistryFailure = Static<typeof RegistryFailure>;

/** `GET /api/marketplace/plugins`: one search over every registry, or over `registry` only. */
export const BrowseQuery = Type.Composite([RegistrySearchQuery, Type.Object({ registry: Type.Optional(Type.String({ maxLength: 50 })) })], { additionalProperties: false });
export type BrowseQuery = Static<typeof BrowseQuery>;

export const MarketplaceListing = Type.Composite([
  RegistryPluginSummary,
  Type.Object({
    registry: Type.String(),
    installedVersion: Type.Union([Type.String(), Type.Null()], { description: 'newest version in the repository, if any' }),
    updateAvailable: Type.Boolean(),
  }),
]);
export type MarketplaceListing = Static<typeof MarketplaceListing>;
export const BrowseResponse = Type.Object({ items: Type.Array(MarketplaceListing), errors: Type.Array(RegistryFailure) });
export type BrowseResponse = Static<typeof BrowseResponse>;

/** `GET /api/marketplace/registries/:registry/plugins/:pluginId`. */
export const MarketplacePluginParams = Type.Object({ registry: Type.String({ maxLength: 50 }), pluginId: Type.String({ maxLength: 200 }) });
export type MarketplacePluginParams = Static<typeof MarketplacePluginParams>;

export const MarketplacePluginPage = Type.Composite([
  RegistryPluginPage,
  Type.Object({
    registry: Type.String(),
    trustedKeyIds: Type.Array(Type.String(), { description: "the publisher's keys this site already trusts" }),
    installed: Type.Array(PluginVersionInfo),
  }),
]);
export type MarketplacePluginPage = Static<typeof MarketplacePluginPage>;

/** `POST /api/marketplace/install`. */
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
  plugin: PluginVersionInfo,
  created: Type.Boolean(),
  requestedCapabilities: Type.Array(Type.String()),
  addedCapabilities: Type.Array(Type.String(), { description: 'capabilities the previous approved version did not have: highlight them' }),
  approvalRequired: Type.Boolean({ description: 'true until an administrator approves (POST /api/plugins/:id/versions/:version/approve)' }),
  publisher: Type.Object({ name: Type.String(), keyId: Type.String(), trustedNow: Type.Boolean() }),
});
export type InstallResult = Static<typeof InstallResult>;

/** `GET /api/marketplace/updates`: installed plugins some registry offers a greater version of. */
export const UpdatesResponse = Type.Object({
  items: Type.Array(Type.Object({ pluginId: Type.String(), installedVersion: Type.String(), latestVersion: Type.String(), registry: Type.String() })),
  errors: Type.Array(RegistryFailure),
});
export type UpdatesResponse = Static<typeof UpdatesResponse>;

/** `PUT|DELETE /api/marketplace/rollouts/:pluginId`, `POST /api/marketplace/rollouts/:pluginId/abort`. */
export const RolloutParams = Type.Object({ pluginId: Type.String({ maxLength: 200 }) });
export type RolloutParams = Static<typeof RolloutParams>;

export const RolloutInput = Type.Object(
  { version: Type.String({ minLength: 1, maxLength: 100 }), groups: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);
export type RolloutInput = Static<typeof RolloutInput>;

/** A host of a rollout's stage: its state for the plugin and whether its agent reported the rolled-out bundle. */
const RolloutStageHost = Type.Object({
  hostId: Type.Integer(),
  name: Type.String(),
  /** The plugin's current state on the host (`no_data` before its first result). */
  severity: Type.Union(SEVERITIES.map((s) => Type.Literal(s))),
  /** Since when (null before the first result). */
  since: Type.Union([Type.Integer(), Type.Null()]),
  /** The agent listed the rolled-out version's bundle when it last connected. */
  reported: Type.Boolean(),
});

/**
 * How far a rollout got (docs/marketplace.md, "Staged rollout"): the hosts of its groups (nested
 * groups included) worst first, at most 100 of them listed, with counts over all of them.
 */
const RolloutProgress = Type.Object({
  /** The rolled-out version is approved and its publisher key trusted: the stage runs it. */
  usable: Type.Boolean(),
  /** Every host of the site. */
  hostsTotal: Type.Integer(),
  /** Hosts of the stage (the rollout's groups). */
  stageTotal: Type.Integer(),
  /** Stage hosts whose agent reported the bundle at its last connection. */
  reportedTotal: Type.Integer(),
  /** Stage hosts per state of the plugin. */
  severities: Type.Record(Type.String(), Type.Integer()),
  stage: Type.Array(RolloutStageHost),
});
export type RolloutProgress = Static<typeof RolloutProgress>;

/** `GET /api/marketplace/rollouts` (and the answer of every rollout change). */
export const RolloutsResponse = Type.Object({
  items: Type.Array(
    Type.Object({
      pluginId: Type.String(),
      version: Type.String(),
      /** The stage's host groups; empty once aborted. */
      groups: Type.Array(Type.Integer()),
      /** When the rollout was created or last changed (null for one stored before the console showed it). */
      startedAt: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
      /** When it was aborted: the version and anything newer reach no host until promoted or rolled out again. */
      abortedAt: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
      progress: Type.Optional(RolloutProgress),
    }),
  ),
});
export type RolloutsResponse = Static<typeof RolloutsResponse>;
