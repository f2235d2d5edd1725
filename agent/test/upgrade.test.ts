import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm, symlink, truncate, copyFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePublisherKeys, signAgentPackage, stateTopic } from '@prophasis/protocol';
import { bundleAgent } from '../scripts/pack-agent.js';
import { installBeside, switchCurrent } from '../src/upgrade/install.js';
import { buildTestPackage } from './support/agent-package.js';
import { runCli, type CliResult } from './support/cli.js';
import { enrolledAgent } from './support/harness.js';
import { observe, stateStatus, type Observer } from './support/observer.js';
import { startTestBroker, type TestBroker } from './support/test-broker.js';

/**
 * Self-upgrade with rollback (docs/decisions/0009-agent-self-upgrade.md), with nothing stubbed
 * but the registry downloads: packages in the real layout built from this checkout (one good
 * newer version, one deliberately broken that starts and never connects), a versioned
 * installation in a temporary ROOT, the agent run from ROOT/current by a supervisor that
 * restarts it when it exits (as systemd's Restart=always does), the real broker fixture over
 * TLS, and `prophasis-agent upgrade` as the operator (or the root helper) runs it.
 */

interface Supervisor {
  pidFile: string;
  /** The agent's current process id. */
  pid(): number | undefined;
  stop(): Promise<void>;
}

