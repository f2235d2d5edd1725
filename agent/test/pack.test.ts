import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { stateTopic } from '@prophasis/protocol';
import { AGENT_TARBALL_NAME, cleanNpmEnv, packAgent } from '../scripts/pack-agent.js';
import { finished, runCli, spawnCli } from './support/cli.js';
import { observe, stateStatus } from './support/observer.js';
import { startTestBroker } from './support/test-broker.js';

const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);
const AGENT_PACKAGE = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; dependencies: Record<string, string> };

/** `npm install --global --prefix PREFIX ...specs`, away from the workspace and its .npmrc. */
async function npmInstallGlobal(cwd: string, prefix: string, specs: string[], extra: string[] = []): Promise<void> {
  await execFileAsync('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', ...extra, ...specs], {
    cwd,
    env: cleanNpmEnv(),
    timeout: 150_000,
  });
}

/** Runs `prophasis-agent sandbox-selftest` with `bin`. */
function selfTest(bin: string, dataDir: string) {
  return runCli(['sandbox-selftest'], { PROPHASIS_DATA_DIR: dataDir }, 30_000, bin);
}

describe('pack-agent: the tarball the core serves', function () {
  // Bundling plus an npm install: slower than the rest, still bounded.
  this.timeout(180_000);
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'prophasis-agent-pack-test-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('installs into an empty prefix (isolated-vm from the registry); the installed agent runs a plugin in its sandbox, enrols and runs against a TLS broker', async () => {
    const tarball = await packAgent(join(root, 'out'));
    assert.equal(tarball, join(root, 'out', AGENT_TARBALL_NAME));
    assert.ok((await stat(tarball)).size > 10_000);

    const prefix = join(root, 'prefix');
    // isolated-vm (a native addon) comes from the registry, with its prebuilt binaries.
    await npmInstallGlobal(root, prefix, [tarball]);
    const installed = join(prefix, 'lib/node_modules/prophasis-agent');
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
    assert.equal(manifest.name, 'prophasis-agent');
    assert.deepEqual(manifest.bin, { 'prophasis-agent': 'bin/prophasis-agent.mjs' });
    assert.equal(manifest.engines.node, '>=24');
    // Everything is bundled but the native addon, which the sandbox bundle imports.
    assert.deepEqual(manifest.dependencies, { 'isolated-vm': AGENT_PACKAGE.dependencies['isolated-vm'] });
    assert.deepEqual((await readdir(join(installed, 'dist'))).sort(), ['prophasis-agent.mjs', 'prophasis-sandbox.mjs']);
    // npm links the bin; it resolves into the installed package, not into this checkout.
    const bin = await realpath(join(prefix, 'bin/prophasis-agent'));
    assert.equal(dirname(dirname(bin)), await realpath(installed));

    const version = await runCli(['--version'], {}, 15_000, bin);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), AGENT_PACKAGE.version);

    // The installed agent runs a plugin in its sandbox: sandbox process from the bundle,
    // isolated-vm from the install, a fresh isolate.
    const scratch = join(root, 'scratch');
    const ok = await selfTest(bin, scratch);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^sandbox ok: value 42 in \d+ ms$/m);

    // Without the native addon the self-test says so and fails; put back, it passes again.
    const addon = join(installed, 'node_modules/isolated-vm');
    await rename(addon, `${addon}.away`);
    try {
      const broken = await selfTest(bin, scratch);
      assert.equal(broken.code, 1);
      assert.match(broken.stderr, /prophasis-agent: the plugin sandbox does not work: command_unsuccessful: sandbox unavailable: the sandbox process exited during start/);
      assert.match(broken.stderr, /isolated-vm/, 'the sandbox process names what it could not load');
    } finally {
      await rename(`${addon}.away`, addon);
    }
    assert.equal((await selfTest(bin, scratch)).code, 0, 'healthy again');

    // The bundle really works: enrol over TLS and report online.
    const broker = await startTestBroker();
    const dataDir = join(root, 'data');
    try {
      const token = 'tok-' + 'p'.repeat(40);
      broker.addToken(token);
      const env = { PROPHASIS_DATA_DIR: dataDir, PROPHASIS_LOG_LEVEL: 'warn' };
      const enrolled = await runCli(['enroll', '--server', `127.0.0.1:${broker.port}`, '--token', token, '--ca-fingerprint', broker.pki.caFingerprint], env, 20_000, bin);
      assert.equal(enrolled.code, 0, enrolled.stderr);
      const agentId = [...broker.agents.keys()][0] as string;
      const watcher = await observe(broker, [stateTopic(agentId)]);
      const child = spawnCli(['run'], env, bin);
      const exited = finished(child, 30_000);
      try {
        await watcher.waitFor((m) => stateStatus(m) === 'online', 15_000, 'online from the installed agent');
        child.kill('SIGTERM');
        assert.equal((await exited).code, 0);
      } finally {
        child.kill('SIGKILL');
        await watcher.close();
      }
    } finally {
      await broker.stop();
    }
  });

  it('installs without the registry from tarballs placed beside it (the offline install in docs/install-agent.md)', async () => {
    const dir = join(root, 'offline');
    await mkdir(dir, { recursive: true });
    const tarball = await packAgent(dir);
    // What `npm pack isolated-vm@7 node-gyp-build@4` gives on a connected machine, made here
    // from the workspace's copies so that this test needs no network.
    for (const name of ['isolated-vm', 'node-gyp-build']) {
      const pkg = dirname(require.resolve(`${name}/package.json`));
      await execFileAsync('npm', ['pack', '--pack-destination', dir, '--ignore-scripts', pkg], { cwd: dir, env: cleanNpmEnv(), timeout: 60_000 });
    }
    const tarballs = (await readdir(dir)).filter((f) => f.endsWith('.tgz')).sort();
    assert.equal(tarballs.length, 3, tarballs.join(', '));
    const prefix = join(dir, 'prefix');
    // --offline with an empty cache: npm fails rather than fetch anything.
    await npmInstallGlobal(dir, prefix, [...tarballs.filter((f) => f !== AGENT_TARBALL_NAME).map((f) => `./${f}`), `./${AGENT_TARBALL_NAME}`], ['--offline', '--cache', join(dir, 'empty-cache')]);
    assert.ok(tarball.endsWith(AGENT_TARBALL_NAME));
    const bin = await realpath(join(prefix, 'bin/prophasis-agent'));
    const ok = await selfTest(bin, join(dir, 'data'));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^sandbox ok: value 42 in \d+ ms$/m);
  });
});
