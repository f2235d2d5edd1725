// npm run bench -- connections [--agents N] [--seconds N] [--workers N] [--rate N]
//   [--settle S] [--policy agent|capped] [--broker-rate N] [--broker-burst N] [--semi-space-mib N]
//   [--tls-max 1.3|1.2] [--down-extra-s S]
//
// N agents connect over TLS (pinned CA, per-agent secrets, clean:false, Last Will, own cmd
// subscription, retained `online` state: what a real agent does) to the embedded broker,
// which runs in its own child process so that its RSS is measured alone. The agents live in
// `--workers` child processes (MQTT.js clients, many per process) that open at most `--rate`
// connections per second each. After `--settle` seconds (default 61: the agent resets its
// backoff only after a connection that lasted longer than a minute, so this is a fleet that
// has been up a while) the broker is stopped and a new one is started on the same session
// directory and port. Agents reconnect with the agent's own backoff code
// (agent/src/backoff.ts, its default 1 s → 60 s full jitter, and agent/src/connection.ts's
// rule of resetting it only after a connection that lasted 60 s); `--policy capped` tries the
// change proposed in docs/broker.md (ceiling at 5 s during the first minute of an outage).
// Figures: time until all are connected, broker RSS (idle, peak, settled) and bytes per
// connection, broker start and stop times, time until all are back after the restart,
// connection attempts and refusals, and the load average. Last line: one JSON object.
import { createLogger, type Logger } from '@prophasis/protocol';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, printFigures } from './_args.js';
import { nextMessage as nextMessageOf } from './_ipc.js';

const SELF = fileURLToPath(import.meta.url);
const role = process.env.BENCH_ROLE ?? 'main';

type ToMain =
  | { type: 'ready'; port: number; startMs: number; processMs: number }
  | { type: 'rss'; rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; clients: number; cpuMs: number }
  | { type: 'connected'; count: number; attempts: number; refused: number; resumed: number; cpuMs: number }
  | { type: 'loaded' }
  | { type: 'stopped'; stopMs: number };
type ToChild = { type: 'rss' } | { type: 'stop' } | { type: 'go' };

interface Shared {
  dir: string;
  pepperHex: string;
}

// ---------------------------------------------------------------- broker child process
async function brokerMain(): Promise<void> {
  const { createBroker, createSecretHasher, ensurePki, brokerDefaults } = await import('@prophasis/broker');
  const shared = JSON.parse(process.env.BENCH_SHARED!) as Shared;
  const port = Number(process.env.BENCH_PORT ?? '0');
  const logger: Logger = createLogger({ name: 'bench-broker', level: 'warn' });
  const pki = await ensurePki(join(shared.dir, 'pki'), { hostnames: ['localhost'], ips: ['127.0.0.1'], logger });
  const hashes = new Map(Object.entries(JSON.parse(await readFile(join(shared.dir, 'hashes.json'), 'utf8')) as Record<string, string>));
  const hasher = createSecretHasher(Buffer.from(shared.pepperHex, 'hex'));
  const limits = JSON.parse(process.env.BENCH_LIMITS ?? '{}') as { maxConnectionsPerSecond?: number; connectionBurst?: number; tlsMaxVersion?: 'TLSv1.2' | 'TLSv1.3'; tlsGroups?: string };
  const broker = createBroker(
    { ...brokerDefaults(join(shared.dir, 'sessions')), ...limits, port, host: '127.0.0.1', tls: pki },
    {
      logger,
      authenticator: {
        async authenticate({ clientId, password }) {
          const hash = hashes.get(clientId);
          if (!hash || !password || !hasher.verify(password.toString('utf8'), hash)) return { ok: false, reason: 'bad_credentials', message: 'wrong secret' };
          return { ok: true, identity: { role: 'agent', agentId: clientId } };
        },
      },
    },
  );
  const t0 = performance.now();
  const started = await broker.start();
  const startMs = performance.now() - t0;
  const send = (m: ToMain) => process.send!(m);
  process.on('message', (m: ToChild) => {
    if (m.type === 'rss') {
      const mem = process.memoryUsage();
      send({ type: 'rss', rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, heapTotalBytes: mem.heapTotal, clients: broker.clientCount(), cpuMs: cpuMs() });
    }
    if (m.type === 'stop') {
      const t1 = performance.now();
      void broker.stop().then(() => {
        send({ type: 'stopped', stopMs: performance.now() - t1 });
        process.exit(0);
      });
    }
  });
  // processMs: from this process's start (node, tsx, imports, PKI check) to listening.
  send({ type: 'ready', port: started.port, startMs, processMs: performance.now() });
}