/** Runs ROOT/current/bin/prophasis-agent run and starts it again 200 ms after each exit. */
function supervise(root: string, env: NodeJS.ProcessEnv, pidFile: string): Supervisor {
  let child: ChildProcess | undefined;
  let stopped = false;
  const start = () => {
    const proc = spawn(join(root, 'current/bin/prophasis-agent'), ['run'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child = proc;
    void writeFile(pidFile, String(proc.pid));
    proc.once('exit', () => {
      if (!stopped) setTimeout(start, 200);
    });
  };
  start();
  return {
    pidFile,
    pid: () => child?.pid,
    async stop() {
      stopped = true;
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(t);
    },
  };
}

describe('prophasis-agent upgrade: install beside, switch, roll back when the new version does not connect', function () {
  this.timeout(180_000);
  let work: string;
  let root: string;
  let broker: TestBroker;
  let agentRoot: string;
  let dataDir: string;
  let agentId: string;
  let watcher: Observer;
  let supervisor: Supervisor;
  let env: NodeJS.ProcessEnv;
  const packages: Record<'v1' | 'good' | 'broken' | 'arm' | 'incomplete' | 'requested', { file: string; sha256: string }> = {} as never;

  const upgrade = (args: string[]): Promise<CliResult> =>
    runCli(['upgrade', '--root', root, '--data-dir', dataDir, '--restart-command', `kill -TERM "$(cat '${supervisor.pidFile}')"`, ...args], { PROPHASIS_LOG_LEVEL: 'warn' }, 120_000);
  const current = () => readlink(join(root, 'current'));
  const versions = async () => (await readdir(join(root, 'versions'))).filter((n) => !n.startsWith('.')).sort();
  const marker = async () => JSON.parse(await readFile(join(dataDir, 'connected.json'), 'utf8')) as { packageRoot: string; at: number; pid: number };
  /** connected.json is written right after the connection comes up, beside the state message. */
  const markerOf = async (dir: string) => {
    const wanted = await realpath(join(root, 'versions', dir));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const m = await marker().catch(() => undefined);
      if (m?.packageRoot === wanted) return m;
      if (Date.now() > deadline) throw new Error(`connected.json names ${m?.packageRoot}, not ${wanted}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const onlineSince = (t: number) => watcher.waitFor((m) => stateStatus(m) === 'online' && (JSON.parse(m.payload.toString()) as { ts: number }).ts >= t, 30_000, `state online after ${t}`);

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'prophasis-upgrade-'));
    root = join(work, 'opt');
    const bundle = join(work, 'bundle');
    await bundleAgent(bundle);
    const dist = join(bundle, 'dist');
    packages.v1 = await buildTestPackage(work, { bundleDir: dist, version: '0.1.0' });
    packages.good = await buildTestPackage(work, { bundleDir: dist, version: '0.1.1' });
    packages.broken = await buildTestPackage(work, { bundleDir: dist, version: '0.2.0', broken: true });
    packages.arm = await buildTestPackage(work, { bundleDir: dist, version: '0.3.0', platform: process.arch === 'arm64' ? 'linux-x64' : 'linux-arm64' });
    packages.incomplete = await buildTestPackage(work, { bundleDir: dist, version: '0.4.0', omit: 'VERSION' });
    packages.requested = await buildTestPackage(work, { bundleDir: dist, version: '0.1.2' });

    // The first install, as the installer does it: version 0.1.0 beside nothing, current → it.
    const first = await installBeside(root, packages.v1.file, packages.v1.sha256);
    await switchCurrent(root, first.version);

    broker = await startTestBroker();
    ({ root: agentRoot, dataDir, agentId } = await enrolledAgent(broker));
    watcher = await observe(broker, [stateTopic(agentId)]);
    env = { PATH: process.env.PATH, PROPHASIS_DATA_DIR: dataDir, PROPHASIS_LOG_LEVEL: 'warn' };
    const startedAt = Date.now();
    supervisor = supervise(root, env, join(work, 'agent.pid'));
    await onlineSince(startedAt - 1_000);
    await markerOf('0.1.0');
  });

  after(async () => {
    await supervisor?.stop();
    await watcher?.close();
    await broker?.stop();
    await rm(work, { recursive: true, force: true });
    if (agentRoot) await rm(agentRoot, { recursive: true, force: true });
  });

  it('refuses a package that does not match, is cut short, is incomplete, is no package, is for another platform or is the running version, changing nothing', async () => {
    const pid = supervisor.pid();
    const truncated = join(work, 'truncated.tar.gz');
    await copyFile(packages.good.file, truncated);
    await truncate(truncated, 4096);
    const junk = join(work, 'junk.tar.gz');
    await writeFile(junk, 'not a package');
    const { createHash } = await import('node:crypto');
    const junkHash = createHash('sha256').update('not a package').digest('hex');
    const cases: [string[], string, RegExp][] = [
      [['--package', packages.good.file, '--sha256', 'ab'.repeat(32)], 'AGENT_UPGRADE_HASH_MISMATCH', /expected abab/],
      [['--package', truncated, '--sha256', packages.good.sha256], 'AGENT_UPGRADE_HASH_MISMATCH', /truncated\.tar\.gz has SHA-256/],
      [['--package', packages.incomplete.file, '--sha256', packages.incomplete.sha256], 'AGENT_UPGRADE_PACKAGE_INVALID', /prophasis-agent\/VERSION is missing/],
      [['--package', junk, '--sha256', junkHash], 'AGENT_UPGRADE_PACKAGE_INVALID', /tar could not unpack it/],
      [['--package', packages.arm.file, '--sha256', packages.arm.sha256], 'AGENT_UPGRADE_WRONG_PLATFORM', /the package is for linux-/],
      [['--package', packages.v1.file, '--sha256', packages.v1.sha256], 'AGENT_UPGRADE_VERSION_CONFLICT', /0\.1\.0 is the one running already/],
      [['--package', join(work, 'nowhere.tar.gz'), '--sha256', packages.good.sha256], 'AGENT_UPGRADE_PACKAGE_INVALID', /cannot read/],
    ];
    for (const [args, code, detail] of cases) {
      const outcome = await upgrade(args);
      assert.equal(outcome.code, 1, `${code}: ${outcome.stderr}`);
      assert.match(outcome.stderr, new RegExp(`prophasis-agent: ${code}: .*`), outcome.stderr);
      assert.match(outcome.stderr, detail);
      assert.equal(await current(), 'versions/0.1.0', `${code}: current unchanged`);
      assert.deepEqual(await versions(), ['0.1.0'], `${code}: nothing unpacked beside`);
      assert.equal(supervisor.pid(), pid, `${code}: the agent was not restarted`);
    }
    // A restart that fails: the link goes back at once, the running agent is left alone.
    const failing = await runCli(['upgrade', '--root', root, '--data-dir', dataDir, '--restart-command', 'echo no supervisor here >&2; exit 3', '--package', packages.good.file, '--sha256', packages.good.sha256], { PROPHASIS_LOG_LEVEL: 'warn' }, 60_000);
    assert.equal(failing.code, 1, failing.stderr);
    assert.match(failing.stderr, /AGENT_UPGRADE_RESTART_FAILED: .*restarting the agent failed: no supervisor here; current points at 0\.1\.0 again/);
    assert.equal(await current(), 'versions/0.1.0');
    assert.equal(supervisor.pid(), pid);
    assert.equal((JSON.parse(await readFile(join(root, 'upgrade-state.json'), 'utf8')) as { state: string }).state, 'restart-failed');
    await rm(join(root, 'versions/0.1.1'), { recursive: true });

    // An upgrade already running (its lock held by a live process) is not disturbed.
    await writeFile(join(root, '.upgrade.lock'), `${process.pid}\n`);
    const locked = await upgrade(['--package', packages.good.file, '--sha256', packages.good.sha256]);
    assert.equal(locked.code, 1, locked.stderr);
    assert.match(locked.stderr, new RegExp(`AGENT_UPGRADE_IN_PROGRESS: .*process ${process.pid} holds`));
    assert.equal(await current(), 'versions/0.1.0');
    assert.deepEqual(await versions(), ['0.1.0']);
    assert.equal(supervisor.pid(), pid);
    // A lock left by an upgrader that died is taken over (the next case upgrades through it).
    await writeFile(join(root, '.upgrade.lock'), '2147483646\n');
    const usage = await upgrade(['--package', packages.good.file]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /AGENT_USAGE: .*upgrade needs --sha256/);
    const bad = await upgrade(['--package', packages.good.file, '--sha256', packages.good.sha256, '--rollback-after-s', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--rollback-after-s must be 1\.\.3600 seconds, got "soon"/);
    const noInstall = await runCli(['upgrade', '--root', join(work, 'empty'), '--data-dir', dataDir, '--restart-command', 'true', '--package', packages.good.file, '--sha256', packages.good.sha256], {}, 60_000);
    assert.equal(noInstall.code, 1);
    assert.match(noInstall.stderr, /AGENT_UPGRADE_LAYOUT: .*empty\/current is not a link to versions\/VERSION/);
    assert.equal(supervisor.pid(), pid);
  });

  it('rolls back by itself when the new version never connects: the previous version runs and connects again', async () => {
    const before = Date.now();
    const outcome = await upgrade(['--package', packages.broken.file, '--sha256', packages.broken.sha256, '--rollback-after-s', '6']);
    assert.equal(outcome.code, 1, outcome.stdout + outcome.stderr);
    assert.match(outcome.stderr, /AGENT_UPGRADE_ROLLED_BACK: .*version 0\.2\.0 did not connect within 6000 ms; 0\.1\.0 runs again and is connected/);
    assert.ok(Date.now() - before >= 6_000, 'it waited the rollback time');
    assert.equal(await current(), 'versions/0.1.0', 'current points at the previous version again');
    assert.deepEqual(await versions(), ['0.1.0', '0.2.0'], 'the broken version is kept beside, for inspection');
    assert.ok(!(await readdir(root)).includes('.upgrade.lock'), 'the stale lock was taken over and released');
    const state = JSON.parse(await readFile(join(root, 'upgrade-state.json'), 'utf8')) as { state: string; from: string; to: string; reason: string };
    assert.deepEqual([state.state, state.from, state.to], ['rolled-back', '0.1.0', '0.2.0']);
    assert.match(state.reason, /did not connect within 6000 ms/);
    const m = await marker();
    assert.equal(m.packageRoot, await realpath(join(root, 'versions/0.1.0')));
    assert.ok(m.at > before + 6_000, 'connected again after the rollback');
    assert.equal(m.pid, supervisor.pid(), 'the connected agent is the supervised process');
    await onlineSince(before + 6_000);
  });

  it('upgrades to a version that connects: current points at it and the agent runs from it', async () => {
    const before = Date.now();
    const outcome = await upgrade(['--package', packages.good.file, '--sha256', packages.good.sha256, '--rollback-after-s', '60']);
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /Upgraded from 0\.1\.0 to 0\.1\.1: the new version connected after \d+\.\d s\./);
    assert.equal(await current(), 'versions/0.1.1');
    const m = await marker();
    assert.equal(m.packageRoot, await realpath(join(root, 'versions/0.1.1')));
    assert.ok(m.at >= before);
    const state = JSON.parse(await readFile(join(root, 'upgrade-state.json'), 'utf8')) as { state: string; from: string; to: string };
    assert.deepEqual([state.state, state.from, state.to], ['upgraded', '0.1.0', '0.1.1']);
    assert.deepEqual(await versions(), ['0.1.0', '0.1.1'], 'the new and the previous version stay; the broken one is removed');
    await onlineSince(before);
    // The same package again: it is the running version now.
    const again = await upgrade(['--package', packages.good.file, '--sha256', packages.good.sha256]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /AGENT_UPGRADE_VERSION_CONFLICT/);
  });

  it('installs from the request the agent wrote only when the site key root keeps verifies it; each refusal removes the request and changes nothing', async () => {
    const site = generatePublisherKeys();
    const stranger = generatePublisherKeys();
    const platform = `${process.platform}-${process.arch}`;
    const requestDir = join(dataDir, 'upgrade');
    const requestFile = join(requestDir, 'request.json');
    const name = `prophasis-agent-0.1.2-${platform}.tar.gz`;
    /** What the agent leaves after a verified download (agent/src/upgrade/request.ts), signed as told. */
    const writeRequest = async (changes: Record<string, unknown> = {}, signed: Record<string, string> = {}, key = site.privateKey) => {
      await mkdir(requestDir, { recursive: true });
      await copyFile(packages.requested.file, join(requestDir, name));
      const request: Record<string, unknown> = { rolloutId: 1, version: '0.1.2', platform, sha256: packages.requested.sha256, size: 1, keyId: site.keyId, package: name, at: Date.now(), ...changes };
      request.signature ??= signAgentPackage({ version: request.version as string, platform, sha256: request.sha256 as string, ...signed }, key);
      await writeFile(requestFile, JSON.stringify(request));
    };
    const fromRequest = () => upgrade(['--request', requestFile, '--rollback-after-s', '60']);
    const refused = async (what: string, pattern: RegExp, packageNamed = true) => {
      const outcome = await fromRequest();
      assert.equal(outcome.code, 1, `${what}: ${outcome.stdout}`);
      assert.match(outcome.stderr, pattern, what);
      assert.equal(existsSync(requestFile), false, `${what}: the request is removed (the path unit does not start again)`);
      // A request root cannot read names no package; the agent's next request clears the folder.
      if (packageNamed) assert.equal(existsSync(join(requestDir, name)), false, `${what}: the package is removed`);
      assert.equal(await current(), 'versions/0.1.1', `${what}: the running version stays`);
      assert.deepEqual(await versions(), ['0.1.0', '0.1.1'], `${what}: nothing installed`);
    };

    await writeRequest();
    await refused('no site key at ROOT', /AGENT_UPGRADE_UNTRUSTED_KEY: .*no site key at .*site-key\.pub/);
    await writeFile(join(root, 'site-key.pub'), site.publicKey.export({ format: 'pem', type: 'spki' }));
    await mkdir(requestDir, { recursive: true });
    await writeFile(requestFile, 'not json');
    await refused('a request that is not JSON', /AGENT_UPGRADE_REQUEST_INVALID: .*is not JSON/, false);
    await symlink('/etc/hostname', requestFile);
    await refused('a request that is a link, not a file', /AGENT_UPGRADE_REQUEST_INVALID: .*is not a regular file/, false);
    await writeRequest({ package: '../../etc/passwd' });
    await refused('a package outside the request folder', /AGENT_UPGRADE_REQUEST_INVALID: .*package is missing or malformed/, false);
    await writeRequest({ keyId: stranger.keyId }, {}, stranger.privateKey);
    await refused('signed by a key root does not keep', /AGENT_UPGRADE_UNTRUSTED_KEY: .*the request is signed by [0-9a-f]{64}, the site key at/);
    await writeRequest({}, { version: '0.1.3' });
    await refused('a signature over another version', /AGENT_UPGRADE_BAD_SIGNATURE/);
    await writeRequest({}, {}, stranger.privateKey);
    await refused('a signature by another key under the site key id', /AGENT_UPGRADE_BAD_SIGNATURE/);
    await writeRequest({ sha256: 'e'.repeat(64) });
    await refused('a package without the signed hash', /AGENT_UPGRADE_HASH_MISMATCH/);
    await writeRequest({ version: '0.1.3' });
    await refused('a package holding another version than signed', /AGENT_UPGRADE_PACKAGE_INVALID: .*holds version 0\.1\.2, the request was signed for 0\.1\.3/);

    const before = Date.now();
    await writeRequest();
    const outcome = await fromRequest();
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /Upgraded from 0\.1\.1 to 0\.1\.2/);
    assert.equal(await current(), 'versions/0.1.2');
    assert.equal(existsSync(requestFile), false);
    // The new version reports its installation's last upgrade in `state` online.
    const online = await watcher.waitFor(
      (m) => stateStatus(m) === 'online' && (JSON.parse(m.payload.toString()) as { ts: number; body: { upgrade?: { to: string } } }).ts >= before && (JSON.parse(m.payload.toString()) as { body: { upgrade?: { to: string } } }).body.upgrade?.to === '0.1.2',
      30_000,
      'state online with the upgrade to 0.1.2',
    );
    const body = (JSON.parse(online.payload.toString()) as { body: { agentVersion: string; upgrade: { from: string; to: string; state: string } } }).body;
    assert.deepEqual([body.upgrade.from, body.upgrade.to], ['0.1.1', '0.1.2']);
    assert.ok(['switched', 'upgraded'].includes(body.upgrade.state), body.upgrade.state);
  });
});
