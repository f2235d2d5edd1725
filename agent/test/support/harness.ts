import { silentLogger, type Result } from '@prophasis/protocol';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAgentConfig, type AgentConfig } from '../../src/config.js';
import { enrol } from '../../src/enrol.js';
import type { PluginRunInput, PluginRunner } from '../../src/plan/plugin-runner.js';
import type { Observed } from './observer.js';
import type { TestBroker } from './test-broker.js';

/** Enrols a fresh agent with the fixture broker into a new temporary data directory. */
export async function enrolledAgent(broker: TestBroker, prefix = 'prophasis-agent-'): Promise<{ root: string; dataDir: string; agentId: string }> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const dataDir = join(root, 'data');
  const token = 'tok-' + Math.random().toString(16).slice(2).padEnd(40, '0');
  broker.addToken(token);
  const outcome = await enrol(
    { server: `127.0.0.1:${broker.port}`, token, caFingerprint: broker.pki.caFingerprint, dataDir, timeoutMs: 10_000 },
    { logger: silentLogger() },
  );
  return { root, dataDir, agentId: outcome.agentId };
}

/** Agent configuration for tests: quick reconnects. */
export function testConfig(dataDir: string, overrides: Partial<AgentConfig> = {}): AgentConfig {
  return readAgentConfig({ PROPHASIS_DATA_DIR: dataDir }, { reconnectInitialMs: 50, reconnectMaxMs: 200, connectTimeoutMs: 2_000, ...overrides });
}

/** A plugin runner that records its calls, never runs two at once, and may be held at a gate. */
export interface RecordingRunner extends PluginRunner {
  calls: PluginRunInput[];
  maxConcurrent: number;
  /** Holds the next runs until `release()`. */
  hold(): void;
  release(): void;
  /** Resolves when a run is waiting at the gate. */
  waitingAtGate(): Promise<void>;
}

export function recordingRunner(value: (input: PluginRunInput, n: number) => number = (_i, n) => n): RecordingRunner {
  let active = 0;
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  let arrived: (() => void) | undefined;
  let arrival: Promise<void> = new Promise((r) => (arrived = r));
  const runner: RecordingRunner = {
    calls: [],
    maxConcurrent: 0,
    async run(input) {
      active += 1;
      runner.maxConcurrent = Math.max(runner.maxConcurrent, active);
      runner.calls.push(input);
      const n = runner.calls.length;
      if (gate) {
        arrived?.();
        await gate;
      }
      await new Promise((r) => setImmediate(r));
      active -= 1;
      return { resultType: 'plugin', value: value(input, n), message: null, durationMs: 1 };
    },
    hold() {
      gate = new Promise((r) => (open = r));
      arrival = new Promise((r) => (arrived = r));
    },
    release() {
      gate = undefined;
      open?.();
    },
    waitingAtGate: () => arrival,
  };
  return runner;
}

/** Every result carried by the observed `res` messages, in arrival order. */
export function observedResults(messages: readonly Observed[]): Result[] {
  const out: Result[] = [];
  for (const m of messages) {
    if (!m.topic.endsWith('/res')) continue;
    const parsed = JSON.parse(m.payload.toString('utf8')) as { type: string; body: { results?: Result[] } };
    if (parsed.type === 'result') out.push(...(parsed.body.results ?? []));
  }
  return out;
}

/** Bodies of observed `res` messages of one type. */
export function observedOfType<T = Record<string, unknown>>(messages: readonly Observed[], type: string): T[] {
  return messages
    .filter((m) => m.topic.endsWith('/res'))
    .map((m) => JSON.parse(m.payload.toString('utf8')) as { type: string; body: T })
    .filter((p) => p.type === type)
    .map((p) => p.body);
}
