// The failover bench's agents (bench/failover.ts), in a process of their own: the simulator's
// agents (real MQTT clients over TLS, enrolled through the broker with tokens) running their plans
// at the schedule's steady rate, reporting the ids of the results the broker acknowledged. Talks
// over IPC only.
import { createSimulator, type Simulator } from '@prophasis/agent';
import { createLogger, type Result } from '@prophasis/protocol';
import { join } from 'node:path';
import { pino } from 'pino';

/** Orchestrator → agents. */
export type ToAgents =
  | { type: 'start'; agents: { token: string; hostName: string }[]; server: string; caFingerprint: string; scenario: unknown; dataDir: string }
  | { type: 'stop' };

/** Agents → orchestrator. */
export type FromAgents = { type: 'ready' } | { type: 'acked'; ids: string[] } | { type: 'stopped' } | { type: 'failed'; message: string };

const logger = createLogger({ name: 'bench-failover-agents', level: process.env.PROPHASIS_LOG_LEVEL ?? 'error', destination: pino.destination(2) });
const send = (m: FromAgents) => process.send?.(m);
const sims: Simulator[] = [];
let pending: string[] = [];
const flush = setInterval(() => {
  if (pending.length === 0) return;
  send({ type: 'acked', ids: pending });
  pending = [];
}, 250);

process.on('message', (m: ToAgents) => {
  void (async () => {
    if (m.type === 'start') {
      // Cohorts of 50, each its own simulator (its own folder of agents).
      for (let k = 0; k * 50 < m.agents.length; k++) {
        const sim = await createSimulator(
          { agents: m.agents.slice(k * 50, k * 50 + 50), server: m.server, caFingerprint: m.caFingerprint, scenario: m.scenario as never, dataDir: join(m.dataDir, `cohort-${k}`) },
          { logger },
        );
        await sim.start();
        sims.push(sim);
        for (const a of sim.agents) a.agent.drainer.onAcknowledged((results: readonly Result[]) => void pending.push(...results.map((r) => r.id)));
      }
      send({ type: 'ready' });
    } else {
      await Promise.all(sims.map((s) => s.stop().catch(() => undefined)));
      clearInterval(flush);
      if (pending.length > 0) send({ type: 'acked', ids: pending });
      send({ type: 'stopped' });
      process.disconnect?.();
    }
  })().catch((err: unknown) => send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }));
});
