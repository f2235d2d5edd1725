import { packBundle, signBundle, type PublisherKeyPair } from '@prophasis/protocol';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
}

/** Packs and signs a small plugin built from `spec`. */
export function bundle(key: PublisherKeyPair, spec: Spec = {}): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'prophasis-mk-plugin-'));
  try {
    const manifest = {
      manifestVersion: 1,
      id: spec.id ?? 'com.example.raid',
      name: spec.name ?? 'RAID health',
      version: spec.version ?? '1.0.0',
      description: spec.description ?? 'Checks the state of Linux software RAID arrays',
      publisher: 'Example Ltd',
      main: 'plugin.js',
      classifier: 'classifier.lua',
      readme: 'README.md',
      parameters: { type: 'object', properties: {} },
      history: 3,
      capabilities: spec.capabilities ?? ['fs.read:/proc/mdstat'],
      chart: { kind: 'none' },
      ...(spec.tags ? { tags: spec.tags } : {}),
      ...(spec.platforms ? { platforms: spec.platforms } : {}),
      ...(spec.changelog ? { changelog: spec.changelog } : {}),
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(join(dir, 'plugin.js'), spec.code ?? 'export default async function run() { return { value: 1 }; }\n');
    writeFileSync(join(dir, 'classifier.lua'), 'return "ok"\n');
    writeFileSync(join(dir, 'README.md'), `# ${manifest.name}\n\nVersion ${manifest.version}.\n`);
    return signBundle(packBundle(dir), key.privateKey);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const pem = (key: PublisherKeyPair): string => key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
