// npm run bench -- agent-footprint [--seconds N] [--every-s N] [--idle-ms N] [--settle-s N]
//
// The agent's footprint (issue 17, "a light agent"; docs/performance.md). A real agent, as
// installed: the package's layout (bin/prophasis-agent launcher → node → lib/dist bundles, built
// by esbuild as agent/scripts/pack-agent.ts does, isolated-vm beside it), with this checkout's
// Node.js 24 in place of the one a package carries. It enrols with a minimal broker (the agent
// tests' fixture: aedes behind real TLS, enrolment, ACLs) and gets three real first-party plugins
// (cpu-load, memory-usage, disk-usage, signed with a throw-away key) on a `--every-s` schedule.
// Figures: the tree's RSS (agent + sandbox process; also PSS, which counts shared pages once)
// idle before any plan, while the schedule runs for `--seconds` (peak and mean, sampled every
// 250 ms), and after the plan is emptied and the sandbox process stopped itself (`--idle-ms`);
// CPU ms of the whole tree per plugin run; the sandbox process's start times from the agent's
// log. Last line: one JSON object.
import { cmdTopic, createMessage, encodeMessage, packBundle, publicKeyFingerprint, resTopic, sha256Hex, signBundle, stateTopic, type Result } from '@prophasis/protocol';
import { transformSync } from 'esbuild';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleAgent } from '../agent/scripts/pack-agent.js';
import { writePackageTree } from '../agent/test/support/agent-package.js';
import { generatePublisherKeys } from '../agent/test/support/bundles.js';
import { enrolledAgent, observedOfType, observedResults } from '../agent/test/support/harness.js';
import { observe, stateStatus } from '../agent/test/support/observer.js';
import { startTestBroker } from '../agent/test/support/test-broker.js';
import { benchArgs, printFigures, refuse } from './_args.js';
import { descendants } from './_proc.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PLUGINS = ['cpu-load', 'memory-usage', 'disk-usage'];
const args = benchArgs({ seconds: 60, 'every-s': 10, 'idle-ms': 15_000, 'settle-s': 5 });
if (args['idle-ms'] <= args['every-s'] * 1000) refuse('--idle-ms must be longer than the schedule (--every-s), or the sandbox process stops between runs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;
const CLK_TCK = 100; // Linux's USER_HZ on every architecture the agent supports

/** The package's layout around a fresh bundle (agent/scripts/pack-platforms.ts), from this checkout. */
async function installedLayout(dir: string): Promise<string> {
  await bundleAgent(join(dir, 'bundle'));
  const root = await writePackageTree(dir, { bundleDir: join(dir, 'bundle/dist') });
  return join(root, 'bin/prophasis-agent');
}

function kib(path: string, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(path, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU ms of a process: its own, plus (with `reaped`) that of its children it has waited for. */
function cpuMs(pid: number, reaped = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // Fields 14–17 of proc(5) (utime, stime, cutime, cstime) are 11–14 here.
    const ticks = f[11]! + f[12]! + (reaped ? f[13]! + f[14]! : 0);
    return (ticks * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

interface Sample {
  rss: number;
  pss: number;
  /** Anonymous memory (heaps, stacks, malloc): RSS without file pages such as the Node.js binary's, which the two processes share. */
  anon: number;
  agentRss: number;
  childRss: number;
  children: number;
}

function sample(agentPid: number): Sample {
  const kids = descendants(agentPid);
  const agentRss = kib(`/proc/${agentPid}/status`, 'VmRSS');
  const childRss = kids.reduce((sum, p) => sum + kib(`/proc/${p}/status`, 'VmRSS'), 0);
  const pss = [agentPid, ...kids].reduce((sum, p) => sum + kib(`/proc/${p}/smaps_rollup`, 'Pss'), 0);
  const anon = [agentPid, ...kids].reduce((sum, p) => sum + kib(`/proc/${p}/status`, 'RssAnon'), 0);
  return { rss: agentRss + childRss, pss, anon, agentRss, childRss, children: kids.length };
}

const treeCpuMs = (pid: number) => cpuMs(pid, true) + descendants(pid).reduce((sum, p) => sum + cpuMs(p), 0);
const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;

async function main(): Promise<void> {
  // Inside the checkout's node_modules, so that the bundle finds nothing but what the package holds beside it.
  const work = await mkdtemp(join(ROOT, 'node_modules', '.prophasis-footprint-'));
  const broker = await startTestBroker();
  let agent: ChildProcess | undefined;
  try {
    const bin = await installedLayout(work);
    const { root: agentRoot, dataDir, agentId } = await enrolledAgent(broker, 'prophasis-footprint-');
    const watcher = await observe(broker, [resTopic(agentId), stateTopic(agentId)]);
    const env: NodeJS.ProcessEnv = { ...process.env, PROPHASIS_DATA_DIR: dataDir, PROPHASIS_LOG_LEVEL: 'info', PROPHASIS_SANDBOX_IDLE_MS: String(args['idle-ms']) };
    agent = spawn(bin, ['run'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let log = '';
    agent.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    await watcher.waitFor((m) => stateStatus(m) === 'online', 30_000, 'the agent online');
    const pid = agent.pid!;

    // Idle: connected, no plan, no sandbox process.
    const idle: Sample[] = [];
    for (let t = 0; t < args['settle-s'] * 4; t++) {
      idle.push(sample(pid));
      await sleep(250);
    }

    const keys = generatePublisherKeys();
    const send = (message: Parameters<typeof encodeMessage>[0]) => watcher.publish(cmdTopic(agentId), encodeMessage(message));
    await send(
      createMessage('config.set', {
        trustedPublishers: [{ keyId: publicKeyFingerprint(keys.publicKey), publicKeyPem: keys.publicKey.export({ format: 'pem', type: 'spki' }).toString(), name: 'bench' }],
      }),
    );
    const bundles = PLUGINS.map((name) => {
      const dir = join(ROOT, 'plugins', name);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { id: string; version: string; capabilities: string[]; main: string; classifier: string; readme?: string };
      const code = transformSync(readFileSync(join(dir, 'src/plugin.ts'), 'utf8'), { loader: 'ts', format: 'esm', target: 'es2022' }).code;
      const files: Record<string, string | Buffer> = { [manifest.main]: code, [manifest.classifier]: readFileSync(join(dir, manifest.classifier)) };
      if (manifest.readme) files[manifest.readme] = readFileSync(join(dir, manifest.readme));
      // The core's way (plugins/README.md): a staging folder with exactly these files, packed and signed.
      const stage = mkdtempSync(join(work, 'plugin-'));
      writeFileSync(join(stage, 'manifest.json'), JSON.stringify(manifest));
      for (const [name, data] of Object.entries(files)) writeFileSync(join(stage, name), data);
      const zip = signBundle(packBundle(stage), keys.privateKey);
      rmSync(stage, { recursive: true, force: true });
      return { manifest, zip, sha256: sha256Hex(zip) };
    });
    for (const b of bundles) {
      await send(createMessage('bundle.install', { pluginId: b.manifest.id, version: b.manifest.version, sha256: b.sha256, bundle: b.zip.toString('base64') }));
      const status = await watcher.waitFor((m) => observedOfType<{ sha256: string }>([m], 'bundle.status').some((s) => s.sha256 === b.sha256), 30_000, `${b.manifest.id} installed`);
      const body = observedOfType<{ status: string; reason?: string }>([status], 'bundle.status')[0]!;
      if (body.status !== 'installed') throw new Error(`${b.manifest.id}: ${body.status} ${body.reason ?? ''}`);
    }

    const everyMs = args['every-s'] * 1000;
    const start = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    await send(
      createMessage('plan.set', {
        revision: 1,
        maxLatenessMs: 30_000,
        entries: bundles.map((b, i) => ({
          key: `e${i}`,
          checkId: `check-${i}`,
          pluginId: b.manifest.id,
          version: b.manifest.version,
          sha256: b.sha256,
          params: {},
          intervals: [{ start, everyMs }],
          capabilities: b.manifest.capabilities,
        })),
      }),
    );
    // The window starts with the first result (the sandbox process is up).
    await watcher.waitFor((m) => observedResults([m]).length > 0, 30_000, 'the first result');
    const resultsBefore = observedResults(watcher.messages).length;
    const cpuBefore = treeCpuMs(pid);
    const running: Sample[] = [];
    const windowEnd = Date.now() + args.seconds * 1000;
    while (Date.now() < windowEnd) {
      running.push(sample(pid));
      await sleep(250);
    }
    const cpuAfter = treeCpuMs(pid);
    const results = observedResults(watcher.messages);
    const runs = results.length - resultsBefore;
    const failed = results.filter((r: Result) => r.resultType !== 'plugin');

    // The plan emptied: the sandbox process should go after idle-ms.
    const emptiedAt = Date.now();
    await send(createMessage('plan.set', { revision: 2, maxLatenessMs: 30_000, entries: [] }));
    let stoppedAfterMs: number | null = null;
    while (Date.now() - emptiedAt < args['idle-ms'] + 30_000) {
      if (descendants(pid).length === 0) {
        stoppedAfterMs = Date.now() - emptiedAt;
        break;
      }
      await sleep(100);
    }
    await sleep(1000);
    const after: Sample[] = [];
    for (let t = 0; t < args['settle-s'] * 4; t++) {
      after.push(sample(pid));
      await sleep(250);
    }

    const starts = log
      .split('\n')
      .map((l) => {
        try {
          return JSON.parse(l) as { msg?: string; startMs?: number };
        } catch {
          return {};
        }
      })
      .filter((l) => l.msg === 'sandbox process ready' && typeof l.startMs === 'number')
      .map((l) => l.startMs as number);
    const peak = (s: Sample[], k: keyof Sample) => Math.max(0, ...s.map((x) => x[k]));
    const mean = (s: Sample[], k: keyof Sample) => (s.length ? s.reduce((a, x) => a + x[k], 0) / s.length : 0);
    printFigures({
      plugins: PLUGINS.join(','),
      every_s: args['every-s'],
      window_s: args.seconds,
      runs,
      failed_runs: failed.length,
      idle_rss_mib: mib(mean(idle, 'rss')),
      idle_pss_mib: mib(mean(idle, 'pss')),
      idle_anon_mib: mib(mean(idle, 'anon')),
      running_rss_peak_mib: mib(peak(running, 'rss')),
      running_rss_mean_mib: mib(mean(running, 'rss')),
      running_pss_peak_mib: mib(peak(running, 'pss')),
      running_anon_peak_mib: mib(peak(running, 'anon')),
      running_agent_rss_peak_mib: mib(peak(running, 'agentRss')),
      running_sandbox_rss_peak_mib: mib(peak(running, 'childRss')),
      cpu_ms_per_run: runs > 0 ? Math.round(((cpuAfter - cpuBefore) / runs) * 10) / 10 : -1,
      sandbox_starts: starts.length,
      sandbox_start_ms_first: starts[0] ?? -1,
      sandbox_start_ms_max: Math.max(-1, ...starts),
      sandbox_stopped_after_ms: stoppedAfterMs ?? -1,
      idle_after_rss_mib: mib(mean(after, 'rss')),
    });
    agent.kill('SIGTERM');
    await new Promise((r) => agent!.once('exit', r));
    agent = undefined;
    await watcher.close();
    await rm(agentRoot, { recursive: true, force: true });
  } finally {
    agent?.kill('SIGKILL');
    await broker.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`agent-footprint: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
