// npm run bench -- failover [--cores 2] [--agents 200] [--seconds 120] [--every 5] [--pg-url URL]
//
// Several cores on one PostgreSQL and one broker, and one of them SIGKILLed
// (docs/high-availability.md, issue #19).
//
// A Mosquitto started here (Debian's `mosquitto`, TLS on a free port with a CA made for the run,
// anonymous: a bench, not a deployment), a fresh PostgreSQL database (`prophasis_failover_<pid>`
// next to PROPHASIS_TEST_POSTGRES_URL or --pg-url), and --cores core processes
// (`core/bin/prophasis.mjs start`, PROPHASIS_CLUSTER=on, one shared data directory: the site key,
// the action-link key and the plugin bundles are the cluster's). Set up through core-1's REST API:
// --agents hosts with enrolment tokens, one check (cpu-load, whose scenario spikes every 24 runs,
// so hosts change state), a schedule every --every seconds, an alert on every host state change
// with a webhook to a receiver here. The simulated agents (real MQTT clients over TLS, enrolled
// through the broker) run in a process of their own (bench/_failover-agents.ts).
//
// Timeline, --seconds split in three: core-1 alone; every core (the leases balance); core-1
// SIGKILLed (it holds half the partitions and duties) and the others take over. Then the agents
// stop, and the bench waits for what the broker acknowledged to be stored.
//
// Last line: {"bench":"failover", takeover_s (kill → every lease held again by a live core),
// results_acked, results_lost (acknowledged by the broker, never stored), results_duplicated
// (stored twice), transitions, alerts_lost (a host transition without its notice), alerts_duplicated
// (a transition notified twice), stored_per_s_1_core, stored_per_s_n_cores (at the offered rate),
// offered_per_s, …}. Every process it started is ended by pid; the folder and database are removed.
import { ensurePki } from '@prophasis/broker';
import { createLogger, silentLogger, type Logger } from '@prophasis/protocol';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { QueryTypes, Sequelize } from 'sequelize';
import { benchArgs, printFigures, refuse } from './_args.js';
import { alive, descendants } from './_proc.js';
import type { FromAgents, ToAgents } from './_failover-agents.js';
import { nextMessage } from './_ipc.js';

const args = benchArgs({ cores: 2, agents: 200, seconds: 120, every: 5, 'pg-url': process.env.PROPHASIS_TEST_POSTGRES_URL ?? '' });
if (!Number.isInteger(args.cores) || args.cores < 2 || args.cores > 8) refuse('--cores must be an integer from 2 to 8');
if (!Number.isInteger(args.agents) || args.agents < 2) refuse('--agents must be an integer ≥ 2');
if (!(args.seconds >= 30)) refuse('--seconds must be at least 30');
if (!(args.every >= 1)) refuse('--every must be at least 1 (seconds between an agent’s results)');
if (!args['pg-url']) refuse('the failover bench needs PostgreSQL: PROPHASIS_TEST_POSTGRES_URL=postgres://USER@HOST:5432/DB or --pg-url URL');

const HERE = dirname(fileURLToPath(import.meta.url));
const CORE_BIN = join(HERE, '..', 'core', 'bin', 'prophasis.mjs');
const AGENTS = join(HERE, '_failover-agents.ts');
const PLUGIN = 'io.prophasis.cpu-load';
/** cpu-load's scenario: one spike (> 90 %: major) every 24 runs, so hosts change state now and then (too rarely to flap). */
const CYCLE = [...Array.from({ length: 23 }, () => 20), 95];
const ADMIN = { name: 'failover-admin', password: `fo-${Math.random().toString(36).slice(2)}-pw-${Date.now()}` };
const logger: Logger = createLogger({ name: 'bench-failover', level: process.env.PROPHASIS_LOG_LEVEL ?? 'error', destination: pino.destination(2) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = performance.now();
const say = (line: string) => console.log(`[failover ${((performance.now() - started) / 1000).toFixed(1)} s] ${line}`);

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

interface Child {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  output(): string;
}

function startChild(name: string, command: string, argv: string[], env: NodeJS.ProcessEnv, logFile: string): Child {
  const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  let output = '';
  const take = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-200_000);
    void appendFile(logFile, text);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { name, pid: child.pid, child, exited, output: () => output };
}

function createApi(baseUrl: string) {
  let cookie = '';
  const raw = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
    const session = response.headers.get('set-cookie')?.match(/prophasis_session=[^;]+/)?.[0];
    if (session) cookie = session;
    return response;
  };
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await raw(method, path, body);
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async setup(token: string) {
      const response = await raw('POST', '/setup', { token, ...ADMIN });
      if (response.status !== 201) throw new Error(`first-run setup failed: HTTP ${response.status} ${await response.text()}`);
    },
  };
}