// ---------------------------------------------------------------- agent worker process
async function workerMain(): Promise<void> {
  const mqtt = (await import('mqtt')).default;
  const { cmdTopic, stateTopic } = await import('@prophasis/protocol');
  const shared = JSON.parse(process.env.BENCH_SHARED!) as Shared;
  const port = Number(process.env.BENCH_PORT);
  const rate = Number(process.env.BENCH_RATE);
  const agents = JSON.parse(await readFile(process.env.BENCH_AGENTS!, 'utf8')) as [string, string][];
  const ca = await readFile(join(shared.dir, 'pki', 'ca.crt'), 'utf8');
  let connected = 0;
  let stopping = false;
  // What the agent publishes as its retained state: facts, bundle hashes (about 400 bytes).
  const STATE = JSON.stringify({ status: 'online', version: '0.1.0', platform: 'linux', arch: 'x64', hostname: 'bench-host.example.org', bundles: Array.from({ length: 4 }, (_, i) => ({ name: `bundle-${i}`, sha256: 'a'.repeat(64) })) });

  const { createBackoff } = await import('../agent/src/backoff.js');
  const { pinnedTlsOptions, resumeTlsSessions } = await import('../agent/src/tls.js');
  const { readAgentConfig } = await import('../agent/src/config.js');
  // The agent's own defaults (agent/src/config.ts): 1 s → 60 s, capped at 5 s during the
  // first minute of an outage, reset after a connection that lasted a minute.
  const defaults = readAgentConfig({}, { dataDir: shared.dir });
  const policy = {
    initialMs: defaults.reconnectInitialMs,
    maxMs: defaults.reconnectMaxMs,
    ...(process.env.BENCH_POLICY === 'uncapped' ? {} : { earlyMaxMs: defaults.reconnectEarlyMaxMs, earlyWindowMs: defaults.reconnectEarlyWindowMs }),
  };
  const resume = process.env.BENCH_RESUME !== '0';
  let attempts = 0;
  let refused = 0;
  let resumed = 0;

  function startAgent(agentId: string, secret: string): void {
    // The agent's own backoff (agent/src/backoff.ts) and reset rule (agent/src/connection.ts
    // onClose): reset only after a connection that lasted longer than reconnectResetAfterMs.
    const backoff = createBackoff(policy);
    let connectedAt: number | undefined;
    attempts++;
    const client = mqtt.connect({
      protocol: 'mqtts',
      host: '127.0.0.1',
      port,
      // The agent's TLS options: one secure context for the pinned CA, no host name check.
      ...pinnedTlsOptions(ca, '127.0.0.1'),
      clientId: agentId,
      username: agentId,
      password: secret,
      clean: false,
      keepalive: 30,
      protocolVersion: 4,
      reconnectPeriod: 0, // the agent's own backoff below, as in the real agent
      resubscribe: false,
      connectTimeout: defaults.connectTimeoutMs,
      will: { topic: stateTopic(agentId), payload: Buffer.from('{"status":"offline"}'), qos: 1, retain: true },
      manualConnect: true,
    });
    if (resume) resumeTlsSessions(client);
    client.connect();
    client.on('connect', (connack) => {
      if (connectedAt === undefined) connected++;
      if ((client.stream as unknown as { isSessionReused?(): boolean }).isSessionReused?.()) resumed++;
      connectedAt = Date.now();
      // As the agent (agent/src/connection.ts onConnect): subscribe unless the broker kept the
      // session, and publish the retained state on every connect.
      if (!connack.sessionPresent) client.subscribe(cmdTopic(agentId), { qos: 1 });
      client.publish(stateTopic(agentId), STATE, { qos: 1, retain: true });
    });
    client.on('error', (err: Error & { code?: unknown }) => {
      if (err.code === 3) refused++;
    });
    client.on('close', () => {
      if (connectedAt !== undefined) {
        connected--;
        if (Date.now() - connectedAt > defaults.reconnectResetAfterMs) backoff.reset();
      }
      connectedAt = undefined;
      if (stopping) return;
      setTimeout(() => {
        if (stopping) return;
        attempts++;
        client.reconnect();
      }, backoff.next().delayMs).unref();
    });
  }

  // Open connections at `rate` per second, in slices every 20 ms, once the main process says go
  // (so that loading the modules is not counted).
  let next = 0;
  let opener: NodeJS.Timeout | undefined;
  const perTick = Math.max(1, Math.round(rate / 50));
  const reporter = setInterval(() => process.send!({ type: 'connected', count: connected, attempts, refused, resumed, cpuMs: cpuMs() } satisfies ToMain), 100);
  process.send!({ type: 'loaded' } satisfies ToMain);
  process.on('message', (m: ToChild) => {
    if (m.type === 'go') {
      opener = setInterval(() => {
        for (let i = 0; i < perTick && next < agents.length; i++, next++) startAgent(...agents[next]!);
        if (next >= agents.length) clearInterval(opener);
      }, 20);
    }
    if (m.type === 'stop') {
      stopping = true;
      clearInterval(opener);
      clearInterval(reporter);
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------- orchestrator
/** CPU time (user + system) this process has used so far, in milliseconds. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function spawnRole(r: 'broker' | 'worker', env: Record<string, string>, nodeFlags: string[] = []): ChildProcess {
  return fork(SELF, [], { env: { ...process.env, ...env, BENCH_ROLE: r }, execArgv: ['--import', 'tsx', ...nodeFlags], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

const nextMessage = <T extends ToMain['type']>(child: ChildProcess, type: T, timeoutMs: number) => nextMessageOf<ToMain, T>(child, type, timeoutMs);

function askRss(broker: ChildProcess): Promise<Extract<ToMain, { type: 'rss' }>> {
  const p = nextMessage(broker, 'rss', 10_000);
  broker.send({ type: 'rss' } satisfies ToChild);
  return p;
}

const mib = (bytes: number): number => Math.round(bytes / 1048576);
const load = (): number => Number(loadavg()[0]!.toFixed(1));

async function main(): Promise<void> {
  const args = benchArgs({
    agents: 10_000,
    seconds: 300,
    workers: 2,
    rate: 1000,
    settle: 61,
    policy: 'agent',
    'broker-rate': 0, // 0: the broker's default maxConnectionsPerSecond
    'broker-burst': 0, // 0: the broker's default connectionBurst
    'semi-space-mib': 8, // V8 --max-semi-space-size of the broker process; 0: V8's default
    'tls-max': '1.3', // the broker's tlsMaxVersion
    'down-extra-s': 0, // keep the broker down this much longer than a restart takes
    resume: true, // agents resume their TLS session (the agent's default); --no-resume: full handshakes
    'tls-groups': '', // the broker's tlsGroups; empty: its default
    'cpu-prof-dir': '', // write V8 CPU profiles of the broker processes here
  });
  if (args['tls-max'] !== '1.3' && args['tls-max'] !== '1.2') throw new Error('--tls-max is 1.3 or 1.2');
  if (args.policy !== 'agent' && args.policy !== 'uncapped') throw new Error('--policy is agent or uncapped');
  const deadline = Date.now() + args.seconds * 1000;
  const dir = await mkdtemp(join(tmpdir(), 'prophasis-bench-connections-'));
  const shared: Shared = { dir, pepperHex: randomBytes(32).toString('hex') };
  const children: ChildProcess[] = [];
  const loadStart = load();
  try {
    const { createSecretHasher, generateSecret } = await import('@prophasis/broker');
    const hasher = createSecretHasher(Buffer.from(shared.pepperHex, 'hex'));
    const agents: [string, string][] = Array.from({ length: args.agents }, (_, i) => [`bench-${String(i).padStart(6, '0')}`, generateSecret()]);
    await writeFile(join(dir, 'hashes.json'), JSON.stringify(Object.fromEntries(agents.map(([id, s]) => [id, hasher.hash(s)]))));
    const limits = {
      ...(args['broker-rate'] > 0 ? { maxConnectionsPerSecond: args['broker-rate'] } : {}),
      ...(args['broker-burst'] > 0 ? { connectionBurst: args['broker-burst'] } : {}),
      tlsMaxVersion: args['tls-max'] === '1.2' ? ('TLSv1.2' as const) : ('TLSv1.3' as const),
      ...(args['tls-groups'] ? { tlsGroups: args['tls-groups'] } : {}),
    };
    const sharedEnv = { BENCH_SHARED: JSON.stringify(shared), BENCH_LIMITS: JSON.stringify(limits), BENCH_POLICY: args.policy, BENCH_RESUME: args.resume ? '1' : '0' };
    const brokerFlags = [
      ...(args['semi-space-mib'] > 0 ? [`--max-semi-space-size=${args['semi-space-mib']}`] : []),
      ...(args['cpu-prof-dir'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof-dir']}`] : []),
    ];

    let broker = spawnRole('broker', sharedEnv, brokerFlags);
    children.push(broker);
    const first = await nextMessage(broker, 'ready', 60_000);
    const { port } = first;
    const idle = await askRss(broker).then((m) => ({ rss: m.rssBytes }));

    const counts = new Map<ChildProcess, Extract<ToMain, { type: 'connected' }>>();
    const workers: ChildProcess[] = [];
    const loaded: Promise<unknown>[] = [];
    const slices = Array.from({ length: args.workers }, (_, w) => agents.filter((_, i) => i % args.workers === w));
    for (const [w, slice] of slices.entries()) {
      const file = join(dir, `agents-${w}.json`);
      await writeFile(file, JSON.stringify(slice));
      const worker = spawnRole('worker', { ...sharedEnv, BENCH_PORT: String(port), BENCH_RATE: String(args.rate), BENCH_AGENTS: file });
      children.push(worker);
      workers.push(worker);
      loaded.push(nextMessage(worker, 'loaded', 60_000));
      counts.set(worker, { type: 'connected', count: 0, attempts: 0, refused: 0, resumed: 0, cpuMs: 0 });
      worker.on('message', (m: ToMain) => m.type === 'connected' && counts.set(worker, m));
    }
    const sum = (k: 'count' | 'attempts' | 'refused' | 'resumed' | 'cpuMs') => [...counts.values()].reduce((a, b) => a + b[k], 0);
    // Peak RSS of the current broker process, sampled every 250 ms.
    let peakRss = 0;
    let sampling = false;
    const sampler = setInterval(() => {
      if (!broker.connected || sampling) return;
      sampling = true;
      askRss(broker).then(
        (m) => (peakRss = Math.max(peakRss, m.rssBytes)),
        () => undefined,
      ).finally(() => (sampling = false));
    }, 250);
    /** Agents connected at each whole second of the last waitAll(). */
    let timeline: number[] = [];
    const waitAll = async (label: string): Promise<number> => {
      const t0 = performance.now();
      timeline = [];
      while (sum('count') < args.agents) {
        const second = Math.floor((performance.now() - t0) / 1000);
        while (timeline.length <= second) timeline.push(sum('count'));
        if (Date.now() > deadline) throw new Error(`--seconds bound reached while ${label}: ${sum('count')} of ${args.agents} connected`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return (performance.now() - t0) / 1000;
    };

    try {
      await Promise.all(loaded);
      for (const w of workers) w.send({ type: 'go' } satisfies ToChild);
      const connectS = await waitAll('connecting');
      const connectAttempts = sum('attempts');
      const connectRefused = sum('refused');
      const loadConnected = load();
      const afterConnect = await askRss(broker);
      const peakConnect = Math.max(peakRss, afterConnect.rssBytes);
      console.log(`all ${args.agents} connected in ${connectS.toFixed(2)} s (${connectAttempts} attempts, ${connectRefused} refused with CONNACK 3); broker RSS ${mib(afterConnect.rssBytes)} MiB (peak ${mib(peakConnect)}), load ${loadConnected}`);
      // Wait so that every agent's connection outlives the agent's backoff reset threshold,
      // as in a fleet that has been connected for a while; the RSS then is the settled one.
      const settleUntil = Date.now() + args.settle * 1000;
      while (Date.now() < settleUntil) {
        if (Date.now() > deadline) throw new Error('--seconds bound reached while settling');
        await new Promise((r) => setTimeout(r, 200));
      }
      const settled = await askRss(broker);
      console.log(`after ${args.settle} s: broker RSS ${mib(settled.rssBytes)} MiB, heap ${mib(settled.heapUsedBytes)}/${mib(settled.heapTotalBytes)} MiB, ${settled.clients} clients`);

      // Restart: stop the broker (sessions stay on disk), start a new one on the same port.
      const loadRestart = load();
      const attemptsBefore = sum('attempts');
      const resumedBefore = sum('resumed');
      const refusedBefore = sum('refused');
      const tStop = performance.now();
      const stopped = nextMessage(broker, 'stopped', 60_000);
      broker.send({ type: 'stop' } satisfies ToChild);
      const { stopMs } = await stopped;
      if (args['down-extra-s'] > 0) await new Promise((r) => setTimeout(r, args['down-extra-s'] * 1000));
      broker = spawnRole('broker', { ...sharedEnv, BENCH_PORT: String(port) }, brokerFlags);
      children.push(broker);
      peakRss = 0;
      const second = await nextMessage(broker, 'ready', 60_000);
      const tReady = performance.now();
      // CPU time spent from the new broker's readiness until all agents are back, by the broker
      // and by the simulated agents: both share this machine's cores, which a fleet does not.
      const agentsCpuAtReady = sum('cpuMs');
      const brokerCpuAtReady = (await askRss(broker)).cpuMs;
      const reconnectS = await waitAll('reconnecting');
      const brokerCpuReconnect = (await askRss(broker)).cpuMs - brokerCpuAtReady;
      const agentsCpuReconnect = sum('cpuMs') - agentsCpuAtReady;
      console.log(`connected agents at each second after the new broker listened: ${timeline.join(' ')}`);
      const downS = (tReady - tStop) / 1000;
      const loadReconnected = load();
      const afterRestart = await askRss(broker);
      console.log(
        `broker down for ${downS.toFixed(2)} s (stop ${(stopMs / 1000).toFixed(2)} s, process start to listening ${(second.processMs / 1000).toFixed(2)} s, of which broker.start() ${(second.startMs / 1000).toFixed(2)} s); ` +
          `all back ${reconnectS.toFixed(2)} s after the new broker listened (${sum('attempts') - attemptsBefore} attempts, ${sum('refused') - refusedBefore} refused); ` +
          `meanwhile CPU: broker ${(brokerCpuReconnect / 1000).toFixed(1)} s, simulated agents ${(agentsCpuReconnect / 1000).toFixed(1)} s (${availableParallelism()} cores); ` +
          `RSS ${mib(afterRestart.rssBytes)} MiB (peak ${mib(Math.max(peakRss, afterRestart.rssBytes))}), load ${loadReconnected}`,
      );
      printFigures({
        bench: 'connections',
        agents: args.agents,
        workers: args.workers,
        policy: args.policy,
        tls_resume: args.resume,
        tls_groups: args['tls-groups'] || 'default',
        semi_space_mib: args['semi-space-mib'],
        tls_max: args['tls-max'],
        ...(args['broker-rate'] > 0 ? { broker_rate_per_s: args['broker-rate'] } : {}),
        ...(args['broker-burst'] > 0 ? { broker_burst: args['broker-burst'] } : {}),
        open_rate_per_s: args.rate * args.workers,
        all_connected_s: Number(connectS.toFixed(2)),
        connect_attempts: connectAttempts,
        connect_refused: connectRefused,
        broker_rss_idle_mib: mib(idle.rss),
        broker_rss_connected_mib: mib(afterConnect.rssBytes),
        broker_rss_peak_mib: mib(peakConnect),
        broker_rss_settled_mib: mib(settled.rssBytes),
        broker_heap_used_settled_mib: mib(settled.heapUsedBytes),
        bytes_per_connection_settled: Math.round((settled.rssBytes - idle.rss) / args.agents),
        broker_start_s: Number((first.startMs / 1000).toFixed(2)),
        broker_stop_s: Number((stopMs / 1000).toFixed(2)),
        broker_restart_start_s: Number((second.startMs / 1000).toFixed(2)),
        broker_restart_process_to_listen_s: Number((second.processMs / 1000).toFixed(2)),
        restart_downtime_s: Number(downS.toFixed(2)),
        all_reconnected_s: Number(reconnectS.toFixed(2)),
        all_reconnected_after_stop_s: Number((downS + reconnectS).toFixed(2)),
        reconnect_attempts: sum('attempts') - attemptsBefore,
        reconnect_refused: sum('refused') - refusedBefore,
        reconnect_tls_resumed: sum('resumed') - resumedBefore,
        reconnect_broker_cpu_s: Number((brokerCpuReconnect / 1000).toFixed(2)),
        reconnect_agents_cpu_s: Number((agentsCpuReconnect / 1000).toFixed(2)),
        reconnect_broker_cpu_ms_per_agent: Number((brokerCpuReconnect / args.agents).toFixed(3)),
        reconnect_agents_cpu_ms_per_agent: Number((agentsCpuReconnect / args.agents).toFixed(3)),
        reconnect_cpu_busy_pct: Number(((100 * (brokerCpuReconnect + agentsCpuReconnect)) / (reconnectS * 1000 * availableParallelism())).toFixed(1)),
        broker_rss_after_restart_mib: mib(afterRestart.rssBytes),
        broker_rss_restart_peak_mib: mib(Math.max(peakRss, afterRestart.rssBytes)),
        load_avg_start: loadStart,
        load_avg_connected: loadConnected,
        load_avg_restart: loadRestart,
        load_avg_reconnected: loadReconnected,
      });
    } finally {
      clearInterval(sampler);
    }
  } finally {
    for (const child of children) {
      if (child.exitCode === null && child.connected) child.send({ type: 'stop' } satisfies ToChild);
    }
    // A broker writing its CPU profile needs a few seconds to exit.
    const exitBy = Date.now() + (args['cpu-prof-dir'] ? 15_000 : 500);
    while (Date.now() < exitBy && children.some((c) => c.exitCode === null)) await new Promise((r) => setTimeout(r, 100));
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

if (role === 'broker') await brokerMain();
else if (role === 'worker') await workerMain();
else await main();
