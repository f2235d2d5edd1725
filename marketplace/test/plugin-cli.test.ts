// Runs the real `prophasis-plugin` (bin/prophasis-plugin.mjs under the Node 24 that runs
// mocha) on a temporary plugin folder: keygen → pack → sign → verify, and the refusals.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AdmZip from 'adm-zip';
import { loadPublicKey, publicKeyFingerprint, sha256Hex } from '@prophasis/protocol';

const BIN = fileURLToPath(new URL('../bin/prophasis-plugin.mjs', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 15_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

const MANIFEST = {
  manifestVersion: 1,
  id: 'io.example.disk-free',
  name: 'Disk free',
  version: '0.3.1',
  description: 'Free space of one mount',
  publisher: 'Example Ltd',
  main: 'dist/plugin.js',
  classifier: 'classifier.lua',
  readme: 'README.md',
  parameters: { type: 'object', properties: { mount: { type: 'string' } }, required: ['mount'] },
  history: 5,
  capabilities: ['os.info', 'fs.read:/proc/mounts'],
  chart: { unit: '%', kind: 'line', min: 0, max: 100 },
};
const CODE = 'export default async function run(host, params) {\n  return { value: 42, message: params.mount };\n}\n';

let work: string;
let plugin: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'prophasis-plugin-cli-'));
  plugin = join(work, 'disk-free');
  mkdirSync(join(plugin, 'dist'), { recursive: true });
  writeFileSync(join(plugin, 'manifest.json'), JSON.stringify(MANIFEST, null, 2));
  writeFileSync(join(plugin, 'dist', 'plugin.js'), CODE);
  writeFileSync(join(plugin, 'classifier.lua'), 'if values[1] > 90 then return "major" end\nreturn "ok"\n');
  writeFileSync(join(plugin, 'README.md'), '# Disk free\n');
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('prophasis-plugin CLI', () => {
  let keyId: string;
  const bundle = () => join(work, 'disk-free.zip');

  it('keygen writes an owner-only private key and prints the fingerprint of the public key', async () => {
    const run = await cli(work, 'keygen', '--out', 'keys');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(statSync(join(work, 'keys', 'publisher.key')).mode & 0o777, 0o600);
    keyId = publicKeyFingerprint(loadPublicKey(join(work, 'keys', 'publisher.pub')));
    assert.match(run.stdout, new RegExp(`fingerprint\\s+${keyId}`));

    const again = await cli(work, 'keygen', '--out', 'keys');
    assert.equal(again.code, 1, 'an existing key is never overwritten');
    assert.match(again.stderr, /BUNDLE_KEY_EXISTS/);
  });

  it('pack → sign → verify --trust succeeds with a summary', async () => {
    const packed = await cli(work, 'pack', plugin, '--out', 'disk-free.zip');
    assert.equal(packed.code, 0, packed.stderr);
    assert.match(packed.stdout, /io\.example\.disk-free 0\.3\.1/);

    const signed = await cli(work, 'sign', 'disk-free.zip', '--key', join('keys', 'publisher.key'));
    assert.equal(signed.code, 0, signed.stderr);
    const sha256 = sha256Hex(readFileSync(bundle()));
    assert.match(signed.stdout, new RegExp(sha256));

    const verified = await cli(work, 'verify', 'disk-free.zip', '--trust', join('keys', 'publisher.pub'));
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /^OK io\.example\.disk-free 0\.3\.1/);
    assert.match(verified.stdout, /id\s+io\.example\.disk-free/);
    assert.match(verified.stdout, /version\s+0\.3\.1/);
    assert.match(verified.stdout, new RegExp(`publisher key\\s+${keyId} \\(trusted\\)`));
    assert.match(verified.stdout, /capabilities\s+os\.info\n\s+fs\.read:\/proc\/mounts/);
    assert.match(verified.stdout, new RegExp(`sha256\\s+${sha256}`));
  });

  it('packs the same folder into the same bytes', async () => {
    const runs = await Promise.all([cli(work, 'pack', plugin, '--out', 'one.zip'), cli(work, 'pack', plugin, '--out', 'two.zip')]);
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    assert.equal(sha256Hex(readFileSync(join(work, 'one.zip'))), sha256Hex(readFileSync(join(work, 'two.zip'))));
  });

  it('without --trust: checks the files but says the signature was not checked, and exits non-zero', async () => {
    const run = await cli(work, 'verify', 'disk-free.zip');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /signature not checked against a trusted key/);
    assert.match(run.stdout, /\(claimed, not checked\)/);
  });

  it('a tampered code file is refused with the reason', async () => {
    // Re-zip with one byte of the code changed; manifest and signature untouched.
    const zip = new AdmZip(readFileSync(bundle()));
    const code = Buffer.from(CODE);
    code[code.indexOf('42')] = '6'.charCodeAt(0);
    zip.updateFile('dist/plugin.js', code);
    writeFileSync(join(work, 'tampered.zip'), zip.toBuffer());
    const run = await cli(work, 'verify', 'tampered.zip', '--trust', join('keys', 'publisher.pub'));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /File hash differs from the manifest: dist\/plugin\.js .*\(BUNDLE_HASH_MISMATCH\)/);
    // Even without a trusted key the hashes are checked.
    const unkeyed = await cli(work, 'verify', 'tampered.zip');
    assert.match(unkeyed.stderr, /BUNDLE_HASH_MISMATCH/);

    // One byte flipped inside the zip itself: caught by the inflater, the size or the CRC check.
    const raw = readFileSync(bundle());
    const at = raw.indexOf(Buffer.from('dist/plugin.js')) + 'dist/plugin.js'.length + 4;
    raw.writeUInt8(raw.readUInt8(at) ^ 0x01, at);
    writeFileSync(join(work, 'flipped.zip'), raw);
    const flipped = await cli(work, 'verify', 'flipped.zip', '--trust', join('keys', 'publisher.pub'));
    assert.equal(flipped.code, 1);
    assert.match(flipped.stderr, /dist\/plugin\.js.*\(BUNDLE_(CORRUPT|SIZE_MISMATCH)\)/);
  });

  it('a bundle signed by an unknown key is refused', async () => {
    const other = await cli(work, 'keygen', '--out', 'other');
    assert.equal(other.code, 0, other.stderr);
    const run = await cli(work, 'verify', 'disk-free.zip', '--trust', join('other', 'publisher.pub'));
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`unknown publisher key: key ${keyId} \\(BUNDLE_UNKNOWN_PUBLISHER\\)`));
    // The process that refused did not damage anything: the right key still verifies.
    const ok = await cli(work, 'verify', 'disk-free.zip', '--trust', join('other', 'publisher.pub'), '--trust', join('keys', 'publisher.pub'));
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('a zip-slip bundle and a file that is not a zip are refused', async () => {
    const zip = new AdmZip(readFileSync(bundle()));
    const entry = zip.addFile('evil.js', Buffer.from('x'));
    entry.entryName = '../evil.js';
    writeFileSync(join(work, 'slip.zip'), zip.toBuffer());
    const [slip, notZip, missing] = await Promise.all([
      cli(work, 'verify', 'slip.zip', '--trust', join('keys', 'publisher.pub')),
      cli(work, 'verify', join(plugin, 'README.md'), '--trust', join('keys', 'publisher.pub')),
      cli(work, 'verify', 'absent.zip'),
    ]);
    assert.equal(slip.code, 1);
    assert.match(slip.stderr, /BUNDLE_PATH_TRAVERSAL/);
    assert.equal(notZip.code, 1);
    assert.match(notZip.stderr, /BUNDLE_NOT_A_ZIP/);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ENOENT/);
  });

  it('pack refuses a folder with a symlink, sign refuses a key file others may read', async () => {
    symlinkSync('/etc/passwd', join(plugin, 'passwd'));
    try {
      const run = await cli(work, 'pack', plugin);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /passwd.*\(BUNDLE_SYMLINK\)/);
    } finally {
      rmSync(join(plugin, 'passwd'));
    }
    writeFileSync(join(work, 'loose.key'), readFileSync(join(work, 'keys', 'publisher.key')), { mode: 0o644 });
    const loose = await cli(work, 'sign', 'disk-free.zip', '--key', 'loose.key', '--out', 'never.zip');
    assert.equal(loose.code, 1);
    assert.match(loose.stderr, /BUNDLE_KEY_PERMISSIONS/);
  });

  it('a wrong command line exits 2 with the usage', async () => {
    const [none, unknown, noKey, help] = await Promise.all([
      cli(work),
      cli(work, 'frobnicate', 'x.zip'),
      cli(work, 'sign', 'disk-free.zip'),
      cli(work, 'help'),
    ]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /usage: prophasis-plugin COMMAND/);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /--key KEYFILE/);
    assert.equal(help.code, 0);
    for (const command of ['keygen', 'pack', 'sign', 'verify']) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
  });
});
