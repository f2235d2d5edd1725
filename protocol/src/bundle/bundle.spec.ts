import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AdmZip from 'adm-zip';
import { ProphasisError, type ErrorFactory } from '../errors.js';
import { BundleErrors } from './errors.js';
import { generatePublisherKeys, trustKeys } from './keys.js';
import { inspectBundle, packBundle, sha256Hex, signBundle, verifyBundle } from './bundle.js';
import { craftBundle, craftZip, testManifest, TEST_FILES, type CraftEntry } from './zip-craft.testing.js';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/bundles/hello/', import.meta.url));
const MiB = 1024 * 1024;

const publisher = generatePublisherKeys();
const stranger = generatePublisherKeys();
const trusted = trustKeys([publisher.publicKey]);

/** Asserts that `fn` throws the catalogue error `expected`, and returns it. */
function refuses(fn: () => unknown, expected: ErrorFactory, mentions?: string): ProphasisError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ProphasisError, `expected ${expected.code}, got ${caught === undefined ? 'no error' : String(caught)}`);
  assert.equal(caught.code, expected.code, caught.message);
  if (mentions) assert.ok(caught.message.includes(mentions), `"${caught.message}" should mention "${mentions}"`);
  return caught;
}

/** After every refusal the same code still accepts a good bundle: nothing was left broken. */
function stillHealthy(): void {
  const good = craftBundle({ key: publisher.privateKey });
  assert.equal(verifyBundle(good, { trustedKeys: trusted }).manifest.id, 'io.prophasis.crafted');
}

function verify(zip: Buffer, limits?: Parameters<typeof verifyBundle>[1]['limits']) {
  return verifyBundle(zip, { trustedKeys: trusted, limits });
}

/** A signed bundle with the given raw entries added; the manifest lists them (or not). */
function signedWith(extra: CraftEntry[]): Buffer {
  return craftBundle({ key: publisher.privateKey, extra });
}

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'prophasis-bundle-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function pluginCopy(): string {
  const dir = join(tmp, 'plugin');
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

describe('bundle: pack, sign, verify', () => {
  it('round-trips a plugin folder: pack → sign → verify', () => {
    const signed = signBundle(packBundle(pluginCopy()), publisher.privateKey);
    const bundle = verify(signed);
    assert.equal(bundle.manifest.id, 'io.prophasis.test-hello');
    assert.deepEqual(bundle.manifest.capabilities, ['os.info', 'fs.read:/proc/loadavg']);
    assert.equal(bundle.sha256, sha256Hex(signed));
    assert.equal(bundle.keyId, publisher.keyId);
    assert.deepEqual([...bundle.files.keys()].sort(), ['README.md', 'classifier.lua', 'lib/util.js', 'plugin.js']);
    assert.equal(bundle.files.get('lib/util.js')!.toString(), 'export function first(values) {\n  return values[0];\n}\n');
    for (const [path, data] of bundle.files) assert.equal(bundle.manifest.files[path], sha256Hex(data));
  });

  it('packs deterministically: same files → same bytes, whatever the folder, mtimes or time zone', () => {
    const first = packBundle(pluginCopy());
    const other = join(tmp, 'elsewhere');
    cpSync(FIXTURE, other, { recursive: true });
    utimesSync(join(other, 'plugin.js'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const second = packBundle(other);
    assert.equal(sha256Hex(second), sha256Hex(first));
    symlinkSync(other, join(tmp, 'linked'));
    assert.equal(sha256Hex(packBundle(join(tmp, 'linked'))), sha256Hex(first), 'the folder itself may be a link');
    // Ed25519 signatures are deterministic (RFC 8032), so signed bundles are too.
    assert.equal(sha256Hex(signBundle(first, publisher.privateKey)), sha256Hex(signBundle(second, publisher.privateKey)));
    // Any change of content changes the identity.
    writeFileSync(join(other, 'README.md'), 'changed\n');
    assert.notEqual(sha256Hex(packBundle(other)), sha256Hex(first));
  });

  it('writes a zip that ordinary tools read: sorted names, regular 0644 files, fixed time', () => {
    const zip = new AdmZip(packBundle(pluginCopy()));
    const names = zip.getEntries().map((e) => e.entryName);
    assert.deepEqual(names, ['README.md', 'classifier.lua', 'lib/util.js', 'manifest.json', 'plugin.js']);
    for (const entry of zip.getEntries()) {
      assert.equal(entry.header.attr >>> 16, 0o100644);
      assert.equal(entry.header.time.getFullYear(), 1980);
    }
  });

  it('pack leaves out dotfiles, node_modules and an old manifest.sig, and replaces stale hashes', () => {
    const dir = pluginCopy();
    writeFileSync(join(dir, '.env'), 'SECRET=1\n');
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git', 'config'), '[core]\n');
    mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'x', 'index.js'), '');
    writeFileSync(join(dir, 'manifest.sig'), 'old');
    const bundle = inspectBundle(packBundle(dir));
    assert.deepEqual(Object.keys(bundle.manifest.files).sort(), ['README.md', 'classifier.lua', 'lib/util.js', 'plugin.js']);
    assert.equal(bundle.signature, undefined);
  });

  it('inspects an unsigned bundle to show what it asks for', () => {
    const bundle = inspectBundle(packBundle(pluginCopy()));
    assert.deepEqual(bundle.manifest.capabilities, ['os.info', 'fs.read:/proc/loadavg']);
    assert.equal(bundle.signature, undefined);
    const signed = inspectBundle(craftBundle({ key: stranger.privateKey }));
    assert.equal(signed.signature?.keyId, stranger.keyId, 'inspect reports the claimed key without trusting it');
  });

  it('re-signing replaces the signature', () => {
    const once = signBundle(packBundle(pluginCopy()), stranger.privateKey);
    const twice = signBundle(once, publisher.privateKey);
    assert.equal(verify(twice).keyId, publisher.keyId);
    refuses(() => verify(once), BundleErrors.UNKNOWN_PUBLISHER);
  });
});

