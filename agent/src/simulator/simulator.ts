import { createMessage, isFleetToken, type Logger, type Manifest, type Result } from '@prophasis/protocol';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeAgent, type Agent, type AgentBundles } from '../agent.js';
import type { Clock } from '../clock.js';
import { readAgentConfig, type AgentConfig } from '../config.js';
import { hasCredentials, readCredentials, type Credentials } from '../credentials.js';
import { enrol } from '../enrol.js';
import { hostFacts } from '../facts.js';
import { openAgentDatabase } from '../store/database.js';
import { certificateFingerprint, formatServer, parseServer } from '../tls.js';
import { createScenarioSource, scenarioRunner, type Scenario, type ScenarioSource } from './scenario.js';

/** One simulated agent: existing credentials, or a token to enrol with. */
type SimulatedAgentSpec = { agentId: string; secret: string; hostName?: string } | { token?: string; hostName?: string };

export interface SimulatorOptions {
  agents: SimulatedAgentSpec[];
  /** `HOST:PORT` of the core's MQTT/TLS listener. */
  server: string;
  /** The core's CA (pinned as is), or its fingerprint (checked at enrolment as real agents do). */
  caPem?: string;
  caFingerprint?: string;
  /** A scenario file (watched) or a scenario object. */
  scenario: string | Scenario;
  /** Where enrolled agents keep their credentials (`agent-<n>/`), so a second run reuses them. Default: a temporary folder. */
  dataDir?: string;
  /**
   * Supplies a token for agent `index` when neither the spec nor the scenario has one. Without
   * it, a fleet token among the specs' or the scenario's tokens enrols every agent left without
   * one (each registers as its own host, docs/enrolment.md "Fleet tokens").
   */
  enrolToken?: (index: number) => Promise<string> | string;
  /** Overrides of the agents' configuration (reconnect timing, report interval...). */
  config?: Partial<AgentConfig>;
  /**
   * The agents' schedule clock (plan runner, report timer, outbox ages); the real one by default.
   * The soak bench passes a compressed one (docs/performance.md, "Soak"); connections keep real timers.
   */
  clock?: Clock;
}

interface SimulatedAgent {
  readonly agentId: string;
  readonly hostName: string;
  readonly agent: Agent;
}

export interface Simulator {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly agents: readonly SimulatedAgent[];
  readonly scenario: ScenarioSource;
  /**
   * Rate mode (ingest benchmark): every agent publishes batches of synthetic results as fast as
   * the broker acknowledges them, `inFlight` batches at a time, for `seconds`.
   */
  rate(options: { seconds: number; batchSize?: number; inFlight?: number }): Promise<{ published: number; seconds: number }>;
}

/** Stands in for the bundle store: every bundle "installs" (nothing runs), and unknown ones are assumed present. */
function simulatedBundles(): AgentBundles {
  const installed = new Map<string, { pluginId: string; version: string; sha256: string; dir: string; manifest: Manifest }>();
  const stub = (pluginId: string, version: string) => ({ id: pluginId, version, capabilities: [] as string[], main: 'plugin.js' }) as unknown as Manifest;
  return {
    load: async () => undefined,
    async install(request) {
      const bundle = { pluginId: request.pluginId, version: request.version, sha256: request.sha256, dir: '', manifest: stub(request.pluginId, request.version) };
      installed.set(request.sha256, bundle);
      return { status: 'installed', bundle };
    },
    async remove(sha256) {
      const b = installed.get(sha256);
      installed.delete(sha256);
      return b;
    },
    async prune(keep) {
      const removed = [...installed.values()].filter((b) => !keep.has(b.sha256));
      for (const b of removed) installed.delete(b.sha256);
      return removed;
    },
    hashes: () => [...installed.keys()].sort(),
    get: (sha256, wanted) => installed.get(sha256) ?? { manifest: stub(wanted.pluginId, wanted.version) },
    code: async () => '',
  };
}

/**
 * The simulator (docs/simulator.md): N agents in one process, each a real MQTT client over TLS
 * with its own credentials, enrolled through the same path as real agents, following the plan
 * the core sends with the same plan runner, outbox and drainer as a real agent — only the
 * plugin sandbox is replaced by answers from the scenario, and the outbox lives in memory.
 */
