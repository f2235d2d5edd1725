// npm run bench -- ingest [--db sqlite|postgres|both] [--seconds N] [--hosts N] [--loadgen N] [--in-flight N]
//   [--rate N] [--backlog N] [--batch N] [--rate-batch N] [--backlog-live-rate N] [--pg-url URL] [--cpu-prof DIR]
//
// A real core (startCore: embedded TLS broker, ingest, classification workers, result store)
// runs in this process on a temporary data directory, with SQLite or with PostgreSQL in a
// throwaway database (`prophasis_bench_<random>`, from PROPHASIS_TEST_POSTGRES_URL or --pg-url).
// --hosts simulated agents (createSimulator: real MQTT clients over TLS, enrolled with tokens like
// real agents) run in --loadgen child processes of their own (bench/_ingest-loadgen.ts), not in
// the core's process; they get hosts, and a check over all of them with three first-party plugins
// is scheduled, so every result they publish is in its host's plan (hosts × 3 series, results
// spread over all of them), and carries the id its agent derives for its slot (protocol
// `resultId`): the ingest refuses anything else. Then:
//
//  (a) throughput: the agents in turn publish `result` messages of --batch results, --in-flight
//      messages awaiting their PUBACK at once over all load generators, for --seconds → results
//      stored per second, the core process's CPU (`core_cpu_pct`, % of one core) and, on
//      PostgreSQL, its backends' (`db_cpu_pct`); results classified per CPU-second of the
//      classification workers (`classify_per_cpu_s`) and their share (`classify_cpu_pct`);
//  (b) latency: all agents together publish --rate results per second (messages of --rate-batch
//      results) for --seconds → p50/p99 from publish to stored. Each result's measuredAt is
//      stamped at publish; "stored" is the arrival of the PUBACK, which the core sends only after
//      the batch holding the message committed (docs/pipeline.md), so the figure is an upper bound;
//  (c) backlog: one more agent (the agent's own composition: outbox, drainer, connection), in a
//      load generator process of its own, starts with --backlog results in its outbox,
//      scheduled results of the past (late), and drains them → seconds until its outbox is
//      empty, results per second, while the other agents keep publishing live results at
//      --backlog-live-rate (default 1,000/s; their p99 meanwhile). Bounded by 10 × --seconds
//      (at least 60 s).
//
// --cpu-prof DIR: the core's main thread is profiled (V8 sampling profiler, node:inspector) during
// (a); the profile is written to DIR/ingest-<db>-a.cpuprofile (open it in Chrome DevTools) and its
// self time, grouped by phase (prof_* fields: TLS/MQTT, JSON decode, validation, dedupe,
// classification, SQL/driver, GC, other), goes into the JSON line.
//
// Prints one JSON line per database and, last, a summary line. Everything it started is
// stopped and removed (core, agents, temporary folders, the PostgreSQL database).
import { createSimulator } from '@prophasis/agent';
import { createLogger, type Logger } from '@prophasis/protocol';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Sequelize } from 'sequelize';
import { readCoreConfig } from '../core/src/kernel/config.js';
import { startCore, type Core } from '../core/src/main.js';
import { benchArgs, printFigures, rssMiB, refuse } from './_args.js';
import type { FromLoadgen, ToLoadgen } from './_ingest-loadgen.js';
import { nextMessage } from './_ipc.js';