describe('bundle: pack refusals', () => {
  it('refuses a symlink in the plugin folder', () => {
    const dir = pluginCopy();
    symlinkSync('/etc/passwd', join(dir, 'passwd'));
    refuses(() => packBundle(dir), BundleErrors.SYMLINK, 'passwd');
  });

  it('refuses a file name outside the plain character set', () => {
    const dir = pluginCopy();
    writeFileSync(join(dir, 'my notes.txt'), 'x');
    refuses(() => packBundle(dir), BundleErrors.BAD_PATH, 'my notes.txt');
  });

  it('refuses a folder without manifest.json, a manifest naming a missing main, and a non-folder', () => {
    const dir = pluginCopy();
    rmSync(join(dir, 'plugin.js'));
    refuses(() => packBundle(dir), BundleErrors.INVALID_MANIFEST, 'plugin.js');
    rmSync(join(dir, 'manifest.json'));
    refuses(() => packBundle(dir), BundleErrors.MISSING_MANIFEST);
    refuses(() => packBundle(join(dir, 'README.md')), BundleErrors.PACK_SOURCE);
    refuses(() => packBundle(join(tmp, 'absent')), BundleErrors.PACK_SOURCE);
  });

  it('refuses a folder over the limits', () => {
    const dir = pluginCopy();
    refuses(() => packBundle(dir, { limits: { maxEntries: 4 } }), BundleErrors.TOO_MANY_ENTRIES);
    refuses(() => packBundle(dir, { limits: { maxUnpackedBytes: 100 } }), BundleErrors.TOO_LARGE_UNPACKED);
    writeFileSync(join(dir, 'noise.bin'), randomBytes(4096));
    refuses(() => packBundle(dir, { limits: { maxPackedBytes: 2048 } }), BundleErrors.TOO_LARGE);
  });

  it('signs only Ed25519 keys and only bundles whose files match', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    refuses(() => signBundle(packBundle(pluginCopy()), privateKey), BundleErrors.BAD_KEY);
    const tampered = craftBundle({ manifest: testManifest(TEST_FILES), files: { ...TEST_FILES, 'plugin.js': Buffer.from('evil') } });
    refuses(() => signBundle(tampered, publisher.privateKey), BundleErrors.HASH_MISMATCH, 'plugin.js');
  });
});

