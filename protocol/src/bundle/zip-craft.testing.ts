// Test support, exported only through `@prophasis/protocol/testing` (src/testing.ts): writes
// zips byte by byte so tests can build hostile archives that no well-behaved zip library would
// produce — lying sizes, traversal names, symlink modes, local names that differ from central ones.
import { sign, type KeyObject } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';
import { publicKeyFingerprint } from './keys.js';
import { sha256Hex } from './bundle.js';
import { bundleLimits } from './limits.js';
import { readZip } from './zip-reader.js';

export interface CraftEntry {
  name: string | Buffer;
  data?: Buffer;
  /** 0 stored, 8 deflated (default), anything else is written as given. */
  method?: number;
  /** External attributes; default a regular 0644 file (`0o100644 << 16`). */
  attributes?: number;
  flags?: number;
  /** Uncompressed size written in both headers (default: the real size). */
  size?: number;
  /** Uncompressed size written in the local header only. */
  localSize?: number;
  crc?: number;
  /** Name written in the local header only. */
  localName?: string;
}

/** Writes a zip from the entries, in the order given. */
export function craftZip(entries: CraftEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.isBuffer(entry.name) ? entry.name : Buffer.from(entry.name, 'latin1');
    const localName = entry.localName === undefined ? name : Buffer.from(entry.localName, 'latin1');
    const data = entry.data ?? Buffer.alloc(0);
    const method = entry.method ?? 8;
    const body = method === 8 ? deflateRawSync(data) : data;
    const size = entry.size ?? data.length;
    const crc = entry.crc ?? crc32(data);
    const flags = entry.flags ?? 0;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(0x00210000, 10);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.localSize ?? size, 22);
    local.writeUInt16LE(localName.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, localName, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(0x00210000, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((entry.attributes ?? 0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + localName.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A minimal valid manifest for `files`, with `overrides` applied. */
export function testManifest(files: Record<string, Buffer>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    manifestVersion: 1,
    id: 'io.prophasis.crafted',
    name: 'Crafted',
    version: '1.0.0',
    description: 'built by a spec',
    publisher: 'tests',
    main: 'plugin.js',
    classifier: 'classifier.lua',
    parameters: { type: 'object', properties: {} },
    history: 1,
    capabilities: ['os.info'],
    chart: {},
    files: Object.fromEntries(Object.entries(files).map(([path, data]) => [path, sha256Hex(data)])),
    ...overrides,
  };
}

export const TEST_FILES: Record<string, Buffer> = {
  'plugin.js': Buffer.from('export default async () => ({ value: 1 });\n'),
  'classifier.lua': Buffer.from('return "ok"\n'),
};

export interface CraftBundleOptions {
  files?: Record<string, Buffer>;
  /** The manifest object, or its exact bytes. */
  manifest?: Record<string, unknown> | Buffer;
  /** Signs the manifest bytes with this key; omit for an unsigned bundle. */
  key?: KeyObject;
  /** Replaces the content of manifest.sig. */
  signature?: Buffer;
  /** Entries appended after the regular ones. */
  extra?: CraftEntry[];
}

/** A bundle whose parts can each be wrong in one chosen way. */
export function craftBundle(options: CraftBundleOptions = {}): Buffer {
  const files = options.files ?? TEST_FILES;
  const manifest = options.manifest ?? testManifest(files);
  const manifestBytes = Buffer.isBuffer(manifest) ? manifest : Buffer.from(JSON.stringify(manifest));
  const entries: CraftEntry[] = [{ name: 'manifest.json', data: manifestBytes }];
  if (options.signature) {
    entries.push({ name: 'manifest.sig', data: options.signature });
  } else if (options.key) {
    const sig = { alg: 'ed25519', keyId: publicKeyFingerprint(options.key), sig: sign(null, manifestBytes, options.key).toString('base64') };
    entries.push({ name: 'manifest.sig', data: Buffer.from(JSON.stringify(sig)) });
  }
  for (const [name, data] of Object.entries(files)) entries.push({ name, data });
  return craftZip([...entries, ...(options.extra ?? [])]);
}

/** What {@link tamperBundle} changes in a bundle. */
export interface BundleTampering {
  /** New content by entry name; the manifest keeps the old hash, so the file now lies (added when absent). */
  replace?: Record<string, Buffer>;
  /** Entries appended after the bundle's own (a `../` name for zip-slip); stored unless they say otherwise. */
  extra?: CraftEntry[];
}

/**
 * A copy of a packed bundle, rewritten entry by entry (stored, no compression) with its
 * `manifest.json` and `manifest.sig` untouched: still signed correctly over its manifest, so
 * what a verifier refuses it for is the change made here and nothing else.
 */
export function tamperBundle(zip: Buffer, changes: BundleTampering): Buffer {
  const replace = changes.replace ?? {};
  const entries: CraftEntry[] = readZip(zip, bundleLimits()).map(({ name, data }) => ({ name, data: Object.hasOwn(replace, name) ? replace[name]! : data, method: 0 }));
  const added = Object.entries(replace).filter(([name]) => !entries.some((e) => e.name === name));
  return craftZip([...entries, ...added.map(([name, data]) => ({ name, data, method: 0 })), ...(changes.extra ?? []).map((e) => ({ method: 0, ...e }))]);
}