interface Notice {
  target: { kind: string; id: number };
  from: string;
  to: string;
  atMs: number;
  test: boolean;
  reason?: string;
}

async function createReceiver() {
  const notices: Notice[] = [];
  const server: HttpServer = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      try {
        notices.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notice);
        response.writeHead(200).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/failover`, notices, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'prophasis-bench-failover-'));
  const coreDir = join(dir, 'core');
  await mkdir(coreDir, { recursive: true });
  const children: Child[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const onSignal = () => {
    for (const c of children) for (const pid of [c.pid, ...descendants(c.pid)]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const dbName = `prophasis_failover_${process.pid}`;
  const admin = new Sequelize(args['pg-url'], { logging: false, dialect: 'postgres' });
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(args['pg-url']);
  dbUrl.pathname = `/${dbName}`;
  const db = new Sequelize(dbUrl.toString(), { logging: false, dialect: 'postgres', pool: { max: 2 } });
  const query = <T extends object>(sql: string, bind: unknown[] = []) => db.query<T>(sql, { bind, type: QueryTypes.SELECT });
  const figures: Record<string, string | number | boolean> = { bench: 'failover', cores: args.cores, agents: args.agents, seconds: args.seconds };

  try {
    // ---------------------------------------------------------------- the broker: Mosquitto over TLS
    const pki = await ensurePki(join(dir, 'pki'), { hostnames: ['localhost'], ips: ['127.0.0.1'], logger: silentLogger() });
    await writeFile(join(dir, 'ca.pem'), pki.caCertPem);
    await writeFile(join(dir, 'server.pem'), pki.serverCertPem);
    await writeFile(join(dir, 'server.key'), pki.serverKeyPem, { mode: 0o600 });
    // A free port may be taken by another process before Mosquitto binds it: then another one.
    let mqttPort = 0;
    for (let attempt = 1; ; attempt++) {
      mqttPort = await freePort();
      await writeFile(
        join(dir, 'mosquitto.conf'),
        [
          // Run as us: as root, Mosquitto would switch to its own user, who cannot read our private folder.
          `user ${userInfo().username}`,
          'per_listener_settings false',
          'allow_anonymous true',
          'persistence false',
          // The partitions' sessions hold what arrives while no core serves them.
          'max_queued_messages 100000',
          'max_inflight_messages 100',
          `listener ${mqttPort} 127.0.0.1`,
          `cafile ${join(dir, 'ca.pem')}`,
          `certfile ${join(dir, 'server.pem')}`,
          `keyfile ${join(dir, 'server.key')}`,
          'log_type error',
          '',
        ].join('\n'),
      );
      const mosquitto = startChild('mosquitto', '/usr/sbin/mosquitto', ['-c', join(dir, 'mosquitto.conf')], process.env, join(dir, 'mosquitto.log'));
      children.push(mosquitto);
      let gone = false;
      void mosquitto.exited.then(() => (gone = true));
      const port = mqttPort;
      const listening = await until(
        'Mosquitto listening',
        async () =>
          gone ||
          new Promise<boolean>((resolve) => {
            const probe = connect(port, '127.0.0.1');
            probe.once('connect', () => (probe.destroy(), resolve(true)));
            probe.once('error', () => resolve(false));
          }),
        10_000,
        100,
      ).then(() => !gone);
      if (listening) break;
      if (attempt >= 3) throw new Error(`Mosquitto did not start: ${mosquitto.output()}`);
    }

    // ---------------------------------------------------------------- the cores
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PROPHASIS_') && k !== 'DATABASE_URL'));
    const configFile = join(dir, 'core-config.json');
    await writeFile(configFile, JSON.stringify({ httpHost: '127.0.0.1', logLevel: process.env.PROPHASIS_FAILOVER_CORE_LOG_LEVEL ?? 'warn' }));
    const cores: { id: string; port: number; proc?: Child }[] = [];
    for (let i = 1; i <= args.cores; i++) cores.push({ id: `core-${i}`, port: await freePort() });
    const clientPrefix = `bench-failover-${process.pid}`;
    const launch = async (core: (typeof cores)[number]) => {
      const proc = startChild(
        core.id,
        process.execPath,
        [CORE_BIN, 'start'],
        {
          ...inherited,
          PROPHASIS_CONFIG: configFile,
          PROPHASIS_DATA_DIR: coreDir,
          PROPHASIS_HTTP_PORT: String(core.port),
          PROPHASIS_LOCAL_MARKETPLACE: 'false',
          DATABASE_URL: dbUrl.toString(),
          PROPHASIS_MQTT_URL: `mqtts://127.0.0.1:${mqttPort}`,
          PROPHASIS_MQTT_CA_FILE: join(dir, 'ca.pem'),
          PROPHASIS_MQTT_CLIENT_ID: clientPrefix,
          PROPHASIS_CLUSTER: 'on',
          PROPHASIS_CLUSTER_CORE_ID: core.id,
          PROPHASIS_PIPELINE_NO_DATA_SWEEP_MS: '1000',
          PROPHASIS_ALERT_BACKOFF_MS: '1000',
        },
        join(dir, `${core.id}.log`),
      );
      core.proc = proc;
      children.push(proc);
      let gone = false;
      void proc.exited.then(() => (gone = true));
      await until(
        `${core.id} to answer /api/health`,
        async () => {
          if (gone) throw new Error(`${core.id} exited while starting:\n${proc.output().slice(-4000)}`);
          return fetch(`http://127.0.0.1:${core.port}/api/health`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
        },
        120_000,
      );
    };
    const leaseOwners = async () => query<{ owner: string | null; n: number }>(`SELECT owner, count(*)::int AS n FROM cluster_leases WHERE expires_at > (extract(epoch from clock_timestamp()) * 1000)::bigint GROUP BY owner`);
    const leaseCount = async () => Number((await query<{ n: number }>(`SELECT count(*)::int AS n FROM cluster_leases`))[0]?.n ?? 0);

    await launch(cores[0]!);
    say(`core-1 on :${cores[0]!.port}; Mosquitto (TLS) :${mqttPort}; PostgreSQL ${dbName}`);
    let setupToken: string | undefined;
    await until('the setup link', () => !!(setupToken = cores[0]!.proc!.output().match(/\/setup\?token=([A-Za-z0-9_-]+)/)?.[1]), 30_000);
    const api = createApi(`http://127.0.0.1:${cores[0]!.port}`);
    await api.setup(setupToken!);
    await api.call('PUT', '/settings', { maxLatenessMs: 15_000 });
    const receiver = await createReceiver();
    cleanups.push(() => receiver.close());

    const names = Array.from({ length: args.agents }, (_, i) => `fo-${String(i).padStart(4, '0')}`);
    const hostIdByName = new Map<string, number>();
    const tokens = new Map<string, string>();
    let caFingerprint = '';
    for (const name of names) {
      const host = await api.call<{ id: number }>('POST', '/hosts', { name });
      hostIdByName.set(name, host.id);
      const ticket = await api.call<{ token: string; caFingerprint: string }>('POST', `/hosts/${host.id}/enrolment`, { server: `127.0.0.1:${mqttPort}`, ttlMinutes: 120 });
      tokens.set(name, ticket.token);
      caFingerprint = ticket.caFingerprint;
    }
    const group = await api.call<{ id: number }>('POST', '/groups', { name: 'failover', hostIds: [...hostIdByName.values()], groupIds: [] });
    const states = ['ok', 'minor', 'major', 'critical', 'degraded', 'unknown', 'no_data'];
    await api.call('POST', '/alerts', {
      name: 'failover: every host state change',
      enabled: true,
      fromStates: states,
      toStates: states,
      scopes: { hostIds: [], groupIds: [group.id], serviceIds: [], pluginIds: [], checkIds: [] },
      module: 'webhook',
      settings: { url: receiver.url, format: 'json', timeoutSeconds: 10 },
    });
    const check = await api.call<{ id: number }>('POST', '/checks', { name: 'failover', hostIds: [], groupIds: [group.id], plugins: [{ pluginId: PLUGIN, params: {} }] });
    await api.call('POST', '/schedules', { name: 'failover', enabled: true, checkIds: [check.id], intervals: [{ start: 0, everyMs: args.every * 1000 }] });

    // ---------------------------------------------------------------- the agents
    const acked = new Map<string, number>();
    const scenario = {
      hosts: {
        ...Object.fromEntries(names.map((n, i) => [n, { [PLUGIN]: { values: [...CYCLE.slice(i % CYCLE.length), ...CYCLE.slice(0, i % CYCLE.length)] } }])),
        '*': { '*': { value: 1 } },
      },
    };
    // Every host transition from here on is judged, the agents' first results included.
    const [{ first } = { first: 0 }] = await query<{ first: number }>(`SELECT COALESCE(MAX(id), 0)::bigint AS first FROM state_transitions`);
    const agents = fork(AGENTS, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    if (agents.pid !== undefined) children.push({ name: 'agents', pid: agents.pid, child: agents, exited: new Promise((resolve) => agents.once('exit', () => resolve())), output: () => '' });
    agents.on('message', (m: FromAgents) => {
      if (m.type === 'acked') for (const id of m.ids) if (!acked.has(id)) acked.set(id, Date.now());
      if (m.type === 'failed') logger.error({ message: m.message }, 'the agents’ process failed');
    });
    const ready = nextMessage<FromAgents, 'ready'>(agents, 'ready', 300_000);
    agents.send({ type: 'start', agents: names.map((n) => ({ token: tokens.get(n)!, hostName: n })), server: `127.0.0.1:${mqttPort}`, caFingerprint, scenario, dataDir: join(dir, 'sim') } satisfies ToAgents);
    await ready;
    let agentsStopped = false;
    const stopAgents = async () => {
      if (agentsStopped) return;
      agentsStopped = true;
      const stopped = nextMessage<FromAgents, 'stopped'>(agents, 'stopped', 60_000);
      agents.send({ type: 'stop' } satisfies ToAgents);
      await stopped;
    };
    cleanups.push(() => stopAgents().catch(() => undefined));
    await until('results from every agent', async () => Number((await query<{ n: number }>(`SELECT count(DISTINCT host_id)::int AS n FROM results`))[0]?.n ?? 0) >= args.agents, 60_000, 1_000);
    say(`${args.agents} agents enrolled through the broker and delivering, one result per ${args.every} s each`);

    const storedCount = async () => Number((await query<{ n: number }>(`SELECT count(*)::int AS n FROM results`))[0]?.n ?? 0);
    const rateOver = async (ms: number) => {
      const a = await storedCount();
      const t = Date.now();
      await sleep(ms);
      return ((await storedCount()) - a) / ((Date.now() - t) / 1000);
    };
    const third = (args.seconds * 1000) / 3;
    figures.offered_per_s = Number((args.agents / args.every).toFixed(1));
    figures.stored_per_s_1_core = Number((await rateOver(third)).toFixed(1));

    for (const core of cores.slice(1)) await launch(core);
    await until('the leases balanced over every core', async () => (await leaseOwners()).filter((o) => o.owner).length === args.cores, 60_000, 200);
    say(`every core up: ${JSON.stringify(await leaseOwners())}`);
    figures.stored_per_s_n_cores = Number((await rateOver(third)).toFixed(1));

    // ---------------------------------------------------------------- SIGKILL core-1
    const victim = cores[0]!;
    const total = await leaseCount();
    const killedAt = Date.now();
    victim.proc!.child.kill('SIGKILL');
    await victim.proc!.exited;
    say(`SIGKILL to ${victim.id} (pid ${victim.proc!.pid})`);
    await until(
      'every lease held by a live core',
      async () => {
        const owners = await leaseOwners();
        return owners.filter((o) => o.owner && o.owner !== victim.id).reduce((n, o) => n + Number(o.n), 0) === total;
      },
      60_000,
      100,
    );
    figures.takeover_s = Number(((Date.now() - killedAt) / 1000).toFixed(1));
    say(`taken over in ${figures.takeover_s} s: ${JSON.stringify(await leaseOwners())}`);
    await sleep(third);

    // ---------------------------------------------------------------- stop, drain, judge
    await stopAgents();
    const ids = [...acked.keys()];
    const found = new Set<string>();
    const lookUp = async () => {
      const missing = ids.filter((id) => !found.has(id));
      for (let i = 0; i < missing.length; i += 1000) {
        const rows = await query<{ id: string }>(`SELECT result_id AS id FROM results WHERE result_id = ANY($1::text[])`, [missing.slice(i, i + 1000)]);
        for (const r of rows) found.add(r.id);
      }
      return found.size === ids.length;
    };
    await until('every acknowledged result stored', lookUp, 60_000, 1_000).catch(() => undefined);
    // Twice: the same result id, or two rows (a result, a no_data) for one slot of one series.
    const duplicates = await query<{ n: number }>(
      `SELECT (SELECT COALESCE(SUM(c - 1), 0) FROM (SELECT count(*) AS c FROM results GROUP BY result_id HAVING count(*) > 1) d)::int
            + (SELECT COALESCE(SUM(c - 1), 0) FROM (SELECT count(*) AS c FROM results WHERE slot_at IS NOT NULL GROUP BY host_id, plugin_id, check_id, slot_at HAVING count(*) > 1) s)::int AS n`,
    );
    figures.no_data_rows = Number((await query<{ n: number }>(`SELECT count(*)::int AS n FROM results WHERE severity = 'no_data'`))[0]?.n ?? 0);
    figures.results_acked = ids.length;
    figures.results_lost = ids.length - found.size;
    figures.results_duplicated = Number(duplicates[0]?.n ?? 0);

    // Host transitions against the notices: each exactly once (the queue retries every second).
    const transitionKeys = async () =>
      (
        await query<{ host_id: number; from_state: string; to_state: string; at: number }>(
          `SELECT host_id, from_state, to_state, at FROM state_transitions WHERE id > $1 AND host_id IS NOT NULL AND plugin_id IS NULL AND service_id IS NULL`,
          [first],
        )
      ).map((t) => `${t.host_id}|${t.from_state}|${t.to_state}|${Number(t.at)}`);
    const noticeCounts = () => {
      const counts = new Map<string, number>();
      for (const n of receiver.notices) {
        // Any reason: a transition that starts flapping is notified as `flapping-started`.
        if (n.test || n.target.kind !== 'host') continue;
        const key = `${n.target.id}|${n.from}|${n.to}|${n.atMs}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    };
    await until('every transition notified', async () => {
      const counts = noticeCounts();
      return (await transitionKeys()).every((k) => counts.has(k));
    }, 30_000, 1_000).catch(() => undefined);
    const keys = await transitionKeys();
    const counts = noticeCounts();
    figures.transitions = keys.length;
    figures.alerts_lost = keys.filter((k) => !counts.has(k)).length;
    figures.alerts_duplicated = [...counts.values()].reduce((n, c) => n + (c - 1), 0);
    const stray = [...counts.keys()].filter((k) => !keys.includes(k));
    figures.notices_without_transition = stray.length;
    if (stray.length > 0) say(`notices without a transition, e.g. ${stray.slice(0, 3).join(', ')}; reasons ${JSON.stringify(Object.fromEntries(Object.entries(Object.groupBy(receiver.notices.filter((n) => stray.includes(`${n.target.id}|${n.from}|${n.to}|${n.atMs}`)), (n) => n.reason ?? 'none')).map(([r, l]) => [r, l?.length ?? 0])))}`);
    const lostKeys = keys.filter((k) => !counts.has(k));
    if (lostKeys.length > 0) {
      say(`transitions without a notice, e.g. ${lostKeys.slice(0, 3).join(', ')}`);
      for (const k of lostKeys.slice(0, 3)) {
        const host = Number(k.split('|')[0]);
        say(`  notices of host ${host}: ${JSON.stringify(receiver.notices.filter((n) => n.target.id === host).map((n) => [n.from, n.to, n.atMs, n.reason]))}`);
      }
    }
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    for (const c of children.reverse()) {
      if (!alive(c.pid)) continue;
      c.child.kill('SIGTERM');
      await Promise.race([c.exited, sleep(20_000)]);
      if (alive(c.pid)) c.child.kill('SIGKILL');
    }
    await db.close().catch(() => undefined);
    if (!process.env.PROPHASIS_FAILOVER_KEEP) await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.close();
    if (!process.env.PROPHASIS_FAILOVER_KEEP) await rm(dir, { recursive: true, force: true });
    else say(`kept ${dir}`);
  }
  printFigures(figures);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
