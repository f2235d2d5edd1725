// The ingest bench's load generator (bench/ingest.ts), one child process of --loadgen: its share
// of the simulated agents (createSimulator: real MQTT clients over TLS, enrolled with tokens like
// real agents) publishing results as the orchestrator tells it, so the agents' TLS, JSON and MQTT
// work runs beside the core's process instead of inside it (issue 16); or, for phase (c), the
// reconnecting agent with its backlog. Talks over IPC only.
import { composeAgent, createScenarioSource, createSimulator, openAgentDatabase, readAgentConfig, readCredentials, scenarioRunner, type Agent, type AgentBundles, type Simulator } from '@prophasis/agent';
import { createLogger, createMessage, resultId, type Manifest, type Result } from '@prophasis/protocol';
import { join } from 'node:path';
import { pino } from 'pino';

/** Orchestrator → load generator. */
export type ToLoadgen =
  | { type: 'start'; tokens: string[]; server: string; caFingerprint: string; dataDir: string; checkId: string; plugins: string[] }
  /** Publish as fast as the acknowledgements come: `lanes` messages of `batch` results in flight, agents in turn. */
  | { type: 'flood'; seconds: number; batch: number; lanes: number }
  /** Publish `perSecond` results a second in messages of `batch`, agents in turn; latency publish → PUBACK. */
  | { type: 'rate'; seconds: number; perSecond: number; batch: number }
  /**
   * Phase (c): the agent enrolled in `simDir` comes back with `backlog` past results of `plugins`
   * (one series per plugin, a slot every 10 s going back) in its outbox and drains them, within `boundMs`.
   */
  | { type: 'backlog'; simDir: string; agentDir: string; agentId: string; checkId: string; plugins: string[]; backlog: number; boundMs: number }
  /** Ends a running `rate` now (it answers `rated` as usual). */
  | { type: 'halt' }
  | { type: 'stop' };

/** Load generator → orchestrator. */
export type FromLoadgen =
  | { type: 'ready'; agentIds: string[] }
  | { type: 'flooded'; acked: number; failures: number }
  | { type: 'rated'; latencies: number[]; failures: number }
  | { type: 'backlogged'; depth: number; drained: boolean; seconds: number }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

const logger = createLogger({ name: 'bench-ingest-loadgen', level: process.env.PROPHASIS_LOG_LEVEL ?? 'warn', destination: pino.destination(2) });
const send = (m: FromLoadgen) => process.send!(m);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let sim: Simulator | undefined;
let checkId = '';
let plugins: string[] = [];
let serial = 0;
let nextAgent = 0;
// Each series (agent and plugin) counts its slots up a millisecond at a time from a minute ago:
// unique per series, so every result is new, and never later than maxLateness.
const slotBase = Date.now() - 60_000;
const lastSlot = new Map<string, number>();

/** `n` results of the next agent in turn, each plugin in turn: spread over every series. */
function message(n: number, measuredAt: number): { index: number; results: Result[] } {
  const index = nextAgent++ % sim!.agents.length;
  const agentId = sim!.agents[index]!.agentId;
  const results: Result[] = [];
  for (let i = 0; i < n; i++) {
    const pluginId = plugins[++serial % plugins.length]!;
    const series = `${agentId} ${pluginId}`;
    const slot = (lastSlot.get(series) ?? slotBase) + 1;
    lastSlot.set(series, slot);
    results.push({
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
    });
  }
  return { index, results };
}

