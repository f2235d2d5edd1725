import { generatePublisherKeys, packBundle, sha256Hex, signBundle, type PublisherKeyPair } from '@prophasis/protocol';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

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
  const dir = await mkdtemp(join(tmpdir(), 'prophasis-agent-plugin-'));
  try {
    await mkdir(dir, { recursive: true });
    const manifest = {
      manifestVersion: 1,
      id: pluginId,
      name: 'Test value',
      version,
      description: 'Returns a value (agent tests).',
      publisher: 'Prophasis tests',
      main: 'plugin.js',
      classifier: 'classifier.lua',
      parameters: { type: 'object', properties: {} },
      history: 1,
      capabilities: options.capabilities ?? ['os.info'],
      chart: {},
      files: {},
    };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    await writeFile(join(dir, 'plugin.js'), options.code ?? 'export async function measure(host, params) { return { value: 42 }; }\n');
    await writeFile(join(dir, 'classifier.lua'), 'return "ok"\n');
    const zip = signBundle(packBundle(dir), keys.privateKey);
    return { zip, sha256: sha256Hex(zip), pluginId, version };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes `keys`' public half where the agent looks for operator-trusted keys. */
export async function trustOnDisk(dataDir: string, keys: PublisherKeyPair): Promise<void> {
  await mkdir(join(dataDir, 'trusted-keys'), { recursive: true, mode: 0o700 });
  await writeFile(join(dataDir, 'trusted-keys', 'test.pub'), keys.publicKey.export({ format: 'pem', type: 'spki' }));
}

export { generatePublisherKeys };

/**
 * A stored (uncompressed) zip written byte by byte, for hostile bundles no packer would make
 * (a `../` entry: zip-slip). PKWARE APPNOTE 4.3.7 / 4.3.12 / 4.3.16.
 */
export function rawZip(entries: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
