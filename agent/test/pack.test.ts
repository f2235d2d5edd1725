import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { stateTopic } from '@prophasis/protocol';
import { AGENT_TARBALL_NAME, cleanNpmEnv, packAgent } from '../scripts/pack-agent.js';
import { finished, runCli, spawnCli } from './support/cli.js';
import { observe, stateStatus } from './support/observer.js';
import { startTestBroker } from './support/test-broker.js';

const execFileAsync = promisify(execFile);

describe('pack-agent: the tarball the core serves', function () {
  // Bundling plus an npm install: slower than the rest, still bounded.
  this.timeout(180_000);
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'prophasis-agent-pack-test-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('installs into an empty prefix and the installed agent enrols and runs against a TLS broker', async () => {
    const tarball = await packAgent(join(root, 'out'));
    assert.equal(tarball, join(root, 'out', AGENT_TARBALL_NAME));
    assert.ok((await stat(tarball)).size > 10_000);

    const prefix = join(root, 'prefix');
    await execFileAsync('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball], {
      cwd: root, // away from the workspace and its .npmrc
      env: cleanNpmEnv(),
      timeout: 150_000,
    });
    const installed = join(prefix, 'lib/node_modules/prophasis-agent');
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
    assert.equal(manifest.name, 'prophasis-agent');
    assert.deepEqual(manifest.bin, { 'prophasis-agent': 'bin/prophasis-agent.mjs' });
    assert.equal(manifest.engines.node, '>=24');
    assert.deepEqual(manifest.dependencies, {}, 'everything is bundled; no native addon is imported yet');
    // npm links the bin; it resolves into the installed package, not into this checkout.
    const bin = await realpath(join(prefix, 'bin/prophasis-agent'));
    assert.equal(dirname(dirname(bin)), await realpath(installed));

    const version = await runCli(['--version'], {}, 15_000, bin);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')).version);

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
});
