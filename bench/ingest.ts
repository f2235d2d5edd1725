// npm run bench -- ingest [--db sqlite|postgres|both] [--seconds N] [--agents N] [--rate N] [--backlog N]
//   [--batch N] [--rate-batch N] [--pg-url URL]
//
// A real core (startCore: embedded TLS broker, ingest, classification workers, result store)
// runs in this process on a temporary data directory, with SQLite or with PostgreSQL in a
// throwaway database (`prophasis_bench_<random>`, from PROPHASIS_TEST_POSTGRES_URL or --pg-url).
// N simulated agents (createSimulator: real MQTT clients over TLS, enrolled with tokens like real
// agents) get hosts, and a check over all of them with three first-party plugins is scheduled,
// so every result they publish is in its host's plan, and carries the id its agent derives for
// its slot (protocol `resultId`): the ingest refuses anything else. Then:
//
//  (a) throughput: every agent publishes `result` messages of --batch results (a draining
//      outbox: 4 messages awaiting their PUBACK at once) for --seconds → results stored per second;
//  (b) latency: all agents together publish --rate results per second (messages of --rate-batch
//      results) for --seconds → p50/p99 from publish to stored. Each result's measuredAt is
//      stamped at publish; "stored" is the arrival of the PUBACK, which the core sends only after
//      the batch holding the message committed (docs/pipeline.md), so the figure is an upper bound;
//  (c) backlog: one more agent (the agent's own composition: outbox, drainer, connection) starts
//      with --backlog results in its outbox, scheduled results of the past (late), and drains
//      them → seconds until its outbox is empty, results per second. Bounded by 10 × --seconds
//      (at least 60 s).
//
// Prints one JSON line per database and, last, a summary line. Everything it started is
// stopped and removed (core, agents, temporary folders, the PostgreSQL database).
import { composeAgent, openAgentDatabase, readAgentConfig, readCredentials, scenarioRunner, createScenarioSource, createSimulator, type Agent, type AgentBundles } from '@prophasis/agent';
import { createLogger, createMessage, resultId, type Logger, type Manifest, type Result } from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Sequelize } from 'sequelize';
import { readCoreConfig } from '../core/src/kernel/config.js';
import { startCore, type Core } from '../core/src/main.js';
import { benchArgs, printFigures, rssMiB, refuse } from './_args.js';

const args = benchArgs({
  db: 'both',
  seconds: 10,
  agents: 20,
  rate: 5_000,
  backlog: 100_000,
  batch: 500,
  'rate-batch': 10,
  'pg-url': process.env.PROPHASIS_TEST_POSTGRES_URL ?? '',
});
if (!['sqlite', 'postgres', 'both'].includes(args.db)) refuse('--db must be sqlite, postgres or both');
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

/** Stand-in bundle store for the backlog agent: bundles "install" and nothing runs (as in the simulator). */
function noBundles(): AgentBundles {
  const installed = new Map<string, { pluginId: string; version: string; sha256: string; dir: string; manifest: Manifest }>();
  const stub = (id: string, version: string) => ({ id, version, capabilities: [] as string[], main: 'plugin.js' }) as unknown as Manifest;
  return {
    load: async () => undefined,
    async install(r) {
      const bundle = { pluginId: r.pluginId, version: r.version, sha256: r.sha256, dir: '', manifest: stub(r.pluginId, r.version) };
      installed.set(r.sha256, bundle);
      return { status: 'installed', bundle };
    },
    async remove(sha256) {
      const b = installed.get(sha256);
      installed.delete(sha256);
      return b;
    },
    async prune() {
      return [];
    },
    hashes: () => [...installed.keys()].sort(),
    get: (sha256, wanted) => installed.get(sha256) ?? { manifest: stub(wanted.pluginId, wanted.version) },
    code: async () => '',
  };
}

interface Figures {
  [key: string]: string | number | boolean;
}

