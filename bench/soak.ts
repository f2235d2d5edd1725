// npm run bench -- soak [--hosts 500] [--days 7] [--seconds 300] [--db sqlite|postgres] [--sites 5]
//   [--rate 250] [--pg-url URL]
//
// Days of a fleet's life in minutes, with faults, and then one question: is there still one
// truth? (docs/performance.md, "Soak"; issue #14.)
//
// A real core runs as a child process (`core/bin/prophasis.mjs start`: embedded TLS broker,
// local marketplace, SQLite in a temporary data directory or a PostgreSQL database of its own,
// `prophasis_soak_<pid>`), so it can be SIGKILLed and started again. `--hosts` simulated agents
// (the simulator's function API: real MQTT clients over TLS, enrolled with tokens) live in this
// process, in `--sites` sites; the first site reaches the broker through a TCP link of its own
// that the bench can cut. Everything is configured through the REST API with a real admin
// session (first-run setup link): hosts, a group per site, one check (cpu-load, whose scenario
// values spike once every 24 runs, so states change), one schedule, a service per site, an
// alert on every host state change with a webhook to a receiver in this process, retention 1 day
// for everything.
//
// The compressed clock (bench/_warp.ts): once set up, the core's wall clock (preloaded into its
// process) runs `scale` = days × 86,400 / seconds times faster, and the agents' schedule clock with it;
// timers stay real. The schedule, maxLateness, the housekeeping interval, the presence grace and
// the alert retry are chosen so that they mean in simulated time what they mean in a real fleet.
//
// Faults, at simulated days scaled from a week (u = days / 7): agents of one site stopped at
// 1.0·u and started again 6 simulated hours later; site 0 cut off at 1.5·u for one simulated day;
// the core SIGKILLed while site 0 drains its backlog, and restarted; the core (and its broker)
// stopped and restarted at 4.2·u; SIGKILLed again at 5.2·u. Throughout: every result the broker
// acknowledged is looked up in the database; every host state transition is remembered; the size
// of the database is sampled. Host states are compared across the API's state endpoints during
// the cut-off, after each restart and at the end.
//
// Last line: {"bench":"soak", results_lost, results_duplicated, alerts_missing, alerts_duplicated,
// state_disagreements, db_bytes_start, db_bytes_end, db_stopped_growing, children_orphaned, …}.
// Every process it started is ended by its pid; the temporary folder and database are removed.
import { createSimulator, type Simulator } from '@prophasis/agent';
import { createLogger, type HostHealth, type HostReport, type Logger, type Result, type ServiceHealth, type Severity } from '@prophasis/protocol';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { QueryTypes, Sequelize } from 'sequelize';
import { evaluateService } from '../core/src/services/index.js';
import { benchArgs, printFigures, refuse } from './_args.js';
import { alive, descendants } from './_proc.js';
import { WARP_ENV, warpClock, warpedTime, type Warp, type WarpSpec } from './_warp.js';

const args = benchArgs({
  hosts: 500,
  days: 7,
  seconds: 300,
  db: 'sqlite',
  sites: 5,
  rate: 250, // results per real second, all hosts together
  'pg-url': process.env.PROPHASIS_TEST_POSTGRES_URL ?? '',
});
if (args.db !== 'sqlite' && args.db !== 'postgres') refuse('--db must be sqlite or postgres');
if (args.db === 'postgres' && !args['pg-url']) refuse('--db postgres needs PROPHASIS_TEST_POSTGRES_URL or --pg-url');
if (!Number.isInteger(args.hosts) || args.hosts < 4) refuse('--hosts must be an integer ≥ 4');
if (!Number.isInteger(args.sites) || args.sites < 2 || args.sites > args.hosts / 2) refuse('--sites must be an integer from 2 to hosts / 2');
if (!(args.days >= 3)) refuse('--days must be at least 3 (retention keeps one day; the size must be seen flat after that)');
if (!(args.seconds >= 30)) refuse('--seconds must be at least 30');
if (!(args.rate > 0)) refuse('--rate must be positive');
if (process.env[WARP_ENV]) refuse(`${WARP_ENV} is set in the bench's own environment; it belongs to the core's process only`);

const HERE = dirname(fileURLToPath(import.meta.url));
const CORE_BIN = join(HERE, '..', 'core', 'bin', 'prophasis.mjs');
const WARP_FILE = join(HERE, '_warp.ts');
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const PLUGIN = 'io.prophasis.cpu-load';
/** Scenario values of cpu-load: one spike (> 90 %: major) every 24 runs; the classifier looks at the last 3. */
const CYCLE = [...Array.from({ length: 23 }, () => 20), 95];
const ADMIN = { name: 'soak-admin', password: `soak-${Math.random().toString(36).slice(2)}-pw-${Date.now()}` };
/** Retention (days) set for every table that has a retention setting. */
const RETENTION_DAYS = 1;
/** Results measured this close to the retention cut-off may be gone already: not judged. */
const RETENTION_MARGIN_MS = 3 * HOUR_MS;
/** Late growth per simulated day below which a database counts as flat whatever its ratio: 16 SQLite pages. */
const NOISE_BYTES_PER_DAY = 64 * 1024;

