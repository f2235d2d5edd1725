import type { PublisherKeyPair } from '@prophasis/protocol';
import { signedTestBundle, testManifest } from '@prophasis/protocol/testing';

export interface Spec {
  id?: string;
  version?: string;
  capabilities?: string[];
  tags?: string[];
  platforms?: string[];
  changelog?: string;
  name?: string;
  description?: string;
  code?: string;
  /** README.md's text; a short one naming the plugin and version by default. */
  readme?: string;
}

/** Packs and signs a small plugin built from `spec`. */
export function bundle(key: PublisherKeyPair, spec: Spec = {}): Buffer {
  const name = spec.name ?? 'RAID health';
  const version = spec.version ?? '1.0.0';
  const manifest = testManifest({}, {
    id: spec.id ?? 'com.example.raid',
    name,
    version,
    description: spec.description ?? 'Checks the state of Linux software RAID arrays',
    publisher: 'Example Ltd',
    readme: 'README.md',
    history: 3,
    capabilities: spec.capabilities ?? ['fs.read:/proc/mdstat'],
    chart: { kind: 'none' },
    ...(spec.tags ? { tags: spec.tags } : {}),
    ...(spec.platforms ? { platforms: spec.platforms } : {}),
    ...(spec.changelog ? { changelog: spec.changelog } : {}),
  });
  return signedTestBundle(key, manifest, {
    'plugin.js': spec.code ?? 'export default async function run() { return { value: 1 }; }\n',
    'classifier.lua': 'return "ok"\n',
    'README.md': spec.readme ?? `# ${name}\n\nVersion ${version}.\n`,
  });
}

export const pem = (key: PublisherKeyPair): string => key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
