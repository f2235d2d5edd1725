import { generatePublisherKeys, silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hostAddCommand } from '../../src/enrolment/index.js';
import { readCoreConfig, type CoreConfig } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';
import { createFileTrustStore, loadOrCreateSiteKey, trustDirectory } from '../../src/plugins/index.js';
import { signedBundle } from '../plugins/helpers.js';
import { waitFor } from './agent-process.js';

const execFileAsync = promisify(execFile);

/**
 * The one-line install on a machine that has never seen Node.js (issue 17; docs/install-agent.md):
 * a minimal Debian made with debootstrap (cached, see below), entered as root through chroot,
 * against a real core on this machine (127.0.0.1, ports of its choosing). The line `prophasis
 * host add` prints is run as printed; the agent installs, enrols over TLS, runs as the
 * unprivileged user and delivers results of a plugin; running the line again changes nothing;
 * `--uninstall` stops the agent and leaves the root as debootstrap made it. A wrong hash in
 * the line is refused first, with nothing changed. There is no systemd in a chroot, so this is
 * the path that prints how to start the agent (the systemd unit is not exercised here).
 *
 * Needs root, debootstrap (`apt-get install debootstrap`, .ci/run does) and Debian's package
 * mirror for the first run; otherwise it is skipped with the reason. The Debian root is cached
 * in PROPHASIS_TEST_DEBIAN_CACHE (default /var/cache/prophasis-test-debian) and copied for each
 * run. PROPHASIS_TEST_TRANSCRIPT=FILE appends what was typed and printed to FILE.
 */
const CACHE = process.env.PROPHASIS_TEST_DEBIAN_CACHE ?? '/var/cache/prophasis-test-debian';
const ACTOR = { name: 'install-test' };
const PLUGIN = 'com.example.install-probe';

function transcript(text: string): void {
  const file = process.env.PROPHASIS_TEST_TRANSCRIPT;
  if (file) appendFileSync(file, `${text.replace(/\n?$/, '\n')}`);
}