// The simulated agents' own log (stderr): errors only, since faults make every agent warn.
const logger: Logger = createLogger({ name: 'bench-soak', level: process.env.PROPHASIS_LOG_LEVEL ?? 'error', destination: pino.destination(2) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () => Number(loadavg()[0]!.toFixed(2));
const started = performance.now();
const elapsed = () => Number(((performance.now() - started) / 1000).toFixed(1));
const say = (line: string) => console.log(`[soak ${elapsed()} s] ${line}`);

/** Waits for `check` to hold, polling; throws naming `what` after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---------------------------------------------------------------- processes

interface CoreProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** Everything it printed so far (the setup link is in there). */
  output(): string;
}

/** Starts `prophasis start` as a child process with the warp preloaded; its output goes to `logFile` too. */
function startCoreProcess(env: NodeJS.ProcessEnv, logFile: string, warp: WarpSpec): CoreProcess {
  const child = spawn(process.execPath, ['--import', WARP_FILE, CORE_BIN, 'start'], {
    env: { ...env, [WARP_ENV]: JSON.stringify(warp) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('the core process did not start');
  let output = '';
  const take = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-200_000);
    void appendFile(logFile, text);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { pid: child.pid, child, exited, output: () => output };
}

// ---------------------------------------------------------------- REST API with a session

interface Api {
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** The session cookie (`name=value`), for the event stream. */
  cookie(): string;
  /** Completes first-run setup with the one-time token: the admin exists and is signed in. */
  setup(token: string): Promise<void>;
}

function createApi(baseUrl: string): Api {
  let cookie = '';
  const raw = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
    const setCookie = response.headers.get('set-cookie');
    const session = setCookie?.match(/prophasis_session=[^;]+/)?.[0];
    if (session) cookie = session;
    return response;
  };
  const login = async () => {
    const response = await raw('POST', '/auth/login', ADMIN);
    if (!response.ok) throw new Error(`signing in failed: HTTP ${response.status} ${await response.text()}`);
  };
  return {
    cookie: () => cookie,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      // A restarting core refuses connections for a while; a stale keep-alive socket fails once.
      for (let attempt = 1; ; attempt++) {
        let response: Response;
        try {
          response = await raw(method, path, body);
        } catch (err) {
          if (attempt >= 40) throw err;
          await sleep(500);
          continue;
        }
        if (response.status === 401 && attempt < 3) {
          await login();
          continue;
        }
        if (response.status === 503 && attempt < 40) {
          await sleep(500);
          continue;
        }
        const text = await response.text();
        if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
        return (text ? JSON.parse(text) : undefined) as T;
      }
    },
    async setup(token) {
      const response = await raw('POST', '/setup', { token, ...ADMIN });
      if (response.status !== 201) throw new Error(`first-run setup failed: HTTP ${response.status} ${await response.text()}`);
    },
  };
}

/**
 * Follows `GET /api/events` (server-sent events) and hands each event's type and data to
 * `onEvent`, reconnecting (and signing in again through `api`) whenever the stream ends, e.g.
 * because the core restarted, until `stop()`.
 */
function followEvents(baseUrl: string, api: Api, onEvent: (type: string, data: Record<string, unknown>) => void) {
  const abort = new AbortController();
  let following = true;
  const run = async () => {
    while (following) {
      try {
        const response = await fetch(`${baseUrl}/api/events`, { headers: { accept: 'text/event-stream', cookie: api.cookie() }, signal: abort.signal });
        if (response.status === 401) await api.call('GET', '/auth/me');
        if (response.ok && response.body) {
          let buffer = '';
          for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
            buffer += chunk;
            for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const type = /^event: (.*)$/m.exec(block)?.[1];
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (type && data) onEvent(type, (JSON.parse(data) as { data: Record<string, unknown> }).data);
            }
          }
        }
      } catch {
        // the core went away (restart) or we stopped: try again below
      }
      if (following) await sleep(250);
    }
  };
  const done = run();
  return {
    async stop() {
      following = false;
      abort.abort();
      await done;
    },
  };
}

// ---------------------------------------------------------------- the site's link, the webhook receiver

