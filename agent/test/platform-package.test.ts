import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generatePublisherKeys, stateTopic } from '@prophasis/protocol';
import { INSTALL_SCRIPT, packageFileName, packAgentPlatforms, SUMS_FILE, type PackageIndex } from '../scripts/pack-platforms.js';
import { finished, type CliResult } from './support/cli.js';
import { observe, stateStatus } from './support/observer.js';
import { startTestBroker } from './support/test-broker.js';

const execFileAsync = promisify(execFile);
const AGENT_PACKAGE = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const INSTALL_SH = fileURLToPath(new URL('../scripts/install.sh', import.meta.url));
/** This machine's platform: the package the tests run. */
const PLATFORM = process.arch === 'arm64' ? 'linux-arm64' : 'linux-x64';
const PACKAGE = packageFileName(PLATFORM);

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Runs a program to completion with exactly `env` (no inherited PATH or NODE_OPTIONS). */
function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000, cwd?: string): Promise<CliResult> {
  return finished(spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] }), timeoutMs);
}

/**
 * install.sh as an unprivileged user: it verifies before it asks for root, so these runs prove
 * the refusals without being able to change this machine whatever happens.
 */
function installUnprivileged(args: string[]): Promise<CliResult> {
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', TMPDIR: '/tmp' };
  const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];
  const [file, ...rest] = [...asNobody, 'sh', INSTALL_SH, ...args] as [string, ...string[]];
  return run(file, rest, env, 120_000, '/tmp');
}

type Serving = 'as built' | 'cut short' | 'shorter file' | 'altered';

