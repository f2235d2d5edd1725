import { Type, type Static } from '@sinclair/typebox';

/**
 * The registry API's shapes (docs/marketplace.md), declared once: the routes validate and
 * document them (OpenAPI at `/api/docs`), the CLI and the core read them.
 */
export const ErrorBody = Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) });

export const PluginSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  publisher: Type.String(),
  tags: Type.Array(Type.String()),
  platforms: Type.Array(Type.String(), { description: 'empty: every platform' }),
  latestVersion: Type.String({ description: 'the greatest version that is not yanked' }),
  latestSha256: Type.String(),
  capabilities: Type.Array(Type.String(), { description: 'what the latest version asks for' }),
  downloads: Type.Integer(),
  updatedAt: Type.Integer({ description: 'epoch ms of the latest version' }),
});
export type PluginSummary = Static<typeof PluginSummary>;

export const KeyInfo = Type.Object({
  keyId: Type.String({ description: 'SHA-256 (hex) of the raw Ed25519 public key: the fingerprint sites trust' }),
  publicKeyPem: Type.String(),
  addedAt: Type.Integer(),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
});
export type KeyInfo = Static<typeof KeyInfo>;

export const VersionInfo = Type.Object({
  version: Type.String(),
  sha256: Type.String(),
  size: Type.Integer(),
  keyId: Type.String({ description: 'the key that signed this version' }),
  capabilities: Type.Array(Type.String()),
  changelog: Type.String(),
  publishedAt: Type.Integer(),
  yanked: Type.Boolean(),
  yankedAt: Type.Union([Type.Integer(), Type.Null()]),
  downloads: Type.Integer(),
});
export type VersionInfo = Static<typeof VersionInfo>;

export const PluginPage = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  readme: Type.String(),
  tags: Type.Array(Type.String()),
  platforms: Type.Array(Type.String()),
  downloads: Type.Integer(),
  latestVersion: Type.Union([Type.String(), Type.Null()], { description: 'null when every version is yanked' }),
  publisher: Type.Object({ name: Type.String(), keys: Type.Array(KeyInfo) }),
  versions: Type.Array(VersionInfo, { description: 'newest first, yanked ones included and marked' }),
});
export type PluginPage = Static<typeof PluginPage>;

export const PublishResult = Type.Object({
  created: Type.Boolean({ description: 'false when exactly this bundle was already published' }),
  pluginId: Type.String(),
  version: Type.String(),
  sha256: Type.String(),
  size: Type.Integer(),
  keyId: Type.String(),
  capabilities: Type.Array(Type.String()),
});
export type PublishResult = Static<typeof PublishResult>;

export const SearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    tag: Type.Optional(Type.String({ maxLength: 32 })),
    platform: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);
export type SearchQuery = Static<typeof SearchQuery>;

export const AddKeyBody = Type.Object(
  {
    publicKeyPem: Type.String({ minLength: 1, maxLength: 4096 }),
    signedBy: Type.String({ pattern: '^[a-f0-9]{64}$', description: 'keyId of one of your active keys' }),
    signature: Type.String({ maxLength: 200, description: 'base64 Ed25519 signature of keyAdditionMessage(publisher, new keyId) by signedBy' }),
  },
  { additionalProperties: false },
);
export type AddKeyBody = Static<typeof AddKeyBody>;

export const PluginParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
export const VersionParams = Type.Object({ id: Type.String({ maxLength: 200 }), version: Type.String({ maxLength: 100 }) });
export const HashParams = Type.Object({ sha256: Type.String({ pattern: '^[a-f0-9]{64}$' }) });
export const KeyParams = Type.Object({ keyId: Type.String({ pattern: '^[a-f0-9]{64}$' }) });

/**
 * What a publisher signs to add a key (key rotation): a fixed, domain-separated text, so a
 * signature made for this can never pass as a bundle signature or the other way round.
 */
export function keyAdditionMessage(publisher: string, newKeyId: string): Buffer {
  return Buffer.from(`prophasis-marketplace/add-key/v1\n${publisher}\n${newKeyId}\n`, 'utf8');
}