/** Debian's mirror and this machine's release, from APT's sources (deb822 or one-line). */
function debianSource(): { mirror: string; suite: string } {
  let mirror = 'http://deb.debian.org/debian';
  const files = ['/etc/apt/sources.list', ...(existsSync('/etc/apt/sources.list.d') ? readdirSync('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f)) : [])];
  for (const file of files.filter((f) => existsSync(f))) {
    const text = readFileSync(file, 'utf8');
    const uri = /^URIs:\s*(\S+)/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/m.exec(text)?.[1];
    if (uri && !/security/.test(uri)) {
      mirror = uri;
      break;
    }
  }
  const release = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  const suite = /^ID=debian$/m.test(release) ? (/^VERSION_CODENAME=(\w+)$/m.exec(release)?.[1] ?? 'bookworm') : 'bookworm';
  return { mirror, suite };
}

async function whyNot(): Promise<string | null> {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (!['x64', 'arm64'].includes(process.arch)) return `no agent package for ${process.arch}`;
  if (process.getuid?.() !== 0) return 'needs root (debootstrap, chroot, mount)';
  const have = async (tool: string) => execFileAsync('sh', ['-c', `command -v ${tool}`]).then(() => true, () => false);
  if (!(await have('chroot')) || !(await have('mount'))) return 'chroot or mount is missing';
  const { suite } = debianSource();
  if (!existsSync(join(CACHE, `${suite}-minbase`, '.prophasis-complete')) && !(await have('debootstrap'))) {
    return `debootstrap is not installed (apt-get install debootstrap) and ${CACHE} holds no Debian root yet`;
  }
  return null;
}

/** The cached minimal Debian: made once with debootstrap (curl for the line, sudo because the line has it). */
async function debianRoot(log: (line: string) => void): Promise<string> {
  const { mirror, suite } = debianSource();
  const root = join(CACHE, `${suite}-minbase`);
  if (existsSync(join(root, '.prophasis-complete'))) return root;
  const partial = `${root}.partial`;
  await rm(partial, { recursive: true, force: true });
  const started = Date.now();
  await execFileAsync('debootstrap', ['--variant=minbase', '--include=curl,sudo', suite, partial, mirror], { timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 }).catch((err: Error & { stderr?: string }) => {
    throw new Error(`debootstrap ${suite} from ${mirror} failed: ${err.stderr?.slice(-2000) ?? err.message}`);
  });
  await execFileAsync('sh', ['-c', `touch '${partial}/.prophasis-complete'`]);
  await rename(partial, root);
  log(`debootstrap ${suite} (minbase, curl, sudo) from ${mirror}: ${Math.round((Date.now() - started) / 1000)} s`);
  return root;
}

/** Every mount at or below `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Processes whose program lies inside `dir` (the chroot's agent): started by this test. */
function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/exe`).startsWith(`${dir}/`)) pids.push(Number(name));
    } catch {
      // gone, or a kernel thread
    }
  }
  return pids;
}

/** Path, type, mode, owner and (for files) size of everything in a root, but /proc (a mount point here). */
async function treeListing(root: string): Promise<Map<string, string>> {
  const { stdout } = await execFileAsync('find', [root, '-xdev', '-path', `${root}/proc`, '-prune', '-o', '-printf', '%P\\t%y %m %U:%G %s\\n'], { maxBuffer: 256 * 1024 * 1024 });
  return new Map(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [path, meta] = line.split('\t') as [string, string];
        return [path, meta.startsWith('d') ? meta.replace(/ \d+$/, '') : meta];
      }),
  );
}

describe('install.sh on a fresh Debian without Node.js, against a real core (system)', function () {
  // The first run makes the Debian root (about 1.5 min here) and the agent packages; later runs ~1 min.
  this.timeout(20 * 60_000);
  const publisher = generatePublisherKeys();
  let pristine: string;
  let root = '';
  let dir = '';
  let core: Core | undefined;
  let config: CoreConfig;
  let agent: ChildProcess | undefined;
  let agentOutput = '';
  let printed: Awaited<ReturnType<typeof hostAddCommand>>;

  /** Runs `command` with /bin/sh inside the Debian root, as root. */
  async function inRoot(command: string, timeoutMs = 240_000): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn('chroot', [root, '/bin/sh', '-c', command], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${command} did not finish within ${timeoutMs} ms: ${stdout}${stderr}`));
      }, timeoutMs);
      child.once('close', (code) => {
        clearTimeout(timer);
        transcript(`# ${command}\n${stdout}${stderr}(exit ${code})\n`);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  }
  const exists = (path: string) => existsSync(join(root, path));
  const hasUser = (name: string) => readFileSync(join(root, 'etc/passwd'), 'utf8').split('\n').some((l) => l.startsWith(`${name}:`));

  before(async function () {
    const reason = await whyNot();
    if (reason) {
      console.log(`    (skipped: ${reason})`);
      this.skip();
    }
    pristine = await debianRoot((line) => console.log(`    ${line}`));
    // Copies left by an interrupted run (its process is gone) go first, never through a mount.
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (const old of readdirSync(CACHE).filter((name) => /^run-\d+$/.test(name) && !alive(Number(name.slice(4))))) {
      const path = join(CACHE, old);
      for (const point of mountsUnder(path)) await execFileAsync('umount', ['-l', point]).catch(() => undefined);
      if (mountsUnder(path).length === 0 && processesUnder(path).length === 0) await rm(path, { recursive: true, force: true });
    }
    root = join(CACHE, `run-${process.pid}`);
    await execFileAsync('cp', ['-a', pristine, root]);
    await execFileAsync('mount', ['-t', 'proc', 'proc', join(root, 'proc')]);
    assert.notEqual((await inRoot('command -v node')).code, 0, 'no Node.js in the Debian root');

    dir = mkdtempSync(join(tmpdir(), 'prophasis-install-test-'));
    const dataDir = join(dir, 'core');
    const logger = silentLogger();
    const siteKey = loadOrCreateSiteKey(dataDir, { logger });
    const trust = createFileTrustStore({ dir: trustDirectory(dataDir), siteKey: siteKey.privateKey }, { logger });
    await trust.add({ name: 'install tests', publicKeyPem: publisher.publicKey.export({ format: 'pem', type: 'spki' }).toString() }, 'install-test');
    const environment = { PROPHASIS_DATA_DIR: dataDir };
    config = readCoreConfig(environment, { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' });
    core = await startCore(config, logger);
    // `npx prophasis host add debian-1 --server 127.0.0.1` next to the running core.
    printed = await hostAddCommand(['debian-1', '--server', '127.0.0.1'], {
      config: { ...config, httpPort: core.httpPort, mqttPort: core.transport.mqttPort },
      logger,
      environment,
    });
    transcript(`$ npx prophasis host add debian-1 --server 127.0.0.1\n${printed.text}\n`);
  });

  after(async () => {
    agent?.kill('SIGKILL');
    if (root) {
      for (const pid of processesUnder(root)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // ended meanwhile: the unmount below must still happen
        }
      }
      for (const point of mountsUnder(root)) await execFileAsync('umount', ['-l', point]).catch(() => undefined);
      // Never delete through a mount (it could reach the host's files): keep the copy if one is left.
      if (mountsUnder(root).length === 0) await rm(root, { recursive: true, force: true });
      else console.log(`    (left ${root} in place: still mounted: ${mountsUnder(root).join(', ')})`);
    }
    await core?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the line with another --sha256 and leaves the host as it was', async () => {
    const wrong = printed.installCommand.replace(/--sha256 [0-9a-f]{64}/, `--sha256 ${'0'.repeat(64)}`);
    const result = await inRoot(wrong);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /the package list http:\/\/127\.0\.0\.1:\d+\/downloads\/SHA256SUMS does not have the SHA-256 given with --sha256 .*Nothing was installed\./);
    assert.ok(!hasUser('prophasis') && !exists('opt/prophasis-agent') && !exists('var/lib/prophasis-agent') && !exists('etc/systemd/system/prophasis-agent.service'));
    assert.deepEqual(readdirSync(join(root, 'opt')), [], 'no staging folder left');
  });

  it('installs, enrols and starts from the printed line; the agent runs unprivileged and delivers results', async () => {
    assert.match(printed.installCommand, /^curl -fsSL http:\/\/127\.0\.0\.1:\d+\/install\.sh \| sudo sh -s -- --url /);
    const installed = await inRoot(printed.installCommand);
    assert.equal(installed.code, 0, installed.stdout + installed.stderr);
    assert.match(installed.stdout, /verified the package for linux-(x64|arm64) \(SHA-256 [0-9a-f]{64}\)/);
    assert.match(installed.stdout, /created the system user prophasis/);
    assert.match(installed.stdout, /Enrolled as host "debian-1"\./);
    assert.match(installed.stdout, /installed prophasis-agent \S+ in \/opt\/prophasis-agent \(its own Node\.js: v24\./);
    assert.match(installed.stdout, /sandbox ok: value 42/);
    assert.match(installed.stdout, /no systemd here: start the agent/);

    // The user, the files and who owns them.
    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8').split('\n').find((l) => l.startsWith('prophasis:')) ?? '';
    const [, , uid, , , home, shell] = passwd.split(':');
    assert.ok(Number(uid) > 0 && Number(uid) < 1000, `a system user: ${passwd}`);
    assert.deepEqual([home, shell], ['/var/lib/prophasis-agent', '/usr/sbin/nologin']);
    const data = statSync(join(root, 'var/lib/prophasis-agent'));
    assert.deepEqual([data.uid, data.mode & 0o777], [Number(uid), 0o700]);
    const credentials = statSync(join(root, 'var/lib/prophasis-agent/credentials.json'));
    assert.deepEqual([credentials.uid, credentials.mode & 0o777], [Number(uid), 0o600]);
    assert.equal(statSync(join(root, 'opt/prophasis-agent/node/bin/node')).uid, 0, 'the code belongs to root: the agent cannot change it');
    // Versions side by side (decisions/0009): current links to the installed one, bin through it.
    const version = /\/opt\/prophasis-agent\/current -> versions\/(\S+)/.exec(installed.stdout)?.[1];
    assert.ok(version, installed.stdout);
    assert.equal(readlinkSync(join(root, 'opt/prophasis-agent/current')), `versions/${version}`);
    assert.equal(readlinkSync(join(root, 'opt/prophasis-agent/bin')), 'current/bin');
    assert.equal(statSync(join(root, `opt/prophasis-agent/versions/${version}`)).uid, 0);
    const host = await core!.db.models.Host.findOne({ where: { name: 'debian-1' } });
    assert.equal(host?.enrolmentState, 'enrolled');
    const agentId = host.agentId;

    // The same line again: nothing to do, the token is not spent twice.
    const again = await inRoot(printed.installCommand);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /already enrolled with this token; enrolment skipped/);
    assert.equal((await host.reload()).agentId, agentId);

    // Start it the way the installer said to (no systemd in a chroot).
    const run = /^prophasis-install: {3}(runuser .* run)$/m.exec(installed.stdout)?.[1];
    assert.ok(run, installed.stdout);
    agent = spawn('chroot', [root, '/bin/sh', '-c', run], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
    agent.stdout?.on('data', (d: Buffer) => (agentOutput += d.toString()));
    agent.stderr?.on('data', (d: Buffer) => (agentOutput += d.toString()));
    const output = () => `agent output: ${agentOutput.slice(-3000)}`;
    await waitFor('the agent online over TLS', async () => (await host.reload()).connectedSince != null, 60_000, output);
    const [pid] = processesUnder(join(root, 'opt/prophasis-agent'));
    assert.ok(pid, 'the agent runs the Node.js of the package');
    assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`^Uid:\\t${uid}\\t${uid}\\t${uid}\\t${uid}$`, 'm'), 'as the prophasis user, not root');

    // A plugin, approved and scheduled every second: its results come from the Debian root.
    const uploaded = await core!.plugins.upload(signedBundle(publisher, { id: PLUGIN, version: '1.0.0' }), ACTOR);
    await core!.plugins.approve(PLUGIN, '1.0.0', ['os.info'], ACTOR);
    const check = await core!.db.models.Check.create({ name: 'install check' });
    await core!.db.models.CheckHost.create({ checkId: check.id, hostId: host.id });
    await core!.db.models.CheckPlugin.create({ checkId: check.id, pluginId: uploaded.id, params: {}, classifierOverride: null });
    const schedule = await core!.db.models.Schedule.create({ name: 'every second', enabled: true });
    await core!.db.models.ScheduleInterval.create({ scheduleId: schedule.id, startAt: 0, everyMs: 1_000 });
    await core!.db.models.ScheduleCheck.create({ scheduleId: schedule.id, checkId: check.id });
    await core!.pipeline.dispatcher.recompute();
    const result = await waitFor('a result from the installed agent', () => core!.db.models.Result.findOne({ where: { hostId: host.id, pluginId: uploaded.id, resultType: 'plugin' } }), 60_000, output);
    assert.equal(typeof result.value, 'number');
    transcript(`# the core: host debian-1 ${host.enrolmentState}, agent ${agentId}, connected since ${new Date(Number(host.connectedSince)).toISOString()}; result ${result.resultType} value ${result.value} at ${new Date(Number(result.measuredAt)).toISOString()}\n`);
  });

  it('--uninstall stops the agent and removes everything it added: the root is as debootstrap left it', async () => {
    const url = /--url (\S+)/.exec(printed.installCommand)?.[1];
    const removed = await inRoot(`curl -fsSL ${url}/install.sh | sudo sh -s -- --uninstall`);
    assert.equal(removed.code, 0, removed.stdout + removed.stderr);
    assert.match(removed.stdout, /stopping the running agent/);
    assert.match(removed.stdout, /removed: \/opt\/prophasis-agent \/var\/lib\/prophasis-agent user:prophasis\n/);
    await waitFor('the agent process to end', async () => agent?.exitCode !== null || agent.signalCode !== null, 20_000, () => agentOutput);
    assert.deepEqual(processesUnder(root), []);
    assert.equal((await inRoot('id prophasis')).code, 1, 'no user prophasis');
    const twice = await inRoot(`curl -fsSL ${url}/install.sh | sudo sh -s -- --uninstall`);
    assert.equal(twice.code, 0, twice.stderr);
    assert.match(twice.stdout, /removed: nothing \(the agent was not installed\)/);

    await assertAsPristine();
  });

  it('air-gapped: installs from copied files with --package, runs in the foreground, uninstalls with the copy it keeps', async () => {
    const added = await hostAddCommand(['debian-2', '--server', '127.0.0.1'], {
      config: { ...config, httpPort: core!.httpPort, mqttPort: core!.transport.mqttPort },
      logger: silentLogger(),
      environment: { PROPHASIS_DATA_DIR: config.dataDir },
    });
    // What an administrator carries over: install.sh, SHA256SUMS and the package, from the core's data directory.
    const platform = process.arch === 'arm64' ? 'linux-arm64' : 'linux-x64';
    const files = join(root, 'root/agent-files');
    await execFileAsync('mkdir', ['-p', files]);
    for (const file of ['install.sh', 'SHA256SUMS', `prophasis-agent-${platform}.tar.gz`]) await execFileAsync('cp', [join(config.dataDir, 'downloads/agent', file), files]);
    const line = `${added.offlineCommand.replace('prophasis-agent-linux-x64.tar.gz', `prophasis-agent-${platform}.tar.gz`)} --foreground`;
    transcript(`$ npx prophasis host add debian-2 --server 127.0.0.1   (the line for a host without access to the console)\n# cd /root/agent-files && ${line}\n`);
    agentOutput = '';
    agent = spawn('chroot', [root, '/bin/sh', '-c', `cd /root/agent-files && ${line}`], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
    agent.stdout?.on('data', (d: Buffer) => (agentOutput += d.toString()));
    agent.stderr?.on('data', (d: Buffer) => (agentOutput += d.toString()));
    const host = await waitFor('host debian-2', () => core!.db.models.Host.findOne({ where: { name: 'debian-2' } }), 5_000, () => agentOutput);
    await waitFor('debian-2 online, from the foreground agent', async () => (await host.reload()).connectedSince != null, 120_000, () => agentOutput);
    assert.match(agentOutput, /verified the package for linux-(x64|arm64)/);
    assert.match(agentOutput, /no systemd here: running the agent in the foreground as prophasis/);
    transcript(agentOutput.split('\n').filter((l) => !l.startsWith('{')).join('\n'));

    const removed = await inRoot('sudo sh /opt/prophasis-agent/share/install.sh --uninstall');
    assert.equal(removed.code, 0, removed.stdout + removed.stderr);
    await waitFor('the foreground agent to end', async () => agent?.exitCode !== null || agent.signalCode !== null, 20_000, () => agentOutput);
    await execFileAsync('rm', ['-rf', files]);
    await assertAsPristine();
  });

  it('upgrades the installed agent with rollback (decisions/0009): a version that never connects is rolled back by itself, a good one stays', async () => {
    const added = await hostAddCommand(['debian-3', '--server', '127.0.0.1'], {
      config: { ...config, httpPort: core!.httpPort, mqttPort: core!.transport.mqttPort },
      logger: silentLogger(),
      environment: { PROPHASIS_DATA_DIR: config.dataDir },
    });
    const platform = process.arch === 'arm64' ? 'linux-arm64' : 'linux-x64';
    const served = `prophasis-agent-${platform}.tar.gz`;
    const files = join(root, 'root/agent-files');
    await execFileAsync('mkdir', ['-p', files]);
    for (const file of ['install.sh', 'SHA256SUMS', served]) await execFileAsync('cp', [join(config.dataDir, 'downloads/agent', file), files]);
    // Two more versions built from the served package: the same agent under another VERSION,
    // and one whose agent starts and never connects.
    const stage = mkdtempSync(join(tmpdir(), 'prophasis-upgrade-stage-'));
    const variant = async (version: string, broken: boolean): Promise<string> => {
      await rm(join(stage, 'prophasis-agent'), { recursive: true, force: true });
      await execFileAsync('tar', ['-xzf', join(files, served), '-C', stage]);
      writeFileSync(join(stage, 'prophasis-agent/VERSION'), `${version}\n`);
      if (broken) writeFileSync(join(stage, 'prophasis-agent/lib/dist/prophasis-agent.mjs'), 'setInterval(() => {}, 60_000); // never connects\n');
      await execFileAsync('tar', ['-czf', join(files, `${version}.tar.gz`), '-C', stage, 'prophasis-agent']);
      return createHash('sha256').update(readFileSync(join(files, `${version}.tar.gz`))).digest('hex');
    };
    const goodHash = await variant('9.9.1-good', false);
    const brokenHash = await variant('9.9.2-broken', true);
    rmSync(stage, { recursive: true, force: true });

    const installed = await inRoot(`cd /root/agent-files && ${added.offlineCommand.replace('prophasis-agent-linux-x64.tar.gz', served)} --no-start`);
    assert.equal(installed.code, 0, installed.stdout + installed.stderr);
    const first = /\/opt\/prophasis-agent\/current -> versions\/(\S+)/.exec(installed.stdout)?.[1];
    assert.ok(first, installed.stdout);
    // No systemd in a chroot: a supervisor loop stands in for Restart=always.
    const supervisor = 'while :; do runuser -u prophasis -- env PROPHASIS_DATA_DIR=/var/lib/prophasis-agent /opt/prophasis-agent/bin/prophasis-agent run & echo $! >/tmp/prophasis-agent.pid; wait $!; sleep 1; done';
    agentOutput = '';
    agent = spawn('chroot', [root, '/bin/sh', '-c', supervisor], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
    agent.stdout?.on('data', (d: Buffer) => (agentOutput += d.toString()));
    agent.stderr?.on('data', (d: Buffer) => (agentOutput += d.toString()));
    const host = await waitFor('host debian-3', () => core!.db.models.Host.findOne({ where: { name: 'debian-3' } }), 5_000, () => agentOutput);
    await waitFor('debian-3 online', async () => (await host.reload()).connectedSince != null, 120_000, () => agentOutput);
    const restart = `--restart-command 'kill -TERM "$(cat /tmp/prophasis-agent.pid)"'`;

    const rolledBack = await inRoot(`/opt/prophasis-agent/bin/prophasis-agent upgrade --package /root/agent-files/9.9.2-broken.tar.gz --sha256 ${brokenHash} --rollback-after-s 10 ${restart}`);
    assert.equal(rolledBack.code, 1, rolledBack.stdout + rolledBack.stderr);
    assert.match(rolledBack.stderr, new RegExp(`AGENT_UPGRADE_ROLLED_BACK: .*version 9\\.9\\.2-broken did not connect within 10000 ms; ${first.replace(/\./g, '\\.')} runs again and is connected`));
    assert.equal(readlinkSync(join(root, 'opt/prophasis-agent/current')), `versions/${first}`);
    await waitFor('debian-3 online after the rollback', async () => (await host.reload()).connectedSince != null, 60_000, () => agentOutput);

    const upgraded = await inRoot(`/opt/prophasis-agent/bin/prophasis-agent upgrade --package /root/agent-files/9.9.1-good.tar.gz --sha256 ${goodHash} --rollback-after-s 60 ${restart}`);
    assert.equal(upgraded.code, 0, upgraded.stdout + upgraded.stderr);
    assert.match(upgraded.stdout, new RegExp(`Upgraded from ${first.replace(/\./g, '\\.')} to 9\\.9\\.1-good: the new version connected after`));
    assert.equal(readlinkSync(join(root, 'opt/prophasis-agent/current')), 'versions/9.9.1-good');
    assert.deepEqual(readdirSync(join(root, 'opt/prophasis-agent/versions')).sort(), [first, '9.9.1-good'].sort(), 'the broken version is gone, the previous one kept');
    const [pid] = processesUnder(join(root, 'opt/prophasis-agent/versions/9.9.1-good'));
    assert.ok(pid, 'the agent runs from the new version');
    await waitFor('debian-3 online after the upgrade', async () => (await host.reload()).connectedSince != null, 60_000, () => agentOutput);

    agent.kill('SIGKILL'); // the supervisor loop; the uninstall stops the agent itself
    const removed = await inRoot('sh /opt/prophasis-agent/share/install.sh --uninstall && rm -f /tmp/prophasis-agent.pid');
    assert.equal(removed.code, 0, removed.stdout + removed.stderr);
    await waitFor('the agent to end', async () => processesUnder(root).length === 0, 30_000, () => agentOutput);
    await execFileAsync('rm', ['-rf', files]);
    await assertAsPristine();
  });

  /** Compared with the pristine root: the same files, but the backups useradd and userdel keep. */
  async function assertAsPristine(): Promise<void> {
    assert.deepEqual(processesUnder(root), []);
    const [before, after] = await Promise.all([treeListing(pristine), treeListing(root)]);
    const difference = [...new Set([...before.keys(), ...after.keys()])].filter((path) => before.get(path) !== after.get(path) && path !== '.prophasis-complete');
    const ADMIN_BACKUPS = new Set(['etc/passwd-', 'etc/group-', 'etc/shadow-', 'etc/gshadow-', 'var/log/lastlog', 'var/log/faillog']);
    assert.deepEqual(difference.filter((path) => !ADMIN_BACKUPS.has(path)), []);
    for (const file of ['etc/passwd', 'etc/group', 'etc/shadow', 'etc/gshadow']) {
      assert.equal(readFileSync(join(root, file), 'utf8'), readFileSync(join(pristine, file), 'utf8'), file);
    }
  }
});
