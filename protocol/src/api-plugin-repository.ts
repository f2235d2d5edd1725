import { Type, type Static } from '@sinclair/typebox';
import { CapabilityList, PluginVersionInfo } from './api.js';
import { SemVer, Sha256, Timestamp } from './schema-common.js';

/**
 * Shapes of the plugin repository's routes (docs/plugin-repository.md, core/src/plugins/routes.ts),
 * beside the other REST API shapes (api.ts, whose plugins section has the version they report,
 * `PluginVersionInfo`): the core validates and documents them (OpenAPI at `/api/docs`), the
 * console imports their types.
 */

// ---- bundles and approvals -------------------------------------------------------------------

/** `POST /api/plugins/upload`: the bundle file, base64 (the API accepts only JSON bodies, docs/api.md). */
export const UploadBody = Type.Object({ bundle: Type.String({ minLength: 1, description: 'the bundle (zip), base64' }) }, { additionalProperties: false });
export type UploadBody = Static<typeof UploadBody>;

/** What an upload did: the stored version; `created: false` when the same bundle was already stored (200, else 201). */
export const UploadResult = Type.Composite([PluginVersionInfo, Type.Object({ created: Type.Boolean() })]);
export type UploadResult = Static<typeof UploadResult>;

/** `POST /api/plugins/:id/versions/:version/approve`: exactly the capabilities the version requests. */
export const ApproveBody = Type.Object({ capabilities: CapabilityList }, { additionalProperties: false });
export type ApproveBody = Static<typeof ApproveBody>;

/** `:id` is the plugin's row id or its reverse-DNS id. */
export const PluginParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^([0-9]+|[a-z][a-z0-9.-]*)$' }) }, { additionalProperties: false });
export type PluginParams = Static<typeof PluginParams>;
export const VersionParams = Type.Object({ id: PluginParams.properties.id, version: SemVer }, { additionalProperties: false });
export type VersionParams = Static<typeof VersionParams>;

// ---- trusted publisher keys (`/api/publishers`) ----------------------------------------------

/** One publisher key the site trusts to sign plugin bundles. */
export const Publisher = Type.Object({
  /** Fingerprint of the key: SHA-256 (hex) of the raw Ed25519 public key (docs/bundles.md). */
  keyId: Sha256,
  /** Who the key belongs to, as the administrator who added it called it. */
  name: Type.String(),
  /** SPKI PEM of the public key. */
  publicKeyPem: Type.String(),
  addedBy: Type.String(),
  addedAt: Timestamp,
  /** True for the site's own key, which signs the first-party plugins and cannot be removed. */
  site: Type.Boolean(),
});
export type Publisher = Static<typeof Publisher>;

/** `POST /api/publishers`: trust a new key. */
export const PublisherInput = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), publicKeyPem: Type.String({ minLength: 1, maxLength: 4096, description: 'Ed25519 public key, SPKI PEM' }) },
  { additionalProperties: false },
);
export type PublisherInput = Static<typeof PublisherInput>;

/** `DELETE /api/publishers/:keyId`. */
export const KeyIdParams = Type.Object({ keyId: Sha256 }, { additionalProperties: false });
export type KeyIdParams = Static<typeof KeyIdParams>;