/** A TCP link between one site's agents and the broker that can be cut (connections reset, new ones refused) and restored. */
async function createLink(targetPort: number) {
  const sockets = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((downstream) => {
    if (cut) {
      downstream.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const [a, b] of [
      [downstream, upstream],
      [upstream, downstream],
    ] as const) {
      sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      cut = false;
    },
    async close() {
      cut = true;
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The webhook's JSON body (docs/alerts.md, "webhook"), the fields compared. */
interface Notice {
  target: { kind: string; id: number };
  from: string;
  to: string;
  atMs: number;
  test: boolean;
  /** Why it was sent (docs/alerts.md, "Why a notification was sent"). */
  reason?: string;
  /** The same on every attempt of one delivery (also the `Idempotency-Key` header). */
  deliveryId?: string;
  /** Set by the receiver: when it arrived (real epoch ms). */
  receivedAt: number;
}

/**
 * A notice that reports one host transition, what `state_transitions` is compared with: reason
 * `transition`, or `unreachable` for the transition an unreachable agent caused. Repeats,
 * escalations, maintenance and flapping notices are not one per transition (the scenario's
 * spikes are too rare to flap; `alerts_other_reasons` counts those notices).
 */
const isHostTransitionNotice = (n: Notice) => !n.test && n.target.kind === 'host' && (n.reason === undefined || n.reason === 'transition' || n.reason === 'unreachable');

async function createReceiver() {
  const notices: Notice[] = [];
  const server: HttpServer = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      try {
        notices.push({ ...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notice), receivedAt: Date.now() });
        response.writeHead(200).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/soak`,
    notices,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// ---------------------------------------------------------------- the database, read directly

interface DbSize {
  bytes: number;
  used: number;
}

interface DbReader {
  /** `?` placeholders on both dialects. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** `bytes`: the database's size on disk; `used`: without the free space kept for reuse. */
  size(): Promise<DbSize>;
  /** What the database server would do by itself in the simulated time since the last call (PostgreSQL: VACUUM). */
  maintain(): Promise<void>;
  close(): Promise<void>;
}

function sqliteReader(path: string): DbReader {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      // A fresh read-only connection per query: it sees every committed write, holds nothing
      // across a core restart, and can never write.
      const db = new DatabaseSync(path, { readOnly: true, timeout: 10_000 });
      try {
        return db.prepare(sql).all(...(params as (string | number | null)[])) as T[];
      } finally {
        db.close();
      }
    },
    async size() {
      // Pages × page size as a reader sees the database (what is still in the WAL included):
      // the file's size once checkpointed, free pages included (SQLite keeps them for reuse and
      // never gives them back); the WAL file's own size, which swings with checkpoints, is not.
      const pragma = async (name: string) => Number(Object.values((await this.query<Record<string, number>>(`PRAGMA ${name}`))[0]!)[0]);
      const [count, free, pageSize] = [await pragma('page_count'), await pragma('freelist_count'), await pragma('page_size')];
      return { bytes: count * pageSize, used: (count - free) * pageSize };
    },
    // SQLite reuses the pages of deleted rows by itself.
    async maintain() {},
    async close() {},
  };
}

function postgresReader(url: string): DbReader {
  const sequelize = new Sequelize(url, { logging: false, dialect: 'postgres', pool: { max: 2 } });
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      let n = 0;
      return (await sequelize.query(sql.replace(/\?/g, () => `$${++n}`), { bind: params, type: QueryTypes.SELECT })) as T[];
    },
    async size() {
      // On disk: the whole database, the system catalogs included (which creating and dropping a
      // partition every simulated day bloats until autovacuum comes by). In use: the core's
      // tables, their partitions, indexes and TOAST (dead rows until VACUUM reuses their space).
      const [row] = await sequelize.query<{ bytes: string; used: string }>(
        `SELECT pg_database_size(current_database()) AS bytes,
                (SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relkind = 'r') AS used`,
        { type: QueryTypes.SELECT },
      );
      return { bytes: Number(row!.bytes), used: Number(row!.used) };
    },
    // Autovacuum wakes up every minute of *real* time (autovacuum_naptime, a server setting), a
    // few times per compressed day: the bench vacuums in its place, every 6 simulated hours.
    async maintain() {
      await sequelize.query('VACUUM (ANALYZE)');
    },
    close: () => sequelize.close(),
  };
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(',');

// ---------------------------------------------------------------- the run

interface Cohort {
  site: number;
  dir: string;
  server: string;
  names: string[];
  sim: Simulator;
}

interface AckedResult {
  hostId: number;
  measuredAt: number;
  found: boolean;
  tries: number;
}

async function main(): Promise<void> {
  const deadline = Date.now() + (args.seconds + 240 + args.hosts * 0.4) * 1000;
  const overtime = () => {
    if (Date.now() > deadline) throw new Error('the soak exceeded its time bound');
  };
  const dir = await mkdtemp(join(tmpdir(), 'prophasis-bench-soak-'));
  const coreDir = join(dir, 'core');
  const logFile = join(dir, 'core.log');
  await mkdir(coreDir, { recursive: true });
  const cleanups: (() => Promise<unknown>)[] = [];
  /** After the core has gone: the reader, the PostgreSQL database. */
  const databaseCleanups: (() => Promise<unknown>)[] = [];
  const strays = new Set<number>();
  let core: CoreProcess | undefined;
  // Interrupted (Ctrl+C, a test's time bound): end what was started, by pid, and the folder.
  const onSignal = () => {
    if (core) for (const pid of [core.pid, ...descendants(core.pid)]) strays.add(pid);
    for (const pid of strays) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (!process.env.PROPHASIS_SOAK_KEEP) rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    // ------------------------------------------------------------ database and ports
    let databaseUrl = '';
    let reader: DbReader;
    if (args.db === 'postgres') {
      const name = `prophasis_soak_${process.pid}`;
      const admin = new Sequelize(args['pg-url'], { logging: false, dialect: 'postgres' });
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.close();
      const url = new URL(args['pg-url']);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
      databaseCleanups.push(async () => {
        const c = new Sequelize(args['pg-url'], { logging: false, dialect: 'postgres' });
        try {
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await c.close();
        }
      });
      reader = postgresReader(databaseUrl);
    } else {
      reader = sqliteReader(join(coreDir, 'prophasis.sqlite'));
    }
    databaseCleanups.unshift(() => reader.close());
    const [httpPort, mqttPort, marketplacePort] = [await freePort(), await freePort(), await freePort()];
    const baseUrl = `http://127.0.0.1:${httpPort}`;
    const api = createApi(baseUrl);
    const receiver = await createReceiver();
    cleanups.push(() => receiver.close());

    // ------------------------------------------------------------ the compressed clock
    const soakMs = args.seconds * 1000;
    const scale = (args.days * DAY_MS) / soakMs;
    const warp: Warp = { startMs: Infinity, scale };
    const warpSpec: WarpSpec = { scale, startFile: join(dir, 'warp-start') };
    const simNow = () => warpedTime(warp, Date.now());
    /** Simulated ms → real ms (at least 1 s where the core's setting allows no less). */
    const realMs = (simulated: number, floor = 1_000) => Math.max(floor, Math.round(simulated / scale));
    // Every host reports once per `everyMs` simulated; all together `rate` results per real second.
    const everyMs = Math.max(1_000, Math.round(((args.hosts / args.rate) * scale * 1000) / 1000) * 1000);
    // A result may be this late, simulated: 10 real seconds (event loops of a loaded machine), at most the setting's day.
    const maxLatenessMs = Math.min(DAY_MS, Math.round(10_000 * scale));

    const configFile = join(dir, 'core-config.json');
    // Loopback only; sessions and the setup link outlive the compressed days.
    await writeFile(configFile, JSON.stringify({ httpHost: '127.0.0.1', mqttHost: '127.0.0.1', sessionTtlMs: 30 * DAY_MS, setupTokenTtlMs: 7 * DAY_MS, logLevel: process.env.PROPHASIS_SOAK_CORE_LOG_LEVEL ?? 'warn' }));
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PROPHASIS_') && k !== 'DATABASE_URL'));
    const coreEnv: NodeJS.ProcessEnv = {
      ...inherited,
      PROPHASIS_CONFIG: configFile,
      PROPHASIS_DATA_DIR: coreDir,
      PROPHASIS_HTTP_PORT: String(httpPort),
      PROPHASIS_MQTT_PORT: String(mqttPort),
      PROPHASIS_MARKETPLACE_PORT: String(marketplacePort),
      PROPHASIS_LOCAL_MARKETPLACE: 'true',
      PROPHASIS_PKI_IPS: '127.0.0.1',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      // Real-time settings, chosen for what they mean in simulated time:
      PROPHASIS_HOUSEKEEPING_INTERVAL_MS: String(realMs(HOUR_MS)), // hourly
      PROPHASIS_HOUSEKEEPING_FIRST_RUN_MS: String(realMs(HOUR_MS)),
      PROPHASIS_UNREACHABLE_GRACE_MS: String(Math.max(2_000, realMs(HOUR_MS))), // about an hour, at least 2 s
      PROPHASIS_PIPELINE_NO_DATA_SWEEP_MS: '1000',
      PROPHASIS_ALERT_BACKOFF_MS: '1000',
    };
    const launch = async (): Promise<CoreProcess> => {
      const c = startCoreProcess(coreEnv, logFile, warpSpec);
      core = c;
      strays.add(c.pid);
      let gone = false;
      void c.exited.then(() => (gone = true));
      await until(
        'the core to answer /api/health',
        async () => {
          if (gone) throw new Error(`the core exited while starting:\n${c.output().slice(-4000)}`);
          return fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) }).then(
            (r) => r.ok,
            () => false,
          );
        },
        120_000,
      );
      return c;
    };
    let stopsTooSlow = 0;
    /** Ends the core: SIGTERM (a clean stop, broker included) or SIGKILL; returns its descendants that outlived it. */
    const stopCore = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<number[]> => {
      const c = core!;
      const below = descendants(c.pid);
      say(`${signal} to the core (pid ${c.pid}, ${below.length} child process(es): ${below.join(', ') || 'none'})`);
      const stopStarted = Date.now();
      c.child.kill(signal);
      await Promise.race([c.exited, sleep(30_000)]);
      if (alive(c.pid)) {
        say(`the core did not end within 30 s of ${signal}; SIGKILL`);
        stopsTooSlow += 1;
        c.child.kill('SIGKILL');
        await c.exited;
      } else if (signal === 'SIGTERM') {
        say(`the core stopped cleanly in ${((Date.now() - stopStarted) / 1000).toFixed(1)} s`);
      }
      strays.delete(c.pid);
      await sleep(1_000);
      const left = below.filter(alive);
      for (const pid of left) strays.add(pid);
      return left;
    };

    // ------------------------------------------------------------ set-up, in real time
    say(`core on ${baseUrl} (${args.db}), MQTT ${mqttPort}; ${args.hosts} hosts in ${args.sites} sites; ${args.days} days in ${args.seconds} s (× ${Math.round(scale)})`);
    await launch();
    let setupToken: string | undefined;
    await until('the setup link', () => !!(setupToken = core!.output().match(/\/setup\?token=([A-Za-z0-9_-]+)/)?.[1]), 30_000);
    await api.setup(setupToken!);
    const current = await api.call<Record<string, unknown>>('GET', '/settings');
    const retention = Object.fromEntries(Object.keys(current).filter((k) => /^retention.*Days$/.test(k)).map((k) => [k, RETENTION_DAYS]));
    await api.call('PUT', '/settings', { maxLatenessMs, ...retention });

    const siteOf = (i: number) => i % args.sites;
    const names = Array.from({ length: args.hosts }, (_, i) => `soak-s${siteOf(i)}-${String(i).padStart(4, '0')}`);
    const hostIdByName = new Map<string, number>();
    const tokens = new Map<string, string>();
    let caFingerprint = '';
    for (const name of names) {
      const host = await api.call<{ id: number }>('POST', '/hosts', { name });
      hostIdByName.set(name, host.id);
      const ticket = await api.call<{ token: string; caFingerprint: string }>('POST', `/hosts/${host.id}/enrolment`, { server: '127.0.0.1', ttlMinutes: 600 });
      tokens.set(name, ticket.token);
      caFingerprint = ticket.caFingerprint;
    }
    const siteHosts = (s: number) => names.filter((_, i) => siteOf(i) === s).map((n) => hostIdByName.get(n)!);
    const groups: number[] = [];
    const services: number[] = [];
    for (let s = 0; s < args.sites; s++) {
      groups.push((await api.call<{ id: number }>('POST', '/groups', { name: `site-${s}`, hostIds: siteHosts(s), groupIds: [] })).id);
      services.push(
        (await api.call<{ id: number }>('POST', '/services', { name: `site-${s} service`, dependencies: siteHosts(s).map((id) => ({ kind: 'host', id })), redundancyGroups: [] })).id,
      );
    }
    const [{ maxId: transitionsBefore } = { maxId: null }] = await reader.query<{ maxId: number | string | null }>('SELECT MAX(id) AS "maxId" FROM state_transitions');
    await api.call('POST', '/alerts', {
      name: 'soak: every host state change',
      enabled: true,
      fromStates: ['ok', 'minor', 'major', 'critical', 'degraded', 'unknown', 'no_data'],
      toStates: ['ok', 'minor', 'major', 'critical', 'degraded', 'unknown', 'no_data'],
      scopes: { hostIds: [], groupIds: groups, serviceIds: [], pluginIds: [], checkIds: [] },
      module: 'webhook',
      settings: { url: receiver.url, format: 'json', timeoutSeconds: 10 },
    });
    const check = await api.call<{ id: number }>('POST', '/checks', { name: 'soak', hostIds: [], groupIds: groups, plugins: [{ pluginId: PLUGIN, params: {} }] });
    await api.call('POST', '/schedules', { name: 'soak', enabled: true, checkIds: [check.id], intervals: [{ start: 0, everyMs }] });

    // Agents: a simulator per cohort of at most 25 agents of one site; site 0 goes through the link.
    const link = await createLink(mqttPort);
    cleanups.push(() => link.close());
    const clock = warpClock(warp);
    const scenario = {
      hosts: {
        ...Object.fromEntries(names.map((n, i) => [n, { [PLUGIN]: { values: [...CYCLE.slice(i % CYCLE.length), ...CYCLE.slice(0, i % CYCLE.length)] } }])),
        '*': { '*': { value: 1 } },
      },
    };
    const acked = new Map<string, AckedResult>();
    const pending = new Set<string>();
    const hostIdByAgent = new Map<string, number>();
    const makeSimulator = async (c: Omit<Cohort, 'sim'>, withTokens: boolean) => {
      const sim = await createSimulator(
        {
          agents: c.names.map((n) => (withTokens ? { token: tokens.get(n)!, hostName: n } : { hostName: n })),
          server: c.server,
          caFingerprint,
          scenario,
          dataDir: c.dir,
          clock,
          // The agent's own reconnect backoff (real time: at most 5 s during an outage's first
          // minute, docs/agent.md); a report every 6 simulated hours.
          config: { reportIntervalMs: Math.min(DAY_MS, 6 * HOUR_MS) },
        },
        { logger },
      );
      await sim.start();
      for (const a of sim.agents) {
        const hostId = hostIdByName.get(a.hostName)!;
        hostIdByAgent.set(a.agentId, hostId);
        a.agent.drainer.onAcknowledged((results: readonly Result[]) => {
          for (const r of results) {
            if (acked.has(r.id)) continue;
            acked.set(r.id, { hostId, measuredAt: r.measuredAt, found: false, tries: 0 });
            pending.add(r.id);
          }
        });
      }
      return sim;
    };
    const cohorts: Cohort[] = [];
    const plans: Omit<Cohort, 'sim'>[] = [];
    for (let s = 0; s < args.sites; s++) {
      const siteNames = names.filter((_, i) => siteOf(i) === s);
      for (let k = 0; k * 25 < siteNames.length; k++) {
        plans.push({ site: s, dir: join(dir, 'sim', `site-${s}`, `cohort-${k}`), server: `127.0.0.1:${s === 0 ? link.port : mqttPort}`, names: siteNames.slice(k * 25, k * 25 + 25) });
      }
    }
    for (let i = 0; i < plans.length; i += 4) {
      const batch = plans.slice(i, i + 4);
      const sims = await Promise.all(batch.map((p) => makeSimulator(p, true)));
      batch.forEach((p, j) => cohorts.push({ ...p, sim: sims[j]! }));
    }
    cleanups.push(() => Promise.all(cohorts.map((c) => c.sim.stop().catch(() => undefined))));
    await until(
      'every agent online',
      async () => (await api.call<HostHealth[]>('GET', '/reports/hosts')).filter((h) => h.online).length === args.hosts,
      120_000,
      1_000,
    );
    say(`set up: ${args.hosts} agents enrolled and online; a result every ${everyMs / 60_000} simulated minutes per host, maxLateness ${(maxLatenessMs / HOUR_MS).toFixed(1)} h`);

    // ------------------------------------------------------------ the soak, on the compressed clock
    // The compressed clock starts now, in the core (which reads the start from its file within
    // 100 ms, hence half a second ahead) and in the agents at the same instant.
    warp.startMs = Date.now() + 500;
    await writeFile(warpSpec.startFile, String(warp.startMs));
    const soakStart = warp.startMs;
    const simDay = () => (simNow() - soakStart) / DAY_MS;
    const untilSimDay = async (day: number) => {
      while (simDay() < day) {
        overtime();
        await sleep(Math.min(1_000, Math.max(10, (day - simDay()) * (DAY_MS / scale))));
      }
    };
    await sleep(Math.max(0, warp.startMs - Date.now()));
    const dbStart = await reader.size();
    say(`clock compressed; database ${dbStart.bytes} bytes`);

    // Background watchers: results, transitions, duplicates, size.
    // Host transitions, from two sources: the table, read every 2 s (complete, except a
    // transition that arrived already older than the retention, which the housekeeper may
    // remove first), and the event stream (immediate, but not across a SIGKILL). Expected per
    // transition: the larger of the two counts.
    const ledger = new Map<string, number>();
    const streamed = new Map<string, number>();
    /** Per transition key: how old (simulated ms) it already was when the bench first read it, and whether it was late. */
    const ledgerAge = new Map<string, { age: number; late: boolean }>();
    let lastTransitionId = Number(transitionsBefore ?? 0);
    let transitionsRead = 0;
    const events = followEvents(baseUrl, api, (type, data) => {
      if (type !== 'state.changed' || data.hostId == null || data.pluginId != null) return;
      const key = `${Number(data.hostId)}|${String(data.from)}|${String(data.to)}|${Number(data.at)}`;
      streamed.set(key, (streamed.get(key) ?? 0) + 1);
      if (!ledgerAge.has(key)) ledgerAge.set(key, { age: simNow() - Number(data.at), late: Boolean(data.late) });
    });
    cleanups.push(() => events.stop());
    const duplicateRows = new Map<string, number>();
    let lost = 0;
    const lostExamples: string[] = [];
    const sizes: ({ day: number } & DbSize)[] = [];
    const retentionCutoff = () => simNow() - RETENTION_DAYS * DAY_MS + RETENTION_MARGIN_MS;

    const verifyResults = async (final: boolean) => {
      const ids = [...pending];
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const rows = await reader.query<{ id: string; n: number }>(`SELECT result_id AS id, COUNT(*) AS n FROM results WHERE result_id IN (${placeholders(chunk.length)}) GROUP BY result_id`, chunk);
        const found = new Map(rows.map((r) => [r.id, Number(r.n)]));
        for (const id of chunk) {
          const a = acked.get(id)!;
          if (found.has(id)) {
            a.found = true;
            pending.delete(id);
            continue;
          }
          a.tries += 1;
          if (a.measuredAt < retentionCutoff()) {
            pending.delete(id); // expired before it was looked at: not judged
          } else if (a.tries >= 3 || final) {
            pending.delete(id);
            lost += 1;
            if (lostExamples.length < 5) lostExamples.push(id);
          }
        }
      }
    };
    const scanDuplicates = async () => {
      const rows = await reader.query<{ id: string; n: number }>('SELECT result_id AS id, COUNT(*) AS n FROM results GROUP BY result_id HAVING COUNT(*) > 1');
      for (const r of rows) duplicateRows.set(r.id, Math.max(duplicateRows.get(r.id) ?? 0, Number(r.n) - 1));
    };
    const readTransitions = async () => {
      for (;;) {
        const rows = await reader.query<{ id: number; hostId: number; from: string; to: string; at: number; late: number | boolean }>(
          'SELECT id, host_id AS "hostId", from_state AS "from", to_state AS "to", at, late FROM state_transitions WHERE id > ? AND host_id IS NOT NULL AND plugin_id IS NULL AND service_id IS NULL ORDER BY id LIMIT 5000',
          [lastTransitionId],
        );
        for (const r of rows) {
          const key = `${Number(r.hostId)}|${r.from}|${r.to}|${Number(r.at)}`;
          ledger.set(key, (ledger.get(key) ?? 0) + 1);
          transitionsRead += 1;
          if (!ledgerAge.has(key)) ledgerAge.set(key, { age: simNow() - Number(r.at), late: Boolean(r.late) });
          lastTransitionId = Math.max(lastTransitionId, Number(r.id));
        }
        if (rows.length < 5000) return;
      }
    };
    let watching = true;
    const watchError: unknown[] = [];
    const watch = async (what: string, everyMs: number, work: () => Promise<void>) => {
      while (watching) {
        try {
          await work();
        } catch (err) {
          // A query racing a SIGKILLed or restarting core: tried again next round.
          logger.debug({ err, what }, 'watcher round failed');
          if (!alive(core!.pid)) await sleep(500);
          else watchError.push(err);
        }
        await sleep(everyMs);
      }
    };
    const watchers = [
      watch('results', 2_000, () => verifyResults(false)),
      watch('duplicates', 10_000, scanDuplicates),
      watch('transitions', 2_000, readTransitions),
      watch('maintenance', realMs(6 * HOUR_MS, 1_000), () => reader.maintain()),
      watch('size', realMs(2 * HOUR_MS, 500), async () => {
        sizes.push({ day: simDay(), ...(await reader.size()) });
      }),
    ];

    // State checks: the host list, each host's detail and the services report (what the
    // console's dashboard reads), for every host. A host counts only when its state held still
    // while its detail was read: the host list and the services report said the same before and
    // after, and no transition of the host (its own or a plugin's) was committed meanwhile.
    const stateChecks: { label: string; disagreements: number; inconclusive: number }[] = [];
    const disagreementExamples: string[] = [];
    const checkStates = async (label: string) => {
      const ids = [...hostIdByName.values()];
      let disagreements = 0;
      let inconclusive = 0;
      const listView = async () => new Map((await api.call<HostHealth[]>('GET', '/reports/hosts')).map((h) => [h.id, h]));
      const serviceView = async () => {
        const out = new Map<string, Severity>();
        for (const s of await api.call<ServiceHealth[]>('GET', '/reports/services')) for (const p of s.parts) out.set(p.name, p.severity);
        return out;
      };
      const nameById = new Map([...hostIdByName].map(([n, id]) => [id, n]));
      const seen = new Map<string, number>();
      const lastId = async () => Number((await reader.query<{ maxId: number | string | null }>('SELECT MAX(id) AS "maxId" FROM state_transitions'))[0]?.maxId ?? 0);
      const checkStarted = Date.now();
      let reportsMs = 0;
      let detailsMs = 0;
      const dayStarted = simDay();
      for (let i = 0; i < ids.length; i += 100) {
        const batch = ids.slice(i, i + 100);
        const before = await lastId();
        const t0 = Date.now();
        const [list1, services1] = [await listView(), await serviceView()];
        const t1 = Date.now();
        const to = simNow();
        const details = new Map<number, HostReport>();
        for (let j = 0; j < batch.length; j += 10) {
          await Promise.all(batch.slice(j, j + 10).map(async (id) => details.set(id, await api.call<HostReport>('GET', `/reports/hosts/${id}?from=${to - 60_000}&to=${to}`))));
        }
        const t2 = Date.now();
        const list2 = await listView();
        reportsMs += t1 - t0 + (Date.now() - t2);
        detailsMs += t2 - t1;
        const moved = new Set(
          (await reader.query<{ hostId: number }>('SELECT DISTINCT host_id AS "hostId" FROM state_transitions WHERE id > ? AND host_id IS NOT NULL', [before])).map((r) => Number(r.hostId)),
        );
        for (const id of batch) {
          const name = nameById.get(id)!;
          const [a, b, d] = [list1.get(id), list2.get(id), details.get(id)!];
          const summary = `list ${a?.severity}${a?.online ? '' : ' offline'}, detail ${d.severity}`;
          seen.set(summary, (seen.get(summary) ?? 0) + 1);
          // Services follow host severities, so a host without a transition kept its service part too.
          const steady = a && b && !moved.has(id) && a.severity === b.severity && a.online === b.online;
          if (!steady) {
            inconclusive += 1;
            continue;
          }
          const expectedPart = evaluateService({ id: 0, name: '', dependencies: [{ name, hostIds: [id] }], redundancyGroups: [] }, () => a.severity).parts[0]!.severity;
          const views: Record<string, unknown> = {
            list: a.severity,
            detail: d.severity,
            service: services1.get(name),
            listOnline: a.online,
            detailOnline: d.host.connectedSince != null,
          };
          const presence = (x: unknown) => (x as { presence?: { state?: string } }).presence?.state;
          const listPresence = presence(a);
          const detailPresence = presence(d) ?? presence(d.host);
          const agree =
            d.severity === a.severity && services1.get(name) === expectedPart && (d.host.connectedSince != null) === a.online && (listPresence === undefined || detailPresence === undefined || listPresence === detailPresence);
          if (!agree) {
            disagreements += 1;
            if (disagreementExamples.length < 8) disagreementExamples.push(`${label}: ${name} ${JSON.stringify({ ...views, expectedServicePart: expectedPart, listPresence, detailPresence })}`);
          }
        }
      }
      stateChecks.push({ label, disagreements, inconclusive });
      say(`states compared (${label}, days ${dayStarted.toFixed(2)}–${simDay().toFixed(2)}, ${((Date.now() - checkStarted) / 1000).toFixed(1)} s, of which lists and services ${(reportsMs / 1000).toFixed(1)} s, details ${(detailsMs / 1000).toFixed(1)} s): ${disagreements} disagreements, ${inconclusive} hosts changing meanwhile; seen: ${[...seen].map(([k, n]) => `${n} × ${k}`).join('; ')}`);
    };

    /** What the housekeeping status says about each growing table (rows, bytes), for the record. */
    const tableSummary = async (label: string) => {
      const status = await api.call<{ tables: { table: string; rows: number; bytes: number | null; partitions: number | null }[]; lastRun: unknown }>('GET', '/housekeeping').catch(() => undefined);
      if (!status) return;
      const mib = (b: number | null) => (b === null ? '?' : `${(b / 1_048_576).toFixed(2)} MiB`);
      say(`tables (${label}): ${status.tables.map((t) => `${t.table} ${t.rows} rows ${mib(t.bytes)}${t.partitions === null ? '' : ` ${t.partitions} partitions`}`).join(', ')}`);
    };
    void untilSimDay(Math.min(2, args.days - 1))
      .then(() => tableSummary(`day ${simDay().toFixed(2)}`))
      .catch(() => undefined);

    // ------------------------------------------------------------ faults
    // Three tracks run side by side, at simulated days scaled from a week (u = days / 7): the
    // agents (stopped at 1.0·u, started again 6 simulated hours later), the link of site 0 (cut at
    // 1.5·u for one simulated day) and the core (SIGKILL while site 0 drains its backlog, stop and
    // start with its broker at 4.2·u, SIGKILL at 5.2·u). A restart costs real seconds, i.e. simulated hours, so a core
    // fault may run late; one that would start in the last simulated day is skipped (counted).
    // State checks and core faults never overlap: a check reads a core that is up.
    const u = args.days / 7;
    let faultsSkipped = 0;
    let coreKills = 0;
    let coreRestarts = 0;
    let agentRestarts = 0;
    const orphans: number[] = [];
    let coreTurn: Promise<unknown> = Promise.resolve();
    const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
      const next = coreTurn.then(work);
      coreTurn = next.catch(() => undefined);
      return next;
    };
    const restartCore = async (signal: 'SIGTERM' | 'SIGKILL') => {
      const left = await stopCore(signal);
      if (signal === 'SIGKILL') {
        coreKills += 1;
        orphans.push(...left);
        if (left.length) say(`${left.length} process(es) of the killed core still alive: ${left.join(', ')}`);
      }
      // Whatever outlived it is ended now (by pid), so the next core starts on free ports.
      for (const pid of left) if (alive(pid)) process.kill(pid, 'SIGKILL');
      await launch();
      coreRestarts += 1;
      say(`day ${simDay().toFixed(2)}: core back`);
    };
    const coreFault = async (day: number, signal: 'SIGTERM' | 'SIGKILL', label: string) => {
      await untilSimDay(day);
      const done = await exclusive(async () => {
        if (simDay() > args.days - 1) {
          faultsSkipped += 1;
          say(`day ${simDay().toFixed(2)}: ${label} skipped (the last simulated day stays free of faults)`);
          return false;
        }
        say(`day ${simDay().toFixed(2)}: ${label}`);
        await restartCore(signal);
        return true;
      });
      if (!done) return;
      await untilSimDay(simDay() + 0.1);
      await exclusive(() => checkStates(`after ${label}`));
    };

    // Agents stopped and restarted: the cohorts of site 2 (or 1) up to a tenth of the hosts.
    const restartSite = args.sites > 2 ? 2 : 1;
    const restartSet = cohorts.filter((c) => c.site === restartSite).slice(0, Math.max(1, Math.round(args.hosts / 10 / 25)));
    const agentTrack = async () => {
      await untilSimDay(1.0 * u);
      say(`day ${simDay().toFixed(2)}: stopping ${restartSet.reduce((n, c) => n + c.names.length, 0)} agents of site ${restartSite}`);
      await Promise.all(restartSet.map((c) => c.sim.stop()));
      await untilSimDay(1.0 * u + 0.25);
      for (const c of restartSet) {
        c.sim = await makeSimulator(c, false);
        agentRestarts += c.names.length;
      }
      say(`day ${simDay().toFixed(2)}: agents started again`);
    };
    let siteBack!: () => void;
    const siteIsBack = new Promise<void>((resolve) => (siteBack = resolve));
    const linkTrack = async () => {
      const cutAt = 1.5 * u;
      await untilSimDay(cutAt);
      link.cut();
      say(`day ${simDay().toFixed(2)}: site 0 cut off`);
      // The check does not hold the link: the site comes back after one simulated day whatever it does.
      const check = untilSimDay(cutAt + 0.5).then(() => exclusive(() => checkStates('site 0 cut off')));
      await untilSimDay(cutAt + 1);
      link.restore();
      say(`day ${simDay().toFixed(2)}: site 0 back`);
      siteBack();
      await check;
    };
    const coreTrack = async () => {
      // The first SIGKILL comes while site 0 drains the day it buffered: transitions are being
      // committed and alerted as fast as they come.
      await siteIsBack;
      const site0 = () => cohorts.filter((c) => c.site === 0).flatMap((c) => c.sim.agents);
      await until('site 0 reconnected', () => site0().every((a) => a.agent.connection.connected), 30_000, 100).catch(() => undefined);
      await sleep(300);
      await coreFault(simDay(), 'SIGKILL', 'SIGKILL to the core while site 0 drains its backlog');
      await coreFault(4.2 * u, 'SIGTERM', 'the core and its broker restarted');
      await coreFault(5.2 * u, 'SIGKILL', 'SIGKILL to the core');
    };
    await Promise.all([agentTrack(), linkTrack(), coreTrack()]);

    await untilSimDay(args.days);
    const dbEnd = await reader.size();
    // Kept runs keep the database as it was at the end of the soak too (SQLite), before the
    // settling time lets retention empty it.
    if (process.env.PROPHASIS_SOAK_KEEP && args.db === 'sqlite') await reader.query(`VACUUM INTO '${join(dir, 'at-end.sqlite')}'`).catch(() => undefined);
    await tableSummary(`day ${simDay().toFixed(2)}`);
    sizes.push({ day: simDay(), ...dbEnd });
    const soakSeconds = (Date.now() - soakStart) / 1000;
    say(`day ${simDay().toFixed(2)}: end of the soak; settling`);

    // ------------------------------------------------------------ settle and judge
    const agentsNow = () => cohorts.flatMap((c) => c.sim.agents);
    await until('every outbox drained', () => agentsNow().every((a) => a.agent.connection.connected && a.agent.outbox.depth() === 0), 60_000, 500).catch((err: unknown) =>
      say(`${(err as Error).message}; judging anyway`),
    );
    await checkStates('end');
    await Promise.all(cohorts.map((c) => c.sim.stop()));
    await sleep(2_000);
    watching = false;
    await Promise.all(watchers);
    await verifyResults(false);
    // What is still retained is looked up once more: found earlier is not enough if it went later.
    for (const [id, a] of acked) if (a.found && a.measuredAt >= retentionCutoff()) pending.add(id);
    await verifyResults(true);
    await scanDuplicates();
    // Deliveries trail their transitions: wait until every transition seen has its notice, or nothing moves for 15 s.
    await readTransitions();
    /** Expected notices per transition: the larger count of the table and the event stream. */
    const expectedNotices = () => {
      const out = new Map(ledger);
      for (const [key, n] of streamed) out.set(key, Math.max(n, out.get(key) ?? 0));
      return out;
    };
    let lastCount = -1;
    let quietSince = Date.now();
    await until(
      'the alerts to settle',
      async () => {
        await readTransitions();
        const expected = [...expectedNotices().values()].reduce((a, b) => a + b, 0);
        const received = receiver.notices.filter(isHostTransitionNotice).length;
        if (received !== lastCount) {
          lastCount = received;
          quietSince = Date.now();
        }
        return received >= expected || Date.now() - quietSince > 15_000;
      },
      120_000,
      1_000,
    ).catch((err: unknown) => say(`${(err as Error).message}; judging anyway`));
    await events.stop();
    const expectedByKey = expectedNotices();
    const onlyStreamed = [...streamed.keys()].filter((k) => !ledger.has(k)).length;

    if (process.env.PROPHASIS_SOAK_KEEP) {
      await writeFile(join(dir, 'notices.json'), JSON.stringify(receiver.notices, null, 1));
      await writeFile(join(dir, 'transitions.json'), JSON.stringify({ table: [...ledger], stream: [...streamed] }, null, 1));
    }
    // Delivery is at least once (docs/alerts.md): a notice sent again under the same delivery id
    // (the core was killed between sending it and recording it) is a redelivery a receiver drops
    // by its Idempotency-Key, counted apart; a second delivery id for one transition is a duplicate.
    const received = new Map<string, number>();
    const deliveryIds = new Set<string>();
    let alertsRedelivered = 0;
    for (const n of receiver.notices) {
      if (!isHostTransitionNotice(n)) continue;
      if (n.deliveryId && deliveryIds.has(n.deliveryId)) {
        alertsRedelivered++;
        continue;
      }
      if (n.deliveryId) deliveryIds.add(n.deliveryId);
      const key = `${n.target.id}|${n.from}|${n.to}|${n.atMs}`;
      received.set(key, (received.get(key) ?? 0) + 1);
    }
    // A flapping host gets one notice when it starts and one when it stops instead of one per
    // change (docs/alerts.md, "Flapping"): its transitions in between are not expected.
    const flapping = new Map<number, { from: number; to: number }[]>();
    for (const n of [...receiver.notices].sort((a, b) => a.atMs - b.atMs)) {
      if (n.test || n.target.kind !== 'host') continue;
      const windows = flapping.get(n.target.id) ?? [];
      if (n.reason === 'flapping-started') windows.push({ from: n.atMs, to: Infinity });
      if (n.reason === 'flapping-stopped' && windows.at(-1)?.to === Infinity) windows.at(-1)!.to = n.atMs;
      flapping.set(n.target.id, windows);
    }
    const transitionsTotal = [...expectedByKey.values()].reduce((a, b) => a + b, 0);
    let suppressedByFlapping = 0;
    const duringFlapping = new Set<string>();
    for (const [key, n] of expectedByKey) {
      const [host, , , at] = key.split('|').map(Number) as [number, number, number, number];
      if ((flapping.get(host) ?? []).some((w) => at >= w.from && at <= w.to)) {
        expectedByKey.delete(key);
        duringFlapping.add(key);
        suppressedByFlapping += n;
      }
    }
    let alertsMissing = 0;
    let alertsDuplicated = 0;
    let alertsUnexpected = 0;
    for (const [key, n] of expectedByKey) alertsMissing += Math.max(0, n - (received.get(key) ?? 0));
    const alertExamples: string[] = [];
    const missingBy = new Map<string, number>();
    for (const [key, n] of expectedByKey) {
      const missing = n - (received.get(key) ?? 0);
      if (missing <= 0) continue;
      const { age, late } = ledgerAge.get(key)!;
      // Transitions written when already older than the retention can be removed before alerting reads them.
      const kind = `${late ? 'late' : 'on time'}, ${age > RETENTION_DAYS * DAY_MS ? 'older than the retention' : age > HOUR_MS ? 'over an hour old' : 'fresh'} when written`;
      missingBy.set(kind, (missingBy.get(kind) ?? 0) + missing);
      if (alertExamples.length < 5) alertExamples.push(`alert missing: host|from|to|at ${key} (day ${((Number(key.split('|')[3]) - soakStart) / DAY_MS).toFixed(2)}, ${kind})`);
    }
    if (missingBy.size) alertExamples.push(`alerts missing by kind: ${[...missingBy].map(([k, n]) => `${n} ${k}`).join('; ')}`);
    // A notice for a transition the bench never saw, when that transition was already older than
    // the retention on arrival: the housekeeper may have removed it from the table before the
    // bench read it, while the bench's event stream was down (a restart). Not judged.
    const arrivedExpired = new Set(
      receiver.notices.filter((n) => warpedTime(warp, n.receivedAt) - n.atMs > RETENTION_DAYS * DAY_MS - RETENTION_MARGIN_MS).map((n) => `${n.target.id}|${n.from}|${n.to}|${n.atMs}`),
    );
    let alertsUnverifiable = 0;
    for (const [key, n] of received) {
      if (duringFlapping.has(key)) continue;
      const expected = expectedByKey.get(key);
      if (expected === undefined && arrivedExpired.has(key)) alertsUnverifiable += n;
      else if (expected === undefined) alertsUnexpected += n;
      else alertsDuplicated += Math.max(0, n - expected);
      if ((expected === undefined || n > expected) && alertExamples.length < 10) alertExamples.push(`alert ${expected === undefined ? 'for no transition seen' : 'repeated'}: ${key} × ${n}`);
    }

    // Size: it grows through the first simulated day (nothing has expired yet) and must not go on
    // growing once retention applies. Judged on the space in use (SQLite keeps the pages a burst
    // after a fault needed, so its file is a high-water mark) and on the largest size of a whole
    // simulated day, because retention trims in steps (PostgreSQL drops a day's partition once all
    // of it expired): the last day's against that of the day one and a half days before it, per
    // day, compared with the growth of the first day; above a fifth of it, the database still grows
    // — unless that is at most NOISE_BYTES_PER_DAY, the page-granular noise of a database as small
    // as the short form's (its whole retained day is about 0.2 MiB: a backlog drained after a
    // fault, or one more WAL checkpoint, moves it by a few dozen pages).
    const sizeAt = (day: number) => sizes.filter((s) => s.day <= day).at(-1) ?? dbStart;
    const maxUsed = (from: number, to: number) => Math.max(...sizes.filter((s) => s.day >= from && s.day <= to).map((s) => s.used), 0);
    const fromDay = Math.max(1, args.days - 2.5);
    const firstDayGrowth = sizeAt(1).used - dbStart.used;
    const lateGrowthPerDay = (maxUsed(args.days - 1, args.days) - maxUsed(fromDay, fromDay + 1)) / (args.days - 1 - fromDay);
    const lateGrowthRatio = firstDayGrowth > 0 ? Number((lateGrowthPerDay / firstDayGrowth).toFixed(3)) : lateGrowthPerDay > 0 ? 1 : 0;
    const dbMax = Math.max(...sizes.map((s) => s.bytes));
    const byHalfDay = new Map<number, DbSize>();
    for (const { day, ...size } of sizes) byHalfDay.set(Math.floor(day * 2) / 2, size);
    const mib = (b: number) => (b / 1_048_576).toFixed(2);
    say(`database size by simulated day (in use / on disk, MiB): ${[...byHalfDay].map(([d, b]) => `${d}: ${mib(b.used)} / ${mib(b.bytes)}`).join(', ')}`);

    for (const line of [...disagreementExamples, ...alertExamples, ...lostExamples.map((id) => `lost: ${id} ${JSON.stringify(acked.get(id))}`)]) say(line);
    if (watchError.length) say(`${watchError.length} watcher rounds failed; first: ${(watchError[0] as Error).message}`);
    printFigures({
      bench: 'soak',
      db: args.db,
      hosts: args.hosts,
      sites: args.sites,
      days: args.days,
      soak_seconds: Number(soakSeconds.toFixed(1)),
      time_scale: Math.round(scale),
      every_ms_simulated: everyMs,
      results_acked: acked.size,
      results_lost: lost,
      results_duplicated: [...duplicateRows.values()].reduce((a, b) => a + b, 0),
      transitions: transitionsTotal,
      transitions_read: transitionsRead,
      transitions_only_streamed: onlyStreamed,
      alerts_received: receiver.notices.length,
      alerts_other_reasons: receiver.notices.filter((n) => !n.test && !isHostTransitionNotice(n)).length,
      alerts_suppressed_by_flapping: suppressedByFlapping,
      alerts_unverifiable: alertsUnverifiable,
      alerts_missing: alertsMissing,
      alerts_duplicated: alertsDuplicated,
      alerts_redelivered: alertsRedelivered,
      alerts_unexpected: alertsUnexpected,
      state_checks: stateChecks.length,
      state_disagreements: stateChecks.reduce((a, c) => a + c.disagreements, 0),
      state_inconclusive: stateChecks.reduce((a, c) => a + c.inconclusive, 0),
      db_bytes_start: dbStart.bytes,
      db_bytes_end: dbEnd.bytes,
      db_bytes_max: dbMax,
      db_used_bytes_start: dbStart.used,
      db_used_bytes_day1: sizeAt(1).used,
      db_used_bytes_end: dbEnd.used,
      db_late_growth_from_day: Number(fromDay.toFixed(1)),
      db_late_growth_per_day_bytes: Math.round(lateGrowthPerDay),
      db_late_growth_ratio: lateGrowthRatio,
      db_stopped_growing: lateGrowthRatio <= 0.2 || lateGrowthPerDay <= NOISE_BYTES_PER_DAY,
      children_orphaned: orphans.length,
      core_kills: coreKills,
      core_restarts: coreRestarts,
      agents_restarted: agentRestarts,
      faults_skipped: faultsSkipped,
      core_stops_over_30_s: stopsTooSlow,
      watcher_errors: watchError.length,
      load_avg_1m: load(),
      seconds: elapsed(),
    });
  } catch (err) {
    if (core) console.error(`core output (last lines):\n${core.output().slice(-6000)}`);
    throw err;
  } finally {
    // The core first (nothing below may keep it alive), then the rest, each step bounded.
    const bounded = (step: () => Promise<unknown>) =>
      Promise.race([step(), sleep(20_000).then(() => logger.warn('a soak cleanup step did not finish within 20 s'))]).catch((err: unknown) => logger.warn({ err }, 'soak cleanup step failed'));
    if (core && alive(core.pid)) {
      for (const pid of descendants(core.pid)) strays.add(pid);
      core.child.kill('SIGTERM');
      await Promise.race([core.exited, sleep(20_000)]);
    }
    for (const pid of strays) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const cleanup of cleanups.reverse()) await bounded(cleanup);
    for (const cleanup of databaseCleanups) await bounded(cleanup);
    if (process.env.PROPHASIS_SOAK_KEEP) console.error(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