async function flood(seconds: number, batch: number, lanes: number): Promise<FromLoadgen> {
  const until = performance.now() + seconds * 1000;
  let acked = 0;
  let failures = 0;
  const lane = async () => {
    while (performance.now() < until) {
      const { index, results } = message(batch, Date.now());
      try {
        await sim!.agents[index]!.agent.connection.publish('res', createMessage('result', { results }));
        acked += results.length;
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return { type: 'flooded', acked, failures };
}

async function rate(seconds: number, perSecond: number, batch: number): Promise<FromLoadgen> {
  const started = performance.now();
  const until = started + seconds * 1000;
  const messagesPerSecond = perSecond / batch;
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  let failures = 0;
  let sent = 0;
  halted = false;
  while (performance.now() < until && !halted) {
    const due = Math.floor(((performance.now() - started) / 1000) * messagesPerSecond);
    for (; sent < due; sent++) {
      const t = Date.now();
      const { index, results } = message(batch, t);
      const p = sim!.agents[index]!.agent.connection.publish('res', createMessage('result', { results })).then(
        () => void latencies.push(Date.now() - t),
        () => void failures++,
      );
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    await sleep(5);
  }
  await Promise.all(pending);
  return { type: 'rated', latencies, failures };
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

let backlogAgent: Agent | undefined;
let halted = false;

/** Phase (c) in this process: the agent's own composition (outbox, drainer, connection) drains its backlog. */
async function backlog(m: Extract<ToLoadgen, { type: 'backlog' }>): Promise<FromLoadgen> {
  const scenario = { hosts: { '*': { '*': { value: 1 } } } };
  const creds = await readCredentials(join(m.simDir, 'agent-1'));
  const agent = composeAgent(readAgentConfig({ PROPHASIS_DATA_DIR: m.agentDir }, {}), {
    logger: logger.child({ agentId: m.agentId }),
    credentials: creds,
    db: openAgentDatabase(':memory:'),
    bundles: noBundles(),
    trust: { setPublishers: async (list) => ({ accepted: list.length, refused: [] }) },
    runner: scenarioRunner(createScenarioSource(scenario, { logger }), { agentId: m.agentId }),
  });
  backlogAgent = agent;
  const perSeries = Math.ceil(m.backlog / m.plugins.length);
  const firstSlot = Math.floor((Date.now() - perSeries * 10_000 - 3_600_000) / 10_000) * 10_000;
  const chunk: Result[] = [];
  let filled = 0;
  for (let k = 0; k < perSeries && filled < m.backlog; k++) {
    for (const pluginId of m.plugins) {
      if (filled >= m.backlog) break;
      const slot = firstSlot + k * 10_000;
      const id = resultId(m.agentId, { entryKey: `${m.checkId}:${pluginId}`, slot });
      filled++;
      chunk.push({ id, checkId: m.checkId, pluginId, version: '1.0.0', slot, measuredAt: slot + 50, durationMs: 50, value: (k * 13) % 100, message: null, resultType: 'plugin' });
      if (chunk.length === 5_000) agent.outbox.append(chunk.splice(0));
    }
  }
  agent.outbox.append(chunk.splice(0));
  const depth = agent.outbox.depth();
  const started = performance.now();
  await agent.start();
  const drained = await Promise.race([agent.drainer.drained().then(() => true), sleep(m.boundMs).then(() => false)]);
  return { type: 'backlogged', depth, drained, seconds: (performance.now() - started) / 1000 };
}

process.on('message', (m: ToLoadgen) => {
  void (async () => {
    try {
      if (m.type === 'start') {
        ({ checkId, plugins } = m);
        sim = await createSimulator(
          { agents: m.tokens.map((token) => ({ token })), server: m.server, caFingerprint: m.caFingerprint, scenario: { hosts: { '*': { '*': { value: 1 } } } }, dataDir: m.dataDir },
          { logger },
        );
        await sim.start();
        send({ type: 'ready', agentIds: sim.agents.map((a) => a.agentId) });
      } else if (m.type === 'flood') send(await flood(m.seconds, m.batch, m.lanes));
      else if (m.type === 'rate') send(await rate(m.seconds, m.perSecond, m.batch));
      else if (m.type === 'backlog') send(await backlog(m));
      else if (m.type === 'halt') halted = true;
      else if (m.type === 'stop') {
        await backlogAgent?.stop();
        await sim?.stop();
        send({ type: 'stopped' });
        process.disconnect();
      }
    } catch (err) {
      send({ type: 'failed', message: (err as Error).stack ?? String(err) });
    }
  })();
});
