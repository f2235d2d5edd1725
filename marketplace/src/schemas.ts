import { Type, type Static } from '@sinclair/typebox';

/**
 * The publishing side of the registry API (docs/marketplace.md): the routes validate and
 * document these (OpenAPI at `/api/docs`), the CLI reads them. The read side the core also
 * reads (search, plugin page, keys, versions) and the error body are in
 * protocol/src/api-marketplace.ts and protocol/src/api.ts.
 */
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