describe('bundle: refusals when opening', () => {
  afterEach(stillHealthy);

  describe('the container', () => {
    it('not a zip', () => {
      refuses(() => verify(Buffer.alloc(0)), BundleErrors.NOT_A_ZIP);
      refuses(() => verify(Buffer.from('PK\u0003\u0004 this is not really a zip at all')), BundleErrors.NOT_A_ZIP);
      refuses(() => verify(randomBytes(10_000)), BundleErrors.NOT_A_ZIP);
      refuses(() => verify('a string' as unknown as Buffer), BundleErrors.NOT_A_ZIP);
    });

    it('a truncated zip, bytes after the end record, a flipped data byte', () => {
      const good = craftBundle({ key: publisher.privateKey });
      refuses(() => verify(good.subarray(0, good.length - 10)), BundleErrors.NOT_A_ZIP);
      refuses(() => verify(Buffer.concat([good, Buffer.from('trailing')])), BundleErrors.NOT_A_ZIP);
      const flipped = Buffer.from(craftZip([{ name: 'plugin.js', data: Buffer.from('x'.repeat(200)), method: 0 }]));
      flipped.writeUInt8(flipped.readUInt8(40) ^ 0xff, 40);
      refuses(() => verify(flipped), BundleErrors.CORRUPT, 'CRC');
      const deflated = craftZip([{ name: 'plugin.js', data: randomBytes(64) }]);
      deflated.writeUInt8(deflated.readUInt8(38) ^ 0xff, 38);
      refuses(() => verify(deflated), BundleErrors.CORRUPT);
    });

    it('a central directory that does not end at the end record', () => {
      const zip = Buffer.from(craftBundle({ key: publisher.privateKey }));
      const end = zip.length - 22;
      zip.writeUInt32LE(zip.readUInt32LE(end + 16) + 1, end + 16);
      refuses(() => verify(zip), BundleErrors.CORRUPT, 'central directory');
    });

    it('a local header whose name differs from the central one', () => {
      refuses(() => verify(signedWith([{ name: 'extra.js', localName: 'other.js', data: Buffer.from('x') }])), BundleErrors.CORRUPT, 'names another file');
    });

    it('overlapping entries (a non-recursive zip bomb)', () => {
      // Entry a.js (stored) contains, as its data, the complete local entry of b.js; a second
      // central record points into it, so the two entries share bytes.
      const inner = craftZip([{ name: 'b.js', data: Buffer.from('bbbb'), method: 0 }]);
      const innerLocal = inner.subarray(0, 30 + 4 + 4);
      const outer = craftZip([{ name: 'a.js', data: innerLocal, method: 0 }]);
      const outerLocalLength = 30 + 4 + innerLocal.length;
      const centralA = outer.subarray(outerLocalLength, outerLocalLength + 46 + 4);
      const centralB = Buffer.from(inner.subarray(innerLocal.length, innerLocal.length + 46 + 4));
      centralB.writeUInt32LE(30 + 4, 42);
      const directory = Buffer.concat([centralA, centralB]);
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(2, 8);
      end.writeUInt16LE(2, 10);
      end.writeUInt32LE(directory.length, 12);
      end.writeUInt32LE(outerLocalLength, 16);
      const zip = Buffer.concat([outer.subarray(0, outerLocalLength), directory, end]);
      refuses(() => verify(zip), BundleErrors.CORRUPT, 'overlap');
    });

    it('more than 5 MiB packed', () => {
      const big = craftBundle({ key: publisher.privateKey, extra: [{ name: 'big.bin', data: randomBytes(5 * MiB), method: 0 }] });
      refuses(() => verify(big), BundleErrors.TOO_LARGE, String(5 * MiB));
    });

    it('more than 20 MiB unpacked, refused by the headers before inflating', () => {
      const zeros = craftBundle({ key: publisher.privateKey, extra: [{ name: 'zeros.bin', data: Buffer.alloc(21 * MiB) }] });
      assert.ok(zeros.length < MiB, 'the zeros compress well, so only the unpacked size can refuse them');
      refuses(() => verify(zeros), BundleErrors.TOO_LARGE_UNPACKED, String(20 * MiB));
    });

    it('more than 200 entries', () => {
      const extra = Array.from({ length: 199 }, (_, i) => ({ name: `f${i}.js`, data: Buffer.from('x') }));
      refuses(() => verify(signedWith(extra)), BundleErrors.TOO_MANY_ENTRIES, '203 entries');
    });

    it('an entry whose header declares less than it inflates to (a zip bomb lying about its size)', () => {
      const bomb: CraftEntry = { name: 'bomb.bin', data: Buffer.alloc(50 * MiB), size: 100 };
      refuses(() => verify(signedWith([bomb])), BundleErrors.SIZE_MISMATCH, 'more than the 100 bytes');
    });

    it('an entry whose header declares more than it holds', () => {
      refuses(() => verify(signedWith([{ name: 'short.js', data: Buffer.from('tiny'), size: 1000 }])), BundleErrors.SIZE_MISMATCH, 'short.js');
      refuses(() => verify(signedWith([{ name: 'stored.js', data: Buffer.from('tiny'), method: 0, size: 3 }])), BundleErrors.SIZE_MISMATCH, 'stored.js');
      refuses(() => verify(signedWith([{ name: 'local.js', data: Buffer.from('tiny'), localSize: 9 }])), BundleErrors.SIZE_MISMATCH, 'local.js');
    });

    it('encryption and unknown compression methods', () => {
      refuses(() => verify(signedWith([{ name: 'enc.js', data: Buffer.from('x'), flags: 1 }])), BundleErrors.UNSUPPORTED_ZIP, 'encrypted');
      refuses(() => verify(signedWith([{ name: 'bz.js', data: Buffer.from('x'), method: 12 }])), BundleErrors.UNSUPPORTED_ZIP, 'method 12');
    });
  });

  describe('entry names and types', () => {
    for (const name of ['../evil.js', 'lib/../../evil.js', '..', '..\\evil.js', 'lib/..']) {
      it(`path traversal: ${name}`, () => refuses(() => verify(signedWith([{ name, data: Buffer.from('x') }])), BundleErrors.PATH_TRAVERSAL));
    }
    for (const name of ['/etc/cron.d/evil', 'C:/Windows/evil.js', 'c:evil.js', '\\evil.js']) {
      it(`absolute path: ${name}`, () => refuses(() => verify(signedWith([{ name, data: Buffer.from('x') }])), BundleErrors.ABSOLUTE_PATH));
    }
    for (const name of ['lib\\evil.js', 'lib//evil.js', './evil.js', 'evil .js', 'caf\u00e9.js', 'nul\u0000.js', '']) {
      it(`not a plain path: ${JSON.stringify(name)}`, () => refuses(() => verify(signedWith([{ name, data: Buffer.from('x') }])), BundleErrors.BAD_PATH));
    }
    it('not a plain path: UTF-8 bytes of a look-alike name', () => {
      refuses(() => verify(signedWith([{ name: Buffer.from('pl\u0443gin.js', 'utf8'), data: Buffer.from('x') }])), BundleErrors.BAD_PATH);
    });

    it('duplicate names, also when they differ only in case, and a file that is also a folder', () => {
      refuses(() => verify(signedWith([{ name: 'plugin.js', data: Buffer.from('second copy') }])), BundleErrors.DUPLICATE_ENTRY, 'plugin.js');
      refuses(() => verify(signedWith([{ name: 'Plugin.JS', data: Buffer.from('x') }])), BundleErrors.DUPLICATE_ENTRY);
      refuses(
        () => verify(signedWith([{ name: 'lib', data: Buffer.from('x') }, { name: 'lib/a.js', data: Buffer.from('y') }])),
        BundleErrors.DUPLICATE_ENTRY,
        'both a file and a directory',
      );
    });

    it('symlink entries', () => {
      const link: CraftEntry = { name: 'passwd', data: Buffer.from('/etc/passwd'), attributes: (0o120777 << 16) >>> 0 };
      refuses(() => verify(signedWith([link])), BundleErrors.SYMLINK, 'passwd');
      refuses(() => verify(signedWith([{ ...link, name: 'dir/', data: Buffer.alloc(0) }])), BundleErrors.SYMLINK);
    });

    it('directories that are not plain, and special files', () => {
      refuses(() => verify(signedWith([{ name: 'lib/', data: Buffer.from('content'), attributes: (0o40755 << 16) >>> 0 }])), BundleErrors.BAD_ENTRY_TYPE);
      refuses(() => verify(signedWith([{ name: 'fifo', attributes: (0o10644 << 16) >>> 0 }])), BundleErrors.BAD_ENTRY_TYPE);
      refuses(() => verify(signedWith([{ name: 'dev', attributes: (0o20644 << 16) >>> 0 }])), BundleErrors.BAD_ENTRY_TYPE);
      refuses(() => verify(signedWith([{ name: 'notadir.js', attributes: 0x10 }])), BundleErrors.BAD_ENTRY_TYPE);
      refuses(() => verify(signedWith([{ name: 'lib/', attributes: 0x10, method: 0 }, { name: 'lib/', attributes: 0x10, method: 0 }])), BundleErrors.DUPLICATE_ENTRY);
    });

    it('accepts plain empty directory entries', () => {
      const files = { ...TEST_FILES, 'lib/a.js': Buffer.from('a') };
      const zip = craftBundle({ key: publisher.privateKey, files, extra: [{ name: 'lib/', attributes: ((0o40755 << 16) | 0x10) >>> 0, method: 0 }] });
      assert.deepEqual([...verify(zip).files.keys()].sort(), ['classifier.lua', 'lib/a.js', 'plugin.js']);
    });
  });

  describe('the manifest and its files', () => {
    it('missing manifest.json', () => {
      refuses(() => verify(craftZip([{ name: 'plugin.js', data: Buffer.from('x') }])), BundleErrors.MISSING_MANIFEST);
    });

    it('a manifest that is not JSON, or does not match its schema', () => {
      refuses(() => verify(craftBundle({ key: publisher.privateKey, manifest: Buffer.from('{ nope') })), BundleErrors.INVALID_MANIFEST, 'not UTF-8 JSON');
      refuses(() => verify(craftBundle({ key: publisher.privateKey, manifest: Buffer.from('[]') })), BundleErrors.INVALID_MANIFEST, 'not a JSON object');
      const badCapability = testManifest(TEST_FILES, { capabilities: ['process.spawn'] });
      refuses(() => verify(craftBundle({ key: publisher.privateKey, manifest: badCapability })), BundleErrors.INVALID_MANIFEST, 'process.spawn');
      const extraKey = testManifest(TEST_FILES, { postinstall: 'rm -rf /' });
      refuses(() => verify(craftBundle({ key: publisher.privateKey, manifest: extraKey })), BundleErrors.INVALID_MANIFEST);
      const listsItself = testManifest({ ...TEST_FILES, 'manifest.sig': Buffer.from('x') });
      refuses(() => verify(craftBundle({ key: publisher.privateKey, manifest: listsItself })), BundleErrors.INVALID_MANIFEST, 'manifest.sig');
    });

    it('a file whose hash differs from the manifest (tampered after signing)', () => {
      const manifest = testManifest(TEST_FILES);
      const tampered = craftBundle({ key: publisher.privateKey, manifest, files: { ...TEST_FILES, 'plugin.js': Buffer.from('fetch("https://evil")') } });
      refuses(() => verify(tampered), BundleErrors.HASH_MISMATCH, 'plugin.js');
    });

    it('a file present but not listed', () => {
      refuses(() => verify(signedWith([{ name: 'extra.js', data: Buffer.from('x') }])), BundleErrors.UNLISTED_FILE, 'extra.js');
    });

    it('a listed file missing', () => {
      const manifest = testManifest({ ...TEST_FILES, 'lib/util.js': Buffer.from('x') });
      refuses(() => verify(craftBundle({ key: publisher.privateKey, manifest })), BundleErrors.MISSING_FILE, 'lib/util.js');
    });
  });

  describe('the signature', () => {
    it('missing signature', () => {
      refuses(() => verify(craftBundle()), BundleErrors.MISSING_SIGNATURE);
    });

    const good = { alg: 'ed25519', keyId: publisher.keyId, sig: Buffer.alloc(64).toString('base64') };
    const malformed: Array<[string, string]> = [
      ['not JSON', 'ed25519?'],
      ['an array', '[]'],
      ['an extra key', JSON.stringify({ ...good, note: 'x' })],
      ['another algorithm', JSON.stringify({ ...good, alg: 'rsa' })],
      ['a short key id', JSON.stringify({ ...good, keyId: 'abc' })],
      ['a short signature', JSON.stringify({ ...good, sig: 'AAAA' })],
      ['a signature that is not base64', JSON.stringify({ ...good, sig: `${'!'.repeat(86)}==` })],
    ];
    for (const [what, text] of malformed) {
      it(`malformed signature: ${what}`, () => {
        refuses(() => verify(craftBundle({ signature: Buffer.from(text) })), BundleErrors.MALFORMED_SIGNATURE);
      });
    }

    it('signature by an unknown key', () => {
      refuses(() => verify(craftBundle({ key: stranger.privateKey })), BundleErrors.UNKNOWN_PUBLISHER, stranger.keyId);
    });

    it('a lookup that answers with some other key is not trusted', () => {
      const zip = craftBundle({ key: stranger.privateKey });
      refuses(() => verifyBundle(zip, { trustedKeys: () => publisher.publicKey }), BundleErrors.UNKNOWN_PUBLISHER, 'has fingerprint');
      const { publicKey: rsa } = generateKeyPairSync('rsa', { modulusLength: 1024 });
      refuses(() => verifyBundle(zip, { trustedKeys: () => rsa }), BundleErrors.UNKNOWN_PUBLISHER, 'not an Ed25519 key');
    });

    it('a bad signature: manifest changed after signing, or signed by another key than it names', () => {
      const signed = craftBundle({ key: publisher.privateKey });
      const manifest = testManifest(TEST_FILES, { capabilities: ['os.info', 'exec:/bin/sh'] });
      const sig = extractEntry(signed, 'manifest.sig');
      refuses(() => verify(craftBundle({ manifest, signature: sig })), BundleErrors.BAD_SIGNATURE, publisher.keyId);

      const manifestBytes = Buffer.from(JSON.stringify(testManifest(TEST_FILES)));
      const forged = { alg: 'ed25519', keyId: publisher.keyId, sig: sign(null, manifestBytes, stranger.privateKey).toString('base64') };
      refuses(() => verify(craftBundle({ manifest: manifestBytes, signature: Buffer.from(JSON.stringify(forged)) })), BundleErrors.BAD_SIGNATURE);
    });

    it('checks the signature before the manifest schema', () => {
      const unsignedGarbage = craftBundle({ key: stranger.privateKey, manifest: Buffer.from('{ nope') });
      refuses(() => verify(unsignedGarbage), BundleErrors.UNKNOWN_PUBLISHER);
    });
  });
});

