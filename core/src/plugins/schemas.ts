import { CapabilityList, PluginVersionInfo, SemVer, Sha256, Timestamp } from '@prophasis/protocol';
import { Type, type Static } from '@sinclair/typebox';

/*
 * Request and response shapes of the plugin repository's routes. They belong with the other
 * API shapes in protocol/src/api.ts (the console imports those); until they move there they
 * live here, beside the only code that produces them. The version shape they compose,
 * `PluginVersionInfo`, is already there (the marketplace's install answer carries it).
 */

export const UploadResultSchema = Type.Composite([PluginVersionInfo, Type.Object({ created: Type.Boolean() })]);

/** `POST /api/plugins/upload`: the bundle file, base64 (the API accepts only JSON bodies, docs/api.md). */
export const UploadBody = Type.Object({ bundle: Type.String({ minLength: 1, description: 'the bundle (zip), base64' }) }, { additionalProperties: false });
export type UploadBody = Static<typeof UploadBody>;

/** `POST /api/plugins/:id/versions/:version/approve`: exactly the capabilities the version requests. */
export const ApproveBody = Type.Object({ capabilities: CapabilityList }, { additionalProperties: false });
export type ApproveBody = Static<typeof ApproveBody>;

/** `:id` is the plugin's row id or its reverse-DNS id. */
export const PluginParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^([0-9]+|[a-z][a-z0-9.-]*)$' }) }, { additionalProperties: false });
export type PluginParams = Static<typeof PluginParams>;
export const VersionParams = Type.Object({ id: PluginParams.properties.id, version: SemVer }, { additionalProperties: false });
export type VersionParams = Static<typeof VersionParams>;

export const PublisherSchema = Type.Object({
  keyId: Sha256,
  name: Type.String(),
  publicKeyPem: Type.String(),
  addedBy: Type.String(),
  addedAt: Timestamp,
  site: Type.Boolean(),
});

export const PublisherInput = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), publicKeyPem: Type.String({ minLength: 1, maxLength: 4096, description: 'Ed25519 public key, SPKI PEM' }) },
  { additionalProperties: false },
);
export type PublisherInput = Static<typeof PublisherInput>;

export const KeyIdParams = Type.Object({ keyId: Sha256 }, { additionalProperties: false });
export type KeyIdParams = Static<typeof KeyIdParams>;
