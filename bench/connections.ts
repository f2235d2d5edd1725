// npm run bench -- connections [--agents N] [--seconds N] [--workers N] [--rate N]
//
// N agents connect over TLS (pinned CA, per-agent secrets, clean:false, Last Will, own cmd
// subscription, retained `online` state: what a real agent does) to the embedded broker,
// which runs in its own child process so that its RSS is measured alone. The agents live in
// `--workers` child processes (MQTT.js clients, many per process) that open at most `--rate`
// connections per second each. Then the broker is stopped and a new one is started on the
// same session directory and port; agents reconnect with the agent's backoff (1 s doubling to
// 60 s, full jitter). Figures: time until all are connected, broker RSS, time until all are
// back after the restart. Last line: one JSON object.
import { createLogger, type Logger } from '@prophasis/protocol';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, printFigures } from './_args.js';

const SELF = fileURLToPath(import.meta.url);
const role = process.env.BENCH_ROLE ?? 'main';

type ToMain =
  | { type: 'ready'; port: number }
  | { type: 'rss'; rssBytes: number; clients: number }
  | { type: 'connected'; count: number }
  | { type: 'loaded' }
  | { type: 'stopped' };
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
  const broker = createBroker(
    { ...brokerDefaults(join(shared.dir, 'sessions')), port, host: '127.0.0.1', tls: pki },
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
  const started = await broker.start();
  const send = (m: ToMain) => process.send!(m);
  process.on('message', (m: ToChild) => {
    if (m.type === 'rss') send({ type: 'rss', rssBytes: process.memoryUsage().rss, clients: broker.clientCount() });
    if (m.type === 'stop') {
      void broker.stop().then(() => {
        send({ type: 'stopped' });
        process.exit(0);
      });
    }
  });
  send({ type: 'ready', port: started.port });
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

  function startAgent(agentId: string, secret: string): void {
    let attempt = 0;
    let up = false;
    const client = mqtt.connect(`mqtts://127.0.0.1:${port}`, {
      ca,
      rejectUnauthorized: true,
      clientId: agentId,
      username: agentId,
      password: secret,
      clean: false,
      keepalive: 30,
      protocolVersion: 4,
      reconnectPeriod: 0, // the agent's own backoff below, as in the real agent
      connectTimeout: 30_000,
      will: { topic: stateTopic(agentId), payload: Buffer.from('{"status":"offline"}'), qos: 1, retain: true },
    });
    client.on('connect', (connack) => {
      attempt = 0;
      if (!up) connected++;
      up = true;
      if (!connack.sessionPresent) client.subscribe(cmdTopic(agentId), { qos: 1 });
      client.publish(stateTopic(agentId), '{"status":"online"}', { qos: 1, retain: true });
    });
    client.on('error', () => undefined);
    client.on('close', () => {
      if (up) connected--;
      up = false;
      if (stopping) return;
      // Exponential backoff with full jitter: 1 s, 2 s, 4 s ... capped at 60 s.
      const delay = Math.random() * Math.min(60_000, 1000 * 2 ** attempt++);
      setTimeout(() => !stopping && client.reconnect(), delay).unref();
    });
  }

  // Open connections at `rate` per second, in slices every 20 ms, once the main process says go
  // (so that loading the modules is not counted).
  let next = 0;
  let opener: NodeJS.Timeout | undefined;
  const perTick = Math.max(1, Math.round(rate / 50));
  const reporter = setInterval(() => process.send!({ type: 'connected', count: connected } satisfies ToMain), 100);
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
function spawnRole(r: 'broker' | 'worker', env: Record<string, string>): ChildProcess {
  return fork(SELF, [], { env: { ...process.env, ...env, BENCH_ROLE: r }, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function nextMessage<T extends ToMain['type']>(child: ChildProcess, type: T, timeoutMs: number): Promise<Extract<ToMain, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} from child within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: ToMain) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m as Extract<ToMain, { type: T }>);
    };
    child.on('message', onMessage);
  });
}

