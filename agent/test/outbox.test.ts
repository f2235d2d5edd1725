import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { cmdTopic, createMessage, encodeMessage, resTopic, stateTopic } from '@prophasis/protocol';
import { createAgent, type Agent } from '../src/agent.js';
import { agentDatabasePath } from '../src/store/database.js';
import { finished, spawnCli } from './support/cli.js';
import { createFakeClock, type FakeClock } from './support/fake-clock.js';
import { enrolledAgent, observedOfType, observedResults, recordingRunner, testConfig } from './support/harness.js';
import { captureLogger } from './support/log-capture.js';
import { observe, stateStatus, type Observer } from './support/observer.js';
import { startTestBroker, type TestBroker } from './support/test-broker.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const MIN = 60_000;
const SHA = 'a'.repeat(64);
type Report = { missedSlots: number; outboxDropped: number; outboxDepth: number };

const plan = (revision: number, everyMs: number, start: number, maxLatenessMs: number) =>
  createMessage('plan.set', {
    revision,
    maxLatenessMs,
    entries: [{ key: 'k1', checkId: 'c1', pluginId: 'io.prophasis.test-value', version: '1.0.0', sha256: SHA, params: {}, intervals: [{ start, everyMs }], capabilities: [] }],
  });

describe('durable outbox over TLS (test broker fixture)', function () {
  this.timeout(120_000);
  let broker: TestBroker;
  let root: string;
  let dataDir: string;
  let agentId: string;
  let agent: Agent | undefined;
  let watcher: Observer;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = createFakeClock(T0);
    broker = await startTestBroker();
    ({ root, dataDir, agentId } = await enrolledAgent(broker));
    watcher = await observe(broker, [resTopic(agentId), stateTopic(agentId)]);
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await watcher.close();
    await broker.stop();
    await rm(root, { recursive: true, force: true });
  });

  async function startAgent(overrides: Parameters<typeof testConfig>[1] = {}) {
    const log = captureLogger('info');
    agent = await createAgent(testConfig(dataDir, overrides), { logger: log.logger, runner: recordingRunner(), clock });
    await agent.start();
    await watcher.waitFor((m) => stateStatus(m) === 'online', 10_000, 'state online');
    const started = agent;
    return Object.assign(started, {
      /** Cuts the agent off and waits until it noticed (nothing left in flight). */
      async cutOff() {
        const seen = log.lines.filter((l) => l.msg === 'disconnected').length;
        await broker.cutOff(agentId);
        await log.waitFor(() => log.lines.filter((l) => l.msg === 'disconnected').length > seen, 10_000, 'disconnected');
      },
    });
  }

  it('an agent cut off for a simulated day (1,440 one-minute slots) delivers every result exactly once and in order after it reconnects', async () => {
    const a = await startAgent();
    await watcher.publish(cmdTopic(agentId), encodeMessage(plan(1, MIN, T0, 2 * 24 * 60 * MIN)));
    await watcher.waitFor(() => observedResults(watcher.messages).length === 1, 10_000, 'first result');
    await a.cutOff();
    for (let i = 0; i < 1_440; i++) {
      clock.advance(MIN);
      await a.plan.idle();
    }
    assert.equal(a.outbox.depth(), 1_440, 'all held in the outbox while cut off');
    const before = watcher.messages.length;
    broker.allow(agentId);
    await watcher.waitFor(() => observedResults(watcher.messages).length >= 1_441, 30_000, 'the backlog');
    await a.drainer.drained();
    const results = observedResults(watcher.messages);
    assert.equal(results.length, 1_441);
    assert.equal(new Set(results.map((r) => r.id)).size, 1_441, 'each exactly once');
    assert.deepEqual(
      results.map((r) => r.slot! - T0),
      Array.from({ length: 1_441 }, (_, i) => i * MIN),
      'in slot order',
    );
    assert.equal(a.outbox.depth(), 0);
    const report = observedOfType<Report>(watcher.messages.slice(before), 'agent.report')[0]!;
    assert.deepEqual(report.missedSlots, 0);
  });

  it('slots past maxLateness are skipped and reported as missed in agent.report', async () => {
    const a = await startAgent({ reportIntervalMs: MIN });
    await watcher.publish(cmdTopic(agentId), encodeMessage(plan(1, MIN, T0, 0)));
    await watcher.waitFor(() => observedResults(watcher.messages).length === 1, 10_000, 'first result');
    // Ten minutes pass at once: with maxLateness 0 the slots in between can no longer start.
    clock.advance(10 * MIN + 1);
    await a.plan.idle();
    clock.advance(MIN);
    await a.plan.idle();
    const expectedMissed = a.plan.missedUnreported();
    assert.ok(expectedMissed >= 9, `skipped ${expectedMissed}`);
    clock.advance(MIN); // the next report tick
    const report = await watcher.waitFor((m) => observedOfType<Report>([m], 'agent.report').some((r) => r.missedSlots > 0), 10_000, 'a report with missed slots');
    assert.equal(observedOfType<Report>([report], 'agent.report')[0]!.missedSlots, expectedMissed);
  });

  it('the size cap drops the oldest results first and the count reaches the core in agent.report', async () => {
    const a = await startAgent({ outboxMaxResults: 10 });
    await watcher.publish(cmdTopic(agentId), encodeMessage(plan(1, MIN, T0 + MIN, 24 * 60 * MIN)));
    await watcher.waitFor((m) => observedOfType([m], 'agent.report').length > 0, 10_000, 'report on connect');
    await a.cutOff();
    for (let i = 0; i < 25; i++) {
      clock.advance(MIN);
      await a.plan.idle();
    }
    assert.equal(a.outbox.depth(), 10);
    const before = watcher.messages.length;
    broker.allow(agentId);
    const report = await watcher.waitFor((m) => watcher.messages.indexOf(m) >= before && observedOfType([m], 'agent.report').length > 0, 10_000, 'report after reconnect');
    assert.equal(observedOfType<Report>([report], 'agent.report')[0]!.outboxDropped, 15);
    await watcher.waitFor(() => observedResults(watcher.messages).length >= 10, 10_000, 'the kept results');
    await a.drainer.drained();
    assert.deepEqual(
      observedResults(watcher.messages).map((r) => (r.slot! - T0) / MIN),
      [16, 17, 18, 19, 20, 21, 22, 23, 24, 25],
      'the newest ten, the oldest fifteen dropped',
    );
    assert.equal(a.outbox.droppedUnreported(), 0, 'reported, so no longer pending');
  });

  it('results in the outbox of an agent killed with SIGKILL are delivered after the restart, exactly once', async () => {
    const env = { PROPHASIS_DATA_DIR: dataDir, PROPHASIS_LOG_LEVEL: 'warn' };
    const first = spawnCli(['run'], env);
    const firstExit = finished(first, 60_000);
    try {
      await watcher.waitFor((m) => stateStatus(m) === 'online', 15_000, 'online');
      await watcher.publish(cmdTopic(agentId), encodeMessage(plan(1, 1_000, 0, 5_000)));
      await watcher.waitFor(() => observedResults(watcher.messages).length >= 1, 15_000, 'a first result');
      await broker.cutOff(agentId);
      // Wait (bounded) until the outbox holds several results the core has not seen.
      const deadline = Date.now() + 20_000;
      let waiting: string[] = [];
      while (Date.now() < deadline) {
        const db = new DatabaseSync(agentDatabasePath(dataDir), { readOnly: true });
        waiting = (db.prepare('SELECT result_id AS id FROM outbox').all() as { id: string }[]).map((r) => r.id);
        db.close();
        if (waiting.length >= 3) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      first.kill('SIGKILL');
      assert.equal((await firstExit).signal, 'SIGKILL');
      const db = new DatabaseSync(agentDatabasePath(dataDir), { readOnly: true });
      waiting = (db.prepare('SELECT result_id AS id FROM outbox').all() as { id: string }[]).map((r) => r.id);
      db.close();
      assert.ok(waiting.length >= 3, `results waiting at the kill: ${waiting.length}`);
      const seenBefore = new Set(observedResults(watcher.messages).map((r) => r.id));
      assert.ok(waiting.every((id) => !seenBefore.has(id)));

      broker.allow(agentId);
      const second = spawnCli(['run'], env);
      const secondExit = finished(second, 60_000);
      try {
        await watcher.waitFor(() => waiting.every((id) => observedResults(watcher.messages).some((r) => r.id === id)), 20_000, 'the results of the killed agent');
      } finally {
        second.kill('SIGTERM');
        await secondExit;
      }
      const ids = observedResults(watcher.messages).map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, 'nothing delivered twice');
    } finally {
      first.kill('SIGKILL');
    }
  });
});