async function runOne(dialect: 'sqlite' | 'postgres'): Promise<Figures> {
  const dir = await mkdtemp(join(tmpdir(), 'prophasis-bench-ingest-'));
  let databaseUrl = '';
  let dropDb: (() => Promise<void>) | undefined;
  if (dialect === 'postgres') {
    const name = `prophasis_bench_${randomBytes(6).toString('hex')}`;
    const admin = new Sequelize(args['pg-url'], { logging: false, dialect: 'postgres' });
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.close();
    const url = new URL(args['pg-url']);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
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

    // Hosts and tokens: N agents for (a) and (b), one more for the backlog.
    const tokens: string[] = [];
    for (let i = 0; i <= args.agents; i++) {
      const host = await c.registry.addHost(i < args.agents ? `bench-${String(i + 1).padStart(4, '0')}` : 'bench-backlog');
      tokens.push((await c.registry.createEnrolmentToken(host.hostId, 3_600_000, 'bench')).token);
    }
    const scenario = { hosts: { '*': { '*': { value: 1 } } } };
    const sim = await createSimulator(
      { agents: tokens.slice(0, args.agents).map((token) => ({ token })), server, caFingerprint: c.transport.caFingerprint, scenario, dataDir: join(dir, 'sim') },
      { logger },
    );
    stops.push(() => sim.stop());
    const backlogSim = await createSimulator(
      { agents: [{ token: tokens[args.agents]! }], server, caFingerprint: c.transport.caFingerprint, scenario, dataDir: join(dir, 'sim-backlog') },
      { logger },
    );
    await Promise.all([sim.start(), backlogSim.start()]);
    const backlogAgentId = backlogSim.agents[0]!.agentId;
    // Enrolled; it goes offline now and comes back later with a full outbox.
    await backlogSim.stop();

    // One check over every host with three first-party plugins (site-approved, so usable),
    // scheduled once a day from tomorrow: the plans exist, the agents' own runs stay out of the way.
    const hosts = await m.Host.findAll({ where: { enrolmentState: 'enrolled' } });
    const hostByAgent = new Map(hosts.map((h) => [h.agentId!, h.id]));
    const plugins = await m.Plugin.findAll({ where: { pluginId: PLUGINS } });
    if (plugins.length !== PLUGINS.length) throw new Error(`first-party plugins missing: found ${plugins.map((p) => p.pluginId).join(', ')}`);
    const check = await m.Check.create({ name: 'bench' });
    for (const h of hosts) await m.CheckHost.create({ checkId: check.id, hostId: h.id });
    for (const p of plugins) await m.CheckPlugin.create({ checkId: check.id, pluginId: p.id, params: {}, classifierOverride: null });
    const schedule = await m.Schedule.create({ name: 'bench', enabled: true });
    await m.ScheduleInterval.create({ scheduleId: schedule.id, startAt: Math.ceil(Date.now() / DAY_MS + 1) * DAY_MS, everyMs: DAY_MS });
    await m.ScheduleCheck.create({ scheduleId: schedule.id, checkId: check.id });
    await c.pipeline.dispatcher.recompute();
    const snap = c.pipeline.dispatcher.snapshot();
    for (const [agentId, hostId] of hostByAgent) {
      for (const p of PLUGINS) if (!snap?.entries.get(hostId)?.has(`${check.id}:${p}`)) throw new Error(`plan of agent ${agentId} lacks ${p}`);
    }
    const checkId = String(check.id);
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    let serial = 0;
    // Each series (agent and plugin) counts its slots up a millisecond at a time from a minute
    // ago: unique per series, so every result is new, and never later than maxLateness.
    const slotBase = Date.now() - 60_000;
    const lastSlot = new Map<string, number>();
    const result = (agentIndex: number, measuredAt: number): Result => {
      const pluginId = PLUGINS[++serial % PLUGINS.length]!;
      const agentId = sim.agents[agentIndex]!.agentId;
      const series = `${agentId} ${pluginId}`;
      const slot = (lastSlot.get(series) ?? slotBase) + 1;
      lastSlot.set(series, slot);
      return {
        id: resultId(agentId, { entryKey: `${checkId}:${pluginId}`, slot }),
        checkId,
        pluginId,
        version: '1.0.0',
        slot,
        measuredAt,
        durationMs: 1,
        // Mostly steady values with a rare spike: states change now and then, as in a real fleet.
        value: serial % 997 === 0 ? 95 : 20 + (serial % 40),
        message: null,
        resultType: 'plugin',
      };
    };
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
    const startedA = performance.now();
    const untilA = startedA + args.seconds * 1000;
    let acked = 0;
    await Promise.all(
      sim.agents.map(async ({ agent }, index) => {
        const lane = async () => {
          while (performance.now() < untilA) {
            const now = Date.now();
            const results = Array.from({ length: args.batch }, () => result(index, now));
            await agent.connection.publish('res', createMessage('result', { results }));
            acked += results.length;
          }
        };
        await Promise.all(Array.from({ length: 4 }, lane));
      }),
    );
    const secondsA = (performance.now() - startedA) / 1000;
    const storedA = stored() - storedA0;
    const stagesA = stages('a', statsA);

    // (b) A fixed rate; latency from publish (measuredAt) to PUBACK (after commit).
    await sleep(500);
    const loadB = load();
    const latencies: number[] = [];
    const storedB0 = stored();
    const statsB = c.pipeline.ingest.stats();
    const startedB = performance.now();
    const untilB = startedB + args.seconds * 1000;
    const messagesPerSecond = args.rate / args['rate-batch'];
    const pending = new Set<Promise<void>>();
    let sent = 0;
    let failures = 0;
    let next = 0;
    while (performance.now() < untilB) {
      const due = Math.floor(((performance.now() - startedB) / 1000) * messagesPerSecond);
      for (; sent < due; sent++) {
        const index = next++ % sim.agents.length;
        const t = Date.now();
        const results = Array.from({ length: args['rate-batch'] }, () => result(index, t));
        const p = sim.agents[index]!.agent.connection.publish('res', createMessage('result', { results })).then(
          () => {
            latencies.push(Date.now() - t);
          },
          () => {
            failures++;
          },
        );
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
      await sleep(5);
    }
    const secondsB = (performance.now() - startedB) / 1000;
    await Promise.all(pending);
    const storedB = stored() - storedB0;
    const stagesB = stages('b', statsB);
    latencies.sort((x, y) => x - y);

    // (c) Backlog: the agent comes back with `backlog` past results (one series per plugin,
    // a slot every 10 s going back) in its outbox.
    await sleep(500);
    const loadC = load();
    const creds = await readCredentials(join(dir, 'sim-backlog', 'agent-1'));
    const agentDir = join(dir, 'backlog-agent');
    const backlogAgent: Agent = composeAgent(readAgentConfig({ PROPHASIS_DATA_DIR: agentDir }, {}), {
      logger: logger.child({ agentId: backlogAgentId }),
      credentials: creds,
      db: openAgentDatabase(':memory:'),
      bundles: noBundles(),
      trust: { setPublishers: async (list) => ({ accepted: list.length, refused: [] }) },
      runner: scenarioRunner(createScenarioSource(scenario, { logger }), { agentId: backlogAgentId }),
    });
    const perSeries = Math.ceil(args.backlog / PLUGINS.length);
    const firstSlot = Math.floor((Date.now() - perSeries * 10_000 - 3_600_000) / 10_000) * 10_000;
    const chunk: Result[] = [];
    let filled = 0;
    for (let k = 0; k < perSeries && filled < args.backlog; k++) {
      for (const pluginId of PLUGINS) {
        if (filled >= args.backlog) break;
        const slot = firstSlot + k * 10_000;
        const id = resultId(backlogAgentId, { entryKey: `${checkId}:${pluginId}`, slot });
        filled++;
        chunk.push({ id, checkId, pluginId, version: '1.0.0', slot, measuredAt: slot + 50, durationMs: 50, value: (k * 13) % 100, message: null, resultType: 'plugin' });
        if (chunk.length === 5_000) backlogAgent.outbox.append(chunk.splice(0));
      }
    }
    backlogAgent.outbox.append(chunk.splice(0));
    const depth = backlogAgent.outbox.depth();
    const storedC0 = stored();
    const statsC = c.pipeline.ingest.stats();
    const startedC = performance.now();
    const boundC = Math.max(60, args.seconds * 10) * 1000;
    stops.push(() => backlogAgent.stop());
    await backlogAgent.start();
    const drained = await Promise.race([backlogAgent.drainer.drained().then(() => true), sleep(boundC).then(() => false)]);
    const secondsC = (performance.now() - startedC) / 1000;
    const storedC = stored() - storedC0;
    const stagesC = stages('c', statsC);

    const refused = c.pipeline.ingest.stats().refused - refusedBefore;
    return {
      bench: 'ingest',
      db: dialect,
      agents: args.agents,
      setup_s: Number(setupSeconds.toFixed(1)),
      seconds: Number(secondsA.toFixed(2)),
      results_acked: acked,
      results_stored: storedA,
      results_per_s: Math.round(storedA / secondsA),
      load_avg_1m_a: loadA,
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
      refused,
      rss_mib: rss.peak(),
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
const summary: Figures = { bench: 'ingest', db: dialects.length === 2 ? 'both' : dialects[0]!, seconds: args.seconds, agents: args.agents };
for (const f of all) {
  for (const key of ['results_per_s', 'p50_ms', 'p99_ms', 'backlog_results_per_s', 'rss_mib', 'load_avg_1m_a']) summary[`${f.db}_${key}`] = f[key]!;
}
printFigures(summary);
process.exit(0);