export async function createSimulator(options: SimulatorOptions, deps: { logger: Logger }): Promise<Simulator> {
  const logger = deps.logger.child({ component: 'simulator' });
  const scenario = createScenarioSource(options.scenario, { logger });
  const root = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'prophasis-simulator-')));
  await mkdir(root, { recursive: true, mode: 0o700 });
  const server = formatServer(parseServer(options.server));
  const caFingerprint = options.caFingerprint ?? (options.caPem ? certificateFingerprint(new X509Certificate(options.caPem)) : undefined);
  const agents: SimulatedAgent[] = [];

  /** The first fleet token given anywhere: reusable, so it serves every agent that has no token of its own. */
  function sharedFleetToken(): string | undefined {
    const given = [...options.agents.map((a) => ('token' in a ? a.token : undefined)), ...(scenario.current().tokens ?? [])];
    return given.find((t): t is string => t !== undefined && isFleetToken(t));
  }

  async function credentialsFor(spec: SimulatedAgentSpec, index: number): Promise<{ credentials: Credentials; hostName: string }> {
    const fallbackName = spec.hostName ?? `sim-${String(index + 1).padStart(4, '0')}`;
    if ('agentId' in spec) {
      if (!options.caPem) throw new Error('agents given by id and secret need caPem');
      return { credentials: { server, agentId: spec.agentId, secret: spec.secret, caPem: options.caPem }, hostName: fallbackName };
    }
    const dir = join(root, `agent-${index + 1}`);
    if (await hasCredentials(dir)) return { credentials: await readCredentials(dir), hostName: fallbackName };
    const token = spec.token ?? scenario.current().tokens?.[index] ?? (await options.enrolToken?.(index)) ?? sharedFleetToken();
    if (!token) throw new Error(`simulated agent ${index + 1} has no credentials and no enrolment token`);
    if (!caFingerprint) throw new Error('enrolment needs caFingerprint or caPem');
    const outcome = await enrol(
      { server, token, caFingerprint, dataDir: dir, timeoutMs: 30_000, facts: { ...hostFacts(), hostname: fallbackName } },
      { logger },
    );
    return { credentials: await readCredentials(dir), hostName: outcome.hostName ?? fallbackName };
  }

  return {
    agents,
    scenario,

    async start() {
      for (const [index, spec] of options.agents.entries()) {
        const { credentials, hostName } = await credentialsFor(spec, index);
        const config = readAgentConfig({ PROPHASIS_DATA_DIR: join(root, `agent-${index + 1}`) }, options.config ?? {});
        const agentLogger = logger.child({ agentId: credentials.agentId, hostName });
        const agent = composeAgent(config, {
          logger: agentLogger,
          credentials,
          db: openAgentDatabase(':memory:'),
          bundles: simulatedBundles(),
          trust: { setPublishers: async (list) => ({ accepted: list.length, refused: [] }) },
          runner: scenarioRunner(scenario, { agentId: credentials.agentId, hostName }),
          ...(options.clock ? { clock: options.clock } : {}),
        });
        agents.push({ agentId: credentials.agentId, hostName, agent });
      }
      await Promise.all(agents.map((a) => a.agent.start()));
      logger.info({ agents: agents.length }, 'simulated agents started');
    },

    async stop() {
      scenario.stop();
      await Promise.all(agents.map((a) => a.agent.stop()));
    },

    async rate({ seconds, batchSize = 500, inFlight = 4 }) {
      const started = Date.now();
      const until = started + seconds * 1_000;
      let published = 0;
      await Promise.all(
        agents.map(async ({ agentId, agent }) => {
          let counter = 0;
          const batch = (): Result[] => {
            const now = Date.now();
            return Array.from({ length: batchSize }, () => ({
              id: `b-${agentId}-${now}-${counter++}`,
              checkId: null,
              pluginId: 'io.prophasis.simulated',
              version: '1.0.0',
              slot: null,
              measuredAt: now,
              durationMs: 0,
              value: counter % 100,
              message: null,
              resultType: 'plugin' as const,
            }));
          };
          const lane = async () => {
            while (Date.now() < until) {
              await agent.connection.publish('res', createMessage('result', { results: batch() }));
              published += batchSize;
            }
          };
          await Promise.all(Array.from({ length: inFlight }, lane));
        }),
      );
      return { published, seconds: (Date.now() - started) / 1_000 };
    },
  };
}