async function main(): Promise<void> {
  const args = benchArgs({ agents: 10_000, seconds: 120, workers: 2, rate: 1000 });
  const deadline = Date.now() + args.seconds * 1000;
  const dir = await mkdtemp(join(tmpdir(), 'prophasis-bench-connections-'));
  const shared: Shared = { dir, pepperHex: randomBytes(32).toString('hex') };
  const children: ChildProcess[] = [];
  try {
    const { createSecretHasher, generateSecret } = await import('@prophasis/broker');
    const hasher = createSecretHasher(Buffer.from(shared.pepperHex, 'hex'));
    const agents: [string, string][] = Array.from({ length: args.agents }, (_, i) => [`bench-${String(i).padStart(6, '0')}`, generateSecret()]);
    await writeFile(join(dir, 'hashes.json'), JSON.stringify(Object.fromEntries(agents.map(([id, s]) => [id, hasher.hash(s)]))));
    const sharedEnv = { BENCH_SHARED: JSON.stringify(shared) };

    let broker = spawnRole('broker', sharedEnv);
    children.push(broker);
    const { port } = await nextMessage(broker, 'ready', 60_000);

    const counts = new Map<ChildProcess, number>();
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
      counts.set(worker, 0);
      worker.on('message', (m: ToMain) => m.type === 'connected' && counts.set(worker, m.count));
    }
    const total = () => [...counts.values()].reduce((a, b) => a + b, 0);
    const waitAll = async (label: string): Promise<number> => {
      const t0 = performance.now();
      while (total() < args.agents) {
        if (Date.now() > deadline) throw new Error(`--seconds bound reached while ${label}: ${total()} of ${args.agents} connected`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return (performance.now() - t0) / 1000;
    };

    await Promise.all(loaded);
    for (const w of workers) w.send({ type: 'go' } satisfies ToChild);
    const connectS = await waitAll('connecting');
    await new Promise((r) => setTimeout(r, 1000)); // let the retained state writes settle
    const afterConnect = await (async () => {
      const p = nextMessage(broker, 'rss', 10_000);
      broker.send({ type: 'rss' } satisfies ToChild);
      return p;
    })();
    console.log(`all ${args.agents} connected in ${connectS.toFixed(2)} s; broker RSS ${(afterConnect.rssBytes / 1048576).toFixed(0)} MiB, ${afterConnect.clients} clients`);

    // Restart: stop the broker (sessions stay on disk), start a new one on the same port.
    const tStop = performance.now();
    const stopped = nextMessage(broker, 'stopped', 60_000);
    broker.send({ type: 'stop' } satisfies ToChild);
    await stopped;
    broker = spawnRole('broker', { ...sharedEnv, BENCH_PORT: String(port) });
    children.push(broker);
    await nextMessage(broker, 'ready', 60_000);
    const tReady = performance.now();
    const reconnectS = await waitAll('reconnecting');
    const downS = (tReady - tStop) / 1000;
    const afterRestart = await (async () => {
      const p = nextMessage(broker, 'rss', 10_000);
      broker.send({ type: 'rss' } satisfies ToChild);
      return p;
    })();
    console.log(`broker down for ${downS.toFixed(2)} s; all back ${reconnectS.toFixed(2)} s after the new broker listened; RSS ${(afterRestart.rssBytes / 1048576).toFixed(0)} MiB`);
    printFigures({
      bench: 'connections',
      agents: args.agents,
      workers: args.workers,
      connect_rate_per_s: args.rate * args.workers,
      all_connected_s: Number(connectS.toFixed(2)),
      broker_rss_mib: Math.round(afterConnect.rssBytes / 1048576),
      restart_downtime_s: Number(downS.toFixed(2)),
      all_reconnected_s: Number(reconnectS.toFixed(2)),
      broker_rss_after_restart_mib: Math.round(afterRestart.rssBytes / 1048576),
    });
  } finally {
    for (const child of children) {
      if (child.exitCode === null && child.connected) child.send({ type: 'stop' } satisfies ToChild);
    }
    await new Promise((r) => setTimeout(r, 500));
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

if (role === 'broker') await brokerMain();
else if (role === 'worker') await workerMain();
else await main();
