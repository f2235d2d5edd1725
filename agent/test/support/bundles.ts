import { generatePublisherKeys, sha256Hex, type PublisherKeyPair } from '@prophasis/protocol';
import { signedTestBundle, testManifest } from '@prophasis/protocol/testing';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TestBundle {
  zip: Buffer;
  sha256: string;
  pluginId: string;
  version: string;
}

/** A signed bundle of a tiny plugin, packed and signed with the real protocol code. */
export async function makeSignedBundle(keys: PublisherKeyPair, options: { pluginId?: string; version?: string; capabilities?: string[]; code?: string } = {}): Promise<TestBundle> {
  const pluginId = options.pluginId ?? 'io.prophasis.test-value';
  const version = options.version ?? '1.0.0';
  const manifest = testManifest({}, {
    id: pluginId,
    name: 'Test value',
    version,
    description: 'Returns a value (agent tests).',
    publisher: 'Prophasis tests',
    capabilities: options.capabilities ?? ['os.info'],
  });
  const zip = signedTestBundle(keys, manifest, {
    'plugin.js': options.code ?? 'export async function measure(host, params) { return { value: 42 }; }\n',
    'classifier.lua': 'return "ok"\n',
  });
  return { zip, sha256: sha256Hex(zip), pluginId, version };
}

/** Writes `keys`' public half where the agent looks for operator-trusted keys. */
export async function trustOnDisk(dataDir: string, keys: PublisherKeyPair): Promise<void> {
  await mkdir(join(dataDir, 'trusted-keys'), { recursive: true, mode: 0o700 });
  await writeFile(join(dataDir, 'trusted-keys', 'test.pub'), keys.publicKey.export({ format: 'pem', type: 'spki' }));
}

export { generatePublisherKeys };