/** The output directory over HTTP on 127.0.0.1, as the core serves it, or damaged on purpose. */
async function serve(dir: string): Promise<{ url: string; mode: Serving; close(): Promise<void> }> {
  const state = { mode: 'as built' as Serving };
  const server: Server = createServer((request, response) => {
    const name = (request.url ?? '').replace(/^\/(downloads\/)?/, '');
    const path = join(dir, name);
    stat(path).then(
      async (info) => {
        if (!name.endsWith('.tar.gz') || state.mode === 'as built') {
          response.writeHead(200, { 'content-length': info.size });
          createReadStream(path).pipe(response);
          return;
        }
        const bytes = await readFile(path);
        const half = bytes.subarray(0, bytes.length >> 1);
        if (state.mode === 'cut short') {
          // Announces the whole file, sends half and hangs up: a connection lost mid-download.
          response.writeHead(200, { 'content-length': bytes.length });
          response.write(half, () => response.destroy());
        } else if (state.mode === 'shorter file') {
          response.writeHead(200, { 'content-length': half.length });
          response.end(half);
        } else {
          const altered = Buffer.from(bytes);
          altered[altered.length - 100] = (altered[altered.length - 100] as number) ^ 0xff;
          response.writeHead(200, { 'content-length': altered.length });
          response.end(altered);
        }
      },
      () => {
        response.writeHead(404);
        response.end();
      },
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get mode() {
      return state.mode;
    },
    set mode(mode: Serving) {
      state.mode = mode;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

describe('pack-platforms: the self-contained agent package and install.sh', function () {
  // The first build fetches Node.js from the registry (npm's cache after that) and gzips ~130 MB.
  this.timeout(300_000);
  let root: string;
  let out: string;
  let index: PackageIndex;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'prophasis-platform-test-'));
    await chmod(root, 0o755); // install.sh runs as nobody in some tests
    out = join(root, 'out');
    index = await packAgentPlatforms(out, { platforms: [PLATFORM] });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('packs the agent, isolated-vm for that platform only and Node.js itself; SHA256SUMS and the index match the files; a rebuild gives the same bytes', async () => {
    const listing = (await execFileAsync('tar', ['-tzf', join(out, PACKAGE)], { maxBuffer: 4 * 1024 * 1024 })).stdout.split('\n').filter(Boolean);
    const files = listing.filter((f) => !f.endsWith('/')).sort();
    const arch = PLATFORM.split('-')[1];
    assert.deepEqual(files.filter((f) => !f.startsWith('prophasis-agent/lib/node_modules/node-gyp-build/')), [
      'prophasis-agent/PLATFORM',
      'prophasis-agent/VERSION',
      'prophasis-agent/bin/prophasis-agent',
      'prophasis-agent/lib/dist/prophasis-agent.mjs',
      'prophasis-agent/lib/dist/prophasis-sandbox.mjs',
      'prophasis-agent/lib/node_modules/isolated-vm/LICENSE',
      'prophasis-agent/lib/node_modules/isolated-vm/isolated-vm.js',
      'prophasis-agent/lib/node_modules/isolated-vm/package.json',
      `prophasis-agent/lib/node_modules/isolated-vm/prebuilds/linux-${arch}/isolated-vm.abi${process.versions.modules}.glibc.node`,
      'prophasis-agent/manifest.json',
      'prophasis-agent/node/LICENSE',
      'prophasis-agent/node/bin/node',
      'prophasis-agent/share/install.sh',
      'prophasis-agent/share/prophasis-agent-upgrade.path',
      'prophasis-agent/share/prophasis-agent-upgrade.service',
      'prophasis-agent/share/prophasis-agent.service',
    ]);
    assert.ok(files.includes('prophasis-agent/lib/node_modules/node-gyp-build/node-gyp-build.js'));

    const bytes = await readFile(join(out, PACKAGE));
    const sums = await readFile(join(out, SUMS_FILE), 'utf8');
    assert.equal(sums, [`${sha256(await readFile(join(out, INSTALL_SCRIPT)))}  install.sh\n`, `${sha256(bytes)}  ${PACKAGE}\n`].join(''));
    assert.equal(index.sums.sha256, sha256(sums));
    assert.deepEqual(
      index.packages.map(({ platform, file, sha256: hash, size }) => ({ platform, file, hash, size })),
      [{ platform: PLATFORM, file: PACKAGE, hash: sha256(bytes), size: bytes.length }],
    );
    assert.equal(index.version, AGENT_PACKAGE.version);
    assert.equal(index.node, process.versions.node);

    // Unchanged inputs: the package is reused; built again from scratch: the same bytes.
    const started = Date.now();
    assert.deepEqual(await packAgentPlatforms(out, { platforms: [PLATFORM] }), index);
    assert.ok(Date.now() - started < 20_000, 'reused, not rebuilt');
    await rm(join(out, PACKAGE));
    const rebuilt = await packAgentPlatforms(out, { platforms: [PLATFORM] });
    assert.equal(rebuilt.packages[0]?.sha256, sha256(bytes), 'reproducible');
  });

  it('runs on its own Node.js, never the one on the PATH: sandbox self-test, enrolment over TLS, online', async () => {
    const dir = join(root, 'unpacked');
    await mkdir(dir);
    await execFileAsync('tar', ['-xzf', join(out, PACKAGE), '-C', dir]);
    const launcher = join(dir, 'prophasis-agent/bin/prophasis-agent');
    // A `node` first on the PATH that would fail loudly if anything used it.
    const fakeBin = join(root, 'fake-bin');
    await mkdir(fakeBin);
    await writeFile(join(fakeBin, 'node'), '#!/bin/sh\necho "the host node was used" >&2\nexit 99\n', { mode: 0o755 });
    const env = { PATH: `${fakeBin}:/usr/bin:/bin`, PROPHASIS_DATA_DIR: join(root, 'agent-data'), PROPHASIS_LOG_LEVEL: 'warn', NODE_OPTIONS: '--require /nonexistent.js' };

    const version = await run(launcher, ['--version'], env);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), AGENT_PACKAGE.version);
    const node = await run(join(dir, 'prophasis-agent/node/bin/node'), ['--version'], {});
    assert.equal(node.stdout.trim(), process.version, 'the Node.js the package was built with');

    const selfTest = await run(launcher, ['sandbox-selftest'], env);
    assert.equal(selfTest.code, 0, selfTest.stderr);
    assert.match(selfTest.stdout, /^sandbox ok: value 42 in \d+ ms$/m);

    const broker = await startTestBroker();
    try {
      const token = 'tok-' + 'q'.repeat(40);
      broker.addToken(token);
      const enrolled = await run(launcher, ['enroll', '--server', `127.0.0.1:${broker.port}`, '--ca-fingerprint', broker.pki.caFingerprint], { ...env, PROPHASIS_ENROL_TOKEN: token });
      assert.equal(enrolled.code, 0, enrolled.stderr);
      const agentId = [...broker.agents.keys()][0] as string;
      const watcher = await observe(broker, [stateTopic(agentId)]);
      const child = spawn(launcher, ['run'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = finished(child, 30_000);
      try {
        await watcher.waitFor((m) => stateStatus(m) === 'online', 15_000, 'online from the packaged agent');
        child.kill('SIGTERM');
        const result = await exited;
        assert.equal(result.code, 0, result.stderr);
        assert.doesNotMatch(result.stderr, /the host node was used/);
      } finally {
        child.kill('SIGKILL');
        await watcher.close();
      }
    } finally {
      await broker.stop();
    }
  });

  describe('install.sh', () => {
    let site: Awaited<ReturnType<typeof serve>>;
    before(async () => (site = await serve(out)));
    after(async () => site?.close());
    afterEach(() => (site.mode = 'as built'));

    const online = (hash: string, extra: string[] = []) => installUnprivileged(['--url', site.url, '--sha256', hash, '--server', '127.0.0.1:1', '--ca-fingerprint', 'ab'.repeat(32), '--token', 't', ...extra]);

    it('is clean for shellcheck (POSIX sh), as is the launcher', async function () {
      const found = await execFileAsync('sh', ['-c', 'command -v shellcheck']).catch(() => null);
      if (!found) {
        console.log('    (skipped: shellcheck is not installed; apt-get install shellcheck)');
        this.skip();
      }
      for (const script of [INSTALL_SH, fileURLToPath(new URL('../scripts/launcher.sh', import.meta.url))]) {
        const result = await execFileAsync('shellcheck', ['--shell=sh', '--severity=style', script]).catch((err: { stdout?: string }) => err);
        assert.ok(!('stdout' in result) || result.stdout === '', `${script}: ${'stdout' in result ? result.stdout : ''}`);
      }
    });

    it('verifies the list and the package, then asks for root: an unprivileged run changes nothing', async () => {
      const result = await online(index.sums.sha256);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stdout, new RegExp(`verified the package for ${PLATFORM} \\(SHA-256 ${index.packages[0]?.sha256}\\)`));
      assert.match(result.stderr, /error: installing needs root: run it with sudo/);
    });

    it('refuses a package list whose SHA-256 is not the one in the command', async () => {
      const other = sha256('another build');
      const result = await online(other);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`the package list ${site.url}/downloads/SHA256SUMS does not have the SHA-256 given with --sha256 \\(expected ${other}, got ${index.sums.sha256}\\).*Nothing was installed`));
      assert.doesNotMatch(result.stdout, /verified/);
    });

    it('refuses an altered package, a download cut short and a shorter file, each with its reason', async () => {
      const expected = index.packages[0]?.sha256 as string;
      site.mode = 'altered';
      const altered = await online(index.sums.sha256);
      assert.equal(altered.code, 1);
      assert.match(altered.stderr, new RegExp(`the package ${PACKAGE} does not match its SHA-256 in SHA256SUMS \\(expected ${expected}, got [0-9a-f]{64}; \\d+ bytes\\): a truncated or altered download\\. Nothing was installed\\.`));

      site.mode = 'cut short';
      const cut = await online(index.sums.sha256);
      assert.equal(cut.code, 1);
      assert.match(cut.stderr, /was cut short \(curl: partial file, \d+ bytes received\)\. Nothing was installed\./);

      site.mode = 'shorter file';
      const shorter = await online(index.sums.sha256);
      assert.equal(shorter.code, 1);
      assert.match(shorter.stderr, /does not match its SHA-256 in SHA256SUMS .*a truncated or altered download/);
      for (const r of [altered, cut, shorter]) assert.doesNotMatch(r.stdout, /verified/);
    });

    it('--package: takes the file by its own hash or by SHA256SUMS beside it, and refuses another', async () => {
      const copy = join(root, 'copied');
      await mkdir(copy);
      await copyFile(join(out, PACKAGE), join(copy, PACKAGE));
      const local = (hash: string) => installUnprivileged(['--package', join(copy, PACKAGE), '--sha256', hash, '--server', '127.0.0.1:1', '--ca-fingerprint', 'ab'.repeat(32), '--token', 't']);

      const byOwnHash = await local(index.packages[0]?.sha256 as string);
      assert.match(byOwnHash.stderr, /installing needs root/, `exit ${byOwnHash.code}: ${byOwnHash.stdout}${byOwnHash.stderr}`);
      const wrong = sha256('not it');
      const noList = await local(wrong);
      assert.equal(noList.code, 1);
      assert.match(noList.stderr, /does not have the SHA-256 given with --sha256 .*and there is no SHA256SUMS beside it\. Nothing was installed\./);

      await copyFile(join(out, SUMS_FILE), join(copy, SUMS_FILE));
      const byList = await local(index.sums.sha256);
      assert.match(byList.stderr, /installing needs root/, `exit ${byList.code}: ${byList.stdout}${byList.stderr}`);
      const listMismatch = await local(wrong);
      assert.match(listMismatch.stderr, /the package list .*SHA256SUMS does not have the SHA-256 given with --sha256/);
    });

    it('lists the site key in SHA256SUMS when given one; install.sh takes it by that hash and refuses an altered one', async () => {
      const keyFile = join(root, 'site-publisher.pub');
      const pem = generatePublisherKeys().publicKey.export({ format: 'pem', type: 'spki' }).toString();
      await writeFile(keyFile, pem);
      try {
        const keyed = await packAgentPlatforms(out, { platforms: [PLATFORM], siteKeyFile: keyFile });
        assert.deepEqual(keyed.siteKey, { file: 'site-key.pub', sha256: sha256(pem) });
        assert.equal(keyed.packages[0]?.sha256, index.packages[0]?.sha256, 'the package itself is the same');
        const sums = await readFile(join(out, SUMS_FILE), 'utf8');
        assert.match(sums, new RegExp(`^${sha256(pem)}  site-key\\.pub$`, 'm'));
        assert.equal(keyed.sums.sha256, sha256(sums));

        const taken = await online(keyed.sums.sha256);
        assert.match(taken.stderr, /installing needs root/, `exit ${taken.code}: ${taken.stdout}${taken.stderr}`);
        await writeFile(join(out, 'site-key.pub'), `${pem}# another key could be here\n`);
        const altered = await online(keyed.sums.sha256);
        assert.equal(altered.code, 1);
        assert.match(altered.stderr, new RegExp(`site-key\\.pub does not match its SHA-256 in SHA256SUMS \\(expected ${sha256(pem)}\\): altered\\. Nothing was installed\\.`));
      } finally {
        // The other cases use the list without a key.
        await rm(join(out, 'site-key.pub'), { force: true });
        await packAgentPlatforms(out, { platforms: [PLATFORM] });
      }
    });

    it('refuses a command without a valid --sha256, an unknown option, and a missing file, before downloading', async () => {
      const cases: [string[], RegExp][] = [
        [['--url', site.url], /--sha256 is required/],
        [['--url', site.url, '--sha256', 'abc'], /--sha256 must be 64 hexadecimal digits, got: abc/],
        [['--sha256', 'ab'.repeat(32)], /give --url \(the core's console\) or --package FILE/],
        [['--url', site.url, '--frobnicate'], /unknown argument: --frobnicate/],
        [['--package', '/nonexistent.tar.gz', '--sha256', 'ab'.repeat(32)], /no such package file: \/nonexistent\.tar\.gz/],
        [['--url', `${site.url}/nothing-here`, '--sha256', 'ab'.repeat(32)], /answered with an HTTP error .*is --url the core's console\? Nothing was installed\./],
      ];
      for (const [args, message] of cases) {
        const result = await installUnprivileged(args);
        assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, message);
      }
    });
  });
});
