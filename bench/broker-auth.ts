// npm run bench -- broker-auth [--seconds N] [--agents N] [--concurrency N]
// A reconnect storm against the broker authentication hook (docs/external-broker.md): every
// agent reconnects through RabbitMQ's questions — user, vhost, its two queues' checks, the
// exchange, subscribe to its cmd, publish its res and state — over HTTP keep-alive, as many at
// once as --concurrency; the first round verifies the keyed hashes, later rounds hit the
// 60-s positive cache. Last line: one JSON object (decisions/s, p50/p99 ms, the cold round's rate).
import { createSecretHasher } from '@prophasis/broker';
import { silentLogger } from '@prophasis/protocol';
import { createHash, randomBytes } from 'node:crypto';
import { Agent, get } from 'node:http';
import { loadavg } from 'node:os';
import { createBrokerAuthHook } from '../core/src/broker-auth/index.js';
import { createMemoryRegistryStore } from '../core/src/enrolment/memory-store.js';
import { createAgentRegistry } from '../core/src/enrolment/registry.js';
import { memorySystemLog } from '../core/src/kernel/system-log.js';
import { benchArgs, printFigures, refuse } from './_args.js';

const args = benchArgs({ seconds: 10, agents: 2000, concurrency: 64 });
if (args.agents < 1 || args.concurrency < 1 || args.seconds <= 0) refuse('--agents, --concurrency and --seconds must be positive');

const FACTS = { hostname: 'bench', platform: 'linux', arch: 'x64', agentVersion: '0.1.0', nodeVersion: '24' };
const logger = silentLogger();
const systemLog = memorySystemLog();
const registry = createAgentRegistry({ store: createMemoryRegistryStore(), hasher: createSecretHasher(randomBytes(32)), logger, systemLog });
const agents: { id: string; secret: string }[] = [];
for (let i = 0; i < args.agents; i++) {
  const host = await registry.addHost(`bench-${i}`);
  const { token } = await registry.createEnrolmentToken(host.hostId);
  const r = await registry.consumeToken(token, { ...FACTS, hostname: `bench-${i}` });
  if (!r.ok) throw new Error(r.message);
  agents.push({ id: r.agentId, secret: r.secret });
}

const secret = randomBytes(24).toString('base64url');
const hook = createBrokerAuthHook(
  { listen: '127.0.0.1:0', tokenSha256: createHash('sha256').update(secret).digest('hex'), coreUsername: 'prophasis-core', corePassword: 'x' },
  { authenticator: registry, logger },
);
const { port } = await hook.start();
const base = `http://127.0.0.1:${port}/${secret}/rabbitmq`;

/** RabbitMQ 3.10's questions for one MQTT agent connecting, subscribing and publishing (as its log shows them). */
function questions(a: { id: string; secret: string }): string[] {
  const q = (o: Record<string, string>) => new URLSearchParams({ vhost: '/', username: a.id, client_id: a.id, ...o }).toString();
  const rk = (t: string) => `prophasis.v1.agents.${a.id}.${t}`;
  return [
    `user?${q({ password: a.secret })}`,
    `vhost?${q({ ip: '127.0.0.1' })}`,
    ...['configure', 'read', 'write'].map((permission) => `resource?${q({ resource: 'queue', name: `mqtt-subscription-${a.id}qos1`, permission })}`),
    `resource?${q({ resource: 'exchange', name: 'amq.topic', permission: 'read' })}`,
    `topic?${q({ resource: 'topic', name: 'amq.topic', permission: 'read', routing_key: rk('cmd') })}`,
    `resource?${q({ resource: 'exchange', name: 'amq.topic', permission: 'write' })}`,
    `topic?${q({ resource: 'topic', name: 'amq.topic', permission: 'write', routing_key: rk('res') })}`,
    `topic?${q({ resource: 'topic', name: 'amq.topic', permission: 'write', routing_key: rk('state') })}`,
  ];
}

const latencies: number[] = [];
let denied = 0;
const keepAlive = new Agent({ keepAlive: true, maxSockets: args.concurrency });

/** One GET over a kept-alive connection, as RabbitMQ's httpc asks; resolves with the body. */
function ask(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: keepAlive }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** Reconnects agents with `concurrency` at once until `more()` says stop; returns the questions asked. */
async function storm(more: (i: number) => boolean): Promise<number> {
  let next = 0;
  let asked = 0;
  const worker = async () => {
    for (let i = next++; more(i); i = next++) {
      for (const path of questions(agents[i % agents.length]!)) {
        const t0 = performance.now();
        const body = await ask(`${base}/${path}`);
        latencies.push(performance.now() - t0);
        asked++;
        if (body !== 'allow') denied++;
      }
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  return asked;
}

// Cold: every agent once, each user check a keyed-hash verification. Then warm until the time is up.
const started = performance.now();
const cold = await storm((i) => i < agents.length);
const coldSeconds = (performance.now() - started) / 1000;
const deadline = started + args.seconds * 1000;
const warm = await storm(() => performance.now() < deadline);
const elapsed = (performance.now() - started) / 1000;
keepAlive.destroy();
await hook.stop();
latencies.sort((a, b) => a - b);
const pct = (p: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0).toFixed(2));
if (denied > 0) refuse(`${denied} of ${latencies.length} questions were denied; the bench's agents should all be allowed`);
printFigures({
  bench: 'broker-auth',
  agents: args.agents,
  concurrency: args.concurrency,
  seconds: Number(elapsed.toFixed(1)),
  decisions: latencies.length,
  decisions_per_s: Math.round(latencies.length / elapsed),
  p50_ms: pct(0.5),
  p99_ms: pct(0.99),
  cold_decisions_per_s: Math.round(cold / coldSeconds),
  warm_decisions: warm,
  load_average_1m: Number(loadavg()[0]!.toFixed(2)),
});