const args = benchArgs({
  db: 'both',
  seconds: 10,
  hosts: 20,
  agents: 0, // the former name of --hosts
  loadgen: 1,
  'in-flight': 80,
  rate: 5_000,
  backlog: 100_000,
  batch: 500,
  'rate-batch': 10,
  'backlog-live-rate': 1_000,
  'pg-url': process.env.PROPHASIS_TEST_POSTGRES_URL ?? '',
  'cpu-prof': '',
});
if (!['sqlite', 'postgres', 'both'].includes(args.db)) refuse('--db must be sqlite, postgres or both');
const hostCount = args.agents || args.hosts;
if (!Number.isInteger(hostCount) || hostCount < 1) refuse('--hosts must be a positive integer');
if (!Number.isInteger(args.loadgen) || args.loadgen < 1 || args.loadgen > hostCount) refuse('--loadgen must be an integer from 1 to --hosts');
if (!(args['backlog-live-rate'] >= 0)) refuse('--backlog-live-rate must be 0 (no live results during the backlog) or more');
if (!Number.isInteger(args['in-flight']) || args['in-flight'] < args.loadgen) refuse('--in-flight must be an integer, at least --loadgen');
// Bare (`npm run bench -- ingest`): both databases where PostgreSQL is configured, else SQLite
// alone with one line saying how to add PostgreSQL.
const bare = !process.argv.slice(2).some((a) => a === '--db' || a.startsWith('--db='));
const dialects: ('sqlite' | 'postgres')[] = args.db === 'both' ? (args['pg-url'] || !bare ? ['sqlite', 'postgres'] : ['sqlite']) : [args.db as 'sqlite' | 'postgres'];
if (dialects.includes('postgres') && !args['pg-url']) refuse('PostgreSQL needs PROPHASIS_TEST_POSTGRES_URL=postgres://USER@HOST:5432/DB or --pg-url URL');
if (args.db === 'both' && !dialects.includes('postgres')) {
  console.error('bench: measuring SQLite only; to measure PostgreSQL too, set PROPHASIS_TEST_POSTGRES_URL=postgres://USER@HOST:5432/DB or pass --pg-url URL');
}

// Warnings and errors of the core and the agents go to stderr; stdout carries the figures.
const logger: Logger = createLogger({ name: 'bench-ingest', level: process.env.PROPHASIS_LOG_LEVEL ?? 'warn', destination: pino.destination(2) });
const PLUGINS = ['io.prophasis.cpu-load', 'io.prophasis.memory-usage', 'io.prophasis.disk-usage'];
const DAY_MS = 86_400_000;

const load = () => Number(loadavg()[0]!.toFixed(2));
const LOADGEN = fileURLToPath(new URL('./_ingest-loadgen.ts', import.meta.url));
const nextLoadgen = <T extends FromLoadgen['type']>(child: ChildProcess, type: T, timeoutMs: number) =>
  Promise.race([
    nextMessage<FromLoadgen, T>(child, type, timeoutMs),
    nextMessage<FromLoadgen, 'failed'>(child, 'failed', timeoutMs).then((m) => Promise.reject(new Error(`a load generator failed: ${m.message}`))),
  ]);

/** Stops the load generators (their agents disconnect) and ends any that does not exit, by pid. */
async function stopLoadgens(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || !child.connected) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' } satisfies ToLoadgen);
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }),
  );
}

/** CPU time (ms) the processes `pids` have used so far, from /proc (0 for one that is gone). */
async function procCpuMs(pids: readonly number[]): Promise<number> {
  let ticks = 0;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Peak RSS of this process (core and simulated agents together), sampled every 250 ms. */
function rssSampler() {
  let peak = rssMiB();
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB())), 250);
  return {
    peak: () => Math.max(peak, rssMiB()),
    stop: () => clearInterval(timer),
  };
}

/** A V8 CPU profile as `Profiler.stop` returns it (the fields used here). */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples?: number[];
  startTime: number;
  endTime: number;
}