describe('bundle: limits are the documented ones', () => {
  it('accepts exactly 200 entries and a bundle just under the size limits', () => {
    const extra = Array.from({ length: 195 }, (_, i) => ({ name: `f${i}.js`, data: Buffer.from('x') }));
    const files: Record<string, Buffer> = { ...TEST_FILES };
    for (const e of extra) files[e.name] = e.data;
    const zip = craftBundle({ key: publisher.privateKey, files, extra: [{ name: 'lib/', attributes: 0x10, method: 0 }] });
    assert.equal(verify(zip).files.size, 197, '200 entries: manifest, signature, a directory and 197 files');
    const near = craftBundle({ key: publisher.privateKey, files: { ...TEST_FILES, 'big.bin': randomBytes(5 * MiB - 64 * 1024) } });
    assert.ok(near.length <= 5 * MiB, `${near.length} bytes`);
    assert.equal(verify(near).files.get('big.bin')!.length, 5 * MiB - 64 * 1024);

  });

  it('accepts a signed bundle re-zipped by another tool, as long as the bytes match', () => {
    const signed = craftBundle({ key: publisher.privateKey });
    const rezip = new AdmZip();
    for (const entry of new AdmZip(signed).getEntries()) rezip.addFile(entry.entryName, entry.getData());
    assert.equal(verify(rezip.toBuffer()).keyId, publisher.keyId);
  });
});

function extractEntry(zip: Buffer, name: string): Buffer {
  const entry = new AdmZip(zip).getEntry(name);
  assert.ok(entry, name);
  return entry.getData();
}

describe('bundle: never a crash', () => {
  it('answers 2,000 randomly damaged bundles with a BUNDLE_* refusal or a verified bundle, nothing else', () => {
    const good = signBundle(packBundle(FIXTURE), publisher.privateKey);
    // A fixed-seed generator (mulberry32) so a failure can be replayed.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const codes = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const damaged = Buffer.from(good);
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) damaged.writeUInt8(Math.floor(random() * 256), Math.floor(random() * damaged.length));
      const cut = random() < 0.1 ? damaged.subarray(0, Math.floor(random() * damaged.length)) : damaged;
      try {
        verify(cut);
        codes.set('accepted', (codes.get('accepted') ?? 0) + 1);
      } catch (err) {
        assert.ok(err instanceof ProphasisError && err.code.startsWith('BUNDLE_'), `damage #${i} threw ${String(err)}`);
        codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
      }
    }
    assert.ok(codes.size > 3, `a variety of refusals: ${JSON.stringify(Object.fromEntries(codes))}`);
  });
});