/** Phases the profile's self time is grouped into, first match wins (by function and script URL). */
const PHASES: [string, (fn: string, url: string) => boolean][] = [
  ['idle', (fn) => fn === '(idle)'],
  ['gc', (fn) => fn === '(garbage collector)'],
  ['classification', (fn, url) => /\/classification\/|stages\/classify|internal\/worker|worker_threads/.test(url) || fn === 'postMessage'],
  // JSON.parse is a builtin: V8 counts its time in its caller, decodeMessage.
  ['decode_validate', (fn, url) => (url === '' && fn === 'parse') || /typebox|protocol\/src\/(messages|schemas|results|result-id|validate)|stages\/admit/.test(url) || fn === 'oneShotDigest'],
  ['dedupe', (_, url) => /recent-ids/.test(url)],
  ['sql_driver', (_, url) => /sequelize|\/pg\/|pg-protocol|pg-pool|pg-copy|sqlite|results-store|pipeline\/store|write-gate|\/db\//.test(url)],
  // The broker's session store (aedes-persistence-level over LevelDB, msgpack-encoded packets).
  ['broker_persistence', (_, url) => /classic-level|abstract-level|aedes-persistence|coalescing-db|persistence\.ts|msgpack/.test(url)],
  ['tls_mqtt', (fn, url) => /node:(tls|_tls|net|internal\/stream|stream|internal\/streams|internal\/tls)|aedes|mqtt|broker\/src|\/bl\/|readable-stream|transport\//.test(url) || /TLSWrap|^write(v|Buffer)?$|onStreamRead/.test(fn)],
  ['ingest_other', (_, url) => /\/pipeline\//.test(url)],
  ['async_plumbing', (fn, url) => /task_queues|internal\/timers/.test(url) || fn === 'runMicrotasks'],
  // Native code V8 cannot name and no caller explains (TLS ciphers, libuv, the VM's own frames).
  ['native_unnamed', (fn, url) => url === '' && (fn === '(program)' || fn === '')],
];

/** Frames without a script that get their caller's phase: unnamed native code, generated code (TypeBox's compiled checks). */
const inherits = (fn: string, url: string): boolean => url === '' && !/^\(/.test(fn) && !/^(write(v|Buffer)?|parse|oneShotDigest|postMessage)$/.test(fn);

/** Self time of the profile grouped by PHASES: per cent of the busy (non-idle) samples. */
function breakdown(profile: CpuProfile): Figures {
  const phaseOf = new Map<number, string>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const phase = (id: number): string => {
    const known = phaseOf.get(id);
    if (known) return known;
    const { functionName: fn, url } = byId.get(id)!.callFrame;
    const parent = parentOf.get(id);
    const p = inherits(fn, url) && parent !== undefined ? phase(parent) : (PHASES.find(([, test]) => test(fn, url))?.[0] ?? 'other');
    phaseOf.set(id, p);
    return p;
  };
  for (const n of profile.nodes) phase(n.id);
  const counts: Record<string, number> = {};
  for (const id of profile.samples ?? []) {
    const phase = phaseOf.get(id) ?? 'other';
    counts[phase] = (counts[phase] ?? 0) + 1;
  }
  const total = (profile.samples ?? []).length;
  const busy = total - (counts.idle ?? 0);
  const out: Figures = { prof_busy_pct: total ? Math.round((busy / total) * 100) : 0 };
  for (const [phase] of [...PHASES.filter(([p]) => p !== 'idle'), ['other'] as const]) {
    out[`prof_${phase}_pct`] = busy ? Number((((counts[phase] ?? 0) / busy) * 100).toFixed(1)) : 0;
  }
  return out;
}

/** Profiles this process's main thread (the core's) until `stop`, which writes the profile and returns its breakdown. */
async function startProfile(): Promise<{ stop(file: string): Promise<Figures> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
      session.disconnect();
      await mkdir(args['cpu-prof'], { recursive: true });
      await writeFile(file, JSON.stringify(profile));
      return { cpu_profile: file, ...breakdown(profile) };
    },
  };
}

interface Figures {
  [key: string]: string | number | boolean;
}

async function runOne(dialect: 'sqlite' | 'postgres'): Promise<Figures> {
  const dir = await mkdtemp(join(tmpdir(), 'prophasis-bench-ingest-'));
  let databaseUrl = '';
  let dropDb: (() => Promise<void>) | undefined;
  /** PostgreSQL: CPU ms used so far by the backends serving the bench database. */
  let dbCpu = async (): Promise<number> => 0;
  if (dialect === 'postgres') {
    const name = `prophasis_bench_${randomBytes(6).toString('hex')}`;
    const admin = new Sequelize(args['pg-url'], { logging: false, dialect: 'postgres' });
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.close();
    const url = new URL(args['pg-url']);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    const backends = new Set<number>(); // every backend seen serving the bench database
    dbCpu = async () => {
      const c = new Sequelize(args['pg-url'], { logging: false, dialect: 'postgres' });
      try {
        const [rows] = await c.query(`SELECT pid FROM pg_stat_activity WHERE datname = '${name}'`);
        for (const { pid } of rows as { pid: number }[]) backends.add(pid);
      } finally {
        await c.close();
      }
      return procCpuMs([...backends]);
    };
    dropDb = async () => {
      const c = new Sequelize(args['pg-url'], { logging: false, dialect: 'postgres' });
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.close();
      }
    };
  }
  let core: Core | undefined;
  const stops: (() => Promise<void>)[] = [];
  const rss = rssSampler();
  try {
    const setupStarted = performance.now();
    core = await startCore(
      readCoreConfig({}, { dataDir: dir, databaseUrl, httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'warn' }),
      logger,
    );
    const c = core;
    const server = `127.0.0.1:${c.transport.mqttPort}`;
    const m = c.db.models;

    // Hosts and tokens: --hosts agents for (a) and (b), one more for the backlog.
    const tokens: string[] = [];
    for (let i = 0; i <= hostCount; i++) {
      const host = await c.registry.addHost(i < hostCount ? `bench-${String(i + 1).padStart(4, '0')}` : 'bench-backlog');
      tokens.push((await c.registry.createEnrolmentToken(host.hostId, 3_600_000, 'bench')).token);
    }
    const scenario = { hosts: { '*': { '*': { value: 1 } } } };
    const backlogSim = await createSimulator(
      { agents: [{ token: tokens[hostCount]! }], server, caFingerprint: c.transport.caFingerprint, scenario, dataDir: join(dir, 'sim-backlog') },
      { logger },
    );
    await backlogSim.start();
    const backlogAgentId = backlogSim.agents[0]!.agentId;
    // Enrolled; it goes offline now and comes back later with a full outbox.
    await backlogSim.stop();

    // One check over every host with three first-party plugins (site-approved, so usable),
    // scheduled once a day from tomorrow: the plans exist, the agents' own runs stay out of the
    // way. Created before the load generators enrol, so their first plan already has it.
    const plugins = await m.Plugin.findAll({ where: { pluginId: PLUGINS } });
    if (plugins.length !== PLUGINS.length) throw new Error(`first-party plugins missing: found ${plugins.map((p) => p.pluginId).join(', ')}`);
    const check = await m.Check.create({ name: 'bench' });
    const allHosts = await m.Host.findAll();
    await m.CheckHost.bulkCreate(allHosts.map((h) => ({ checkId: check.id, hostId: h.id })));
    await m.CheckPlugin.bulkCreate(plugins.map((p) => ({ checkId: check.id, pluginId: p.id, params: {}, classifierOverride: null })));
    const schedule = await m.Schedule.create({ name: 'bench', enabled: true });
    await m.ScheduleInterval.create({ scheduleId: schedule.id, startAt: Math.ceil(Date.now() / DAY_MS + 1) * DAY_MS, everyMs: DAY_MS });
    await m.ScheduleCheck.create({ scheduleId: schedule.id, checkId: check.id });
    const checkId = String(check.id);

    // The load generators: child processes, each with its share of the agents.
    const loadgens: ChildProcess[] = [];
    stops.push(() => stopLoadgens(loadgens));
    for (let k = 0; k < args.loadgen; k++) {
      const child = fork(LOADGEN, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (msg: FromLoadgen) => {
        if (msg.type === 'failed') logger.error({ loadgen: k, message: msg.message }, 'a load generator failed');
      });
      loadgens.push(child);
    }
    const share = (k: number) => tokens.slice(0, hostCount).filter((_, i) => i % args.loadgen === k);
    const ready = await Promise.all(
      loadgens.map((child, k) => {
        const answer = nextLoadgen(child, 'ready', 60_000 + hostCount * 200);
        child.send({ type: 'start', tokens: share(k), server, caFingerprint: c.transport.caFingerprint, dataDir: join(dir, `sim-${k}`), checkId, plugins: PLUGINS } satisfies ToLoadgen);
        return answer;
      }),
    );
    await c.pipeline.dispatcher.recompute();
    const snap = c.pipeline.dispatcher.snapshot();
    const hostByAgent = new Map((await m.Host.findAll({ where: { enrolmentState: 'enrolled' } })).map((h) => [h.agentId!, h.id]));
    for (const agentId of ready.flatMap((r) => r.agentIds)) {
      const hostId = hostByAgent.get(agentId);
      for (const p of PLUGINS) if (!snap?.entries.get(hostId!)?.has(`${checkId}:${p}`)) throw new Error(`plan of agent ${agentId} lacks ${p}`);
    }
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    const stored = () => c.pipeline.ingest.stats().stored;
    /** Batches and milliseconds per batch spent in each ingest stage since `before`. */
    const stages = (phase: string, before: ReturnType<typeof c.pipeline.ingest.stats>): Figures => {
      const now = c.pipeline.ingest.stats();
      const batches = now.batches - before.batches;
      const out: Figures = { [`${phase}_batches`]: batches };
      for (const [k, v] of Object.entries(now.timings)) {
        out[`${phase}_${k.replace(/Ms$/, '')}_ms_per_batch`] = batches ? Number(((v - before.timings[k as keyof typeof now.timings]) / batches).toFixed(1)) : 0;
      }
      return out;
    };
    const refusedBefore = c.pipeline.ingest.stats().refused;

    // (a) As fast as possible.
    const loadA = load();
    const storedA0 = stored();
    const statsA = c.pipeline.ingest.stats();
    const cpuA0 = process.cpuUsage();
    const clsA0 = c.classification.stats();
    const dbCpuA0 = await dbCpu();
    const profiler = args['cpu-prof'] ? await startProfile() : undefined;
    const startedA = performance.now();
    const lanes = (k: number) => Math.floor(args['in-flight'] / args.loadgen) + (k < args['in-flight'] % args.loadgen ? 1 : 0);
    const flooded = await Promise.all(
      loadgens.map((child, k) => {
        const answer = nextLoadgen(child, 'flooded', args.seconds * 1000 + 120_000);
        child.send({ type: 'flood', seconds: args.seconds, batch: args.batch, lanes: lanes(k) } satisfies ToLoadgen);
        return answer;
      }),
    );
    const secondsA = (performance.now() - startedA) / 1000;
    const cpuA = process.cpuUsage(cpuA0);
    const clsA = c.classification.stats();
    const classifiedA = clsA.classified - clsA0.classified;
    const classifyCpuA = (clsA.workerCpuMs - clsA0.workerCpuMs) / 1000;
    const dbCpuA = (await dbCpu()) - dbCpuA0;
    const profileA = profiler ? await profiler.stop(join(args['cpu-prof'], `ingest-${dialect}-a.cpuprofile`)) : {};
    const acked = flooded.reduce((n, f) => n + f.acked, 0);
    const storedA = stored() - storedA0;
    const stagesA = stages('a', statsA);

    // (b) A fixed rate; latency from publish (measuredAt) to PUBACK (after commit).
    await sleep(500);
    const loadB = load();
    const storedB0 = stored();
    const statsB = c.pipeline.ingest.stats();
    const startedB = performance.now();
    const rated = await Promise.all(
      loadgens.map((child) => {
        const answer = nextLoadgen(child, 'rated', args.seconds * 1000 + 120_000);
        child.send({ type: 'rate', seconds: args.seconds, perSecond: args.rate / args.loadgen, batch: args['rate-batch'] } satisfies ToLoadgen);
        return answer;
      }),
    );
    const secondsB = (performance.now() - startedB) / 1000;
    const failures = rated.reduce((n, r) => n + r.failures, 0) + flooded.reduce((n, f) => n + f.failures, 0);
    const latencies = rated.flatMap((r) => r.latencies);
    const storedB = stored() - storedB0;
    const stagesB = stages('b', statsB);
    latencies.sort((x, y) => x - y);

    // (c) Backlog: the agent comes back with `backlog` past results (one series per plugin,
    // a slot every 10 s going back) in its outbox.
    await sleep(500);
    const loadC = load();
    const storedC0 = stored();
    const statsC = c.pipeline.ingest.stats();
    const boundC = Math.max(60, args.seconds * 10) * 1000;
    const backlogChild = fork(LOADGEN, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    stops.push(() => stopLoadgens([backlogChild]));
    const backlogged = nextLoadgen(backlogChild, 'backlogged', boundC + 120_000);
    // Live results keep flowing meanwhile: the other agents publish at --backlog-live-rate until the drain ends.
    const live = Promise.all(
      (args['backlog-live-rate'] > 0 ? loadgens : []).map((child) => {
        const answer = nextLoadgen(child, 'rated', boundC + 120_000);
        child.send({ type: 'rate', seconds: boundC / 1000, perSecond: args['backlog-live-rate'] / args.loadgen, batch: args['rate-batch'] } satisfies ToLoadgen);
        return answer;
      }),
    );
    backlogChild.send({
      type: 'backlog',
      simDir: join(dir, 'sim-backlog'),
      agentDir: join(dir, 'backlog-agent'),
      agentId: backlogAgentId,
      checkId,
      plugins: PLUGINS,
      backlog: args.backlog,
      boundMs: boundC,
    } satisfies ToLoadgen);
    // Seconds from the agent's start (connect) to its empty outbox, as the child measured them.
    const { depth, drained, seconds: secondsC } = await backlogged;
    for (const child of loadgens) child.send({ type: 'halt' } satisfies ToLoadgen);
    const liveRated = await live;
    const liveLatencies = liveRated.flatMap((r) => r.latencies).sort((x, y) => x - y);
    const liveSent = liveLatencies.length * args['rate-batch'];
    // The backlog's own results: all stored meanwhile less the live ones (each acknowledged = stored).
    const storedC = stored() - storedC0 - liveSent;
    const stagesC = stages('c', statsC);

    const refused = c.pipeline.ingest.stats().refused - refusedBefore;
    return {
      bench: 'ingest',
      db: dialect,
      hosts: hostCount,
      series: hostCount * PLUGINS.length,
      loadgen_processes: args.loadgen,
      setup_s: Number(setupSeconds.toFixed(1)),
      seconds: Number(secondsA.toFixed(2)),
      results_acked: acked,
      results_stored: storedA,
      results_per_s: Math.round(storedA / secondsA),
      core_cpu_pct: Math.round(((cpuA.user + cpuA.system) / 1000 / (secondsA * 1000)) * 100),
      // CPU per stored result: what a busy machine disturbs least (the rate needs the CPU to be there).
      core_cpu_us_per_result: storedA ? Math.round((cpuA.user + cpuA.system) / storedA) : 0,
      db_cpu_us_per_result: dialect === 'postgres' && storedA ? Math.round((dbCpuA * 1000) / storedA) : 'in the core process',
      db_cpu_pct: dialect === 'postgres' ? Math.round((dbCpuA / (secondsA * 1000)) * 100) : 'in the core process',
      load_avg_1m_a: loadA,
      // Results classified per CPU-second of the classification workers during (a).
      classify_per_cpu_s: classifyCpuA > 0 ? Math.round(classifiedA / classifyCpuA) : 0,
      classify_cpu_pct: Math.round((classifyCpuA / secondsA) * 100),
      rate_target_per_s: args.rate,
      rate_achieved_per_s: Math.round(storedB / secondsB),
      rate_results_stored: storedB,
      rate_failures: failures,
      p50_ms: percentile(latencies, 50),
      p99_ms: percentile(latencies, 99),
      max_ms: latencies.at(-1) ?? NaN,
      load_avg_1m_b: loadB,
      backlog_results: depth,
      backlog_drained: drained,
      backlog_stored: storedC,
      backlog_s: Number(secondsC.toFixed(2)),
      backlog_results_per_s: Math.round(storedC / secondsC),
      load_avg_1m_c: loadC,
      backlog_live_results: liveSent,
      backlog_live_failures: liveRated.reduce((n, r) => n + r.failures, 0),
      backlog_live_p99_ms: percentile(liveLatencies, 99),
      refused,
      rss_mib: rss.peak(),
      ...profileA,
      ...stagesA,
      ...stagesB,
      ...stagesC,
    };
  } finally {
    rss.stop();
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => logger.warn({ err }, 'bench cleanup step failed'));
    if (core) await core.stop().catch((err: unknown) => logger.warn({ err }, 'stopping the core failed'));
    if (dropDb) await dropDb().catch((err: unknown) => logger.warn({ err }, 'dropping the bench database failed'));
    await rm(dir, { recursive: true, force: true });
  }
}

const all: Figures[] = [];
for (const dialect of dialects) {
  const figures = await runOne(dialect);
  all.push(figures);
  printFigures(figures);
}
const summary: Figures = { bench: 'ingest', db: dialects.length === 2 ? 'both' : dialects[0]!, seconds: args.seconds, hosts: hostCount, loadgen_processes: args.loadgen };
for (const f of all) {
  for (const key of ['results_per_s', 'core_cpu_pct', 'db_cpu_pct', 'core_cpu_us_per_result', 'classify_per_cpu_s', 'p50_ms', 'p99_ms', 'backlog_results_per_s', 'rss_mib', 'load_avg_1m_a']) {
    summary[`${f.db}_${key}`] = f[key]!;
  }
}
printFigures(summary);
process.exit(0);
