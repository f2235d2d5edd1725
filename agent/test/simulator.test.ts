import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cmdTopic, createMessage, encodeMessage, resTopic } from '@prophasis/protocol';
import { createSimulator, type Simulator } from '../src/simulator/simulator.js';
import { observedResults } from './support/harness.js';
import { captureLogger } from './support/log-capture.js';
import { observe, type Observer } from './support/observer.js';
import { startTestBroker, type TestBroker } from './support/test-broker.js';

const PLUGIN = 'io.prophasis.test-value';
const SHA = 'c'.repeat(64);

describe('simulator: N agents in one process over TLS (test broker fixture)', function () {
  this.timeout(60_000);
  let broker: TestBroker;
  let root: string;
  let simulator: Simulator | undefined;
  let watcher: Observer | undefined;

  beforeEach(async () => {
    broker = await startTestBroker();
    root = await mkdtemp(join(tmpdir(), 'prophasis-sim-'));
  });
  afterEach(async () => {
    await simulator?.stop();
    simulator = undefined;
    await watcher?.close();
    await broker.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('enrols 3 agents through the enrolment path, follows the plan with the scenario values, and a scenario edit changes the next values', async () => {
    const scenarioPath = join(root, 'scenario.json');
    await writeFile(scenarioPath, JSON.stringify({ hosts: { 'web-1': { '*': { value: 7 } }, '*': { [PLUGIN]: { values: [1, 2, 3] } } } }));
    const tokens = ['a', 'b', 'c'].map((c) => c.repeat(32));
    tokens.forEach((t) => broker.addToken(t));
    const log = captureLogger('info');
    simulator = await createSimulator(
      {
        agents: [{ hostName: 'web-1' }, { hostName: 'db-1' }, { hostName: 'db-2' }],
        server: `127.0.0.1:${broker.port}`,
        caFingerprint: broker.pki.caFingerprint,
        scenario: scenarioPath,
        dataDir: join(root, 'sim'),
        enrolToken: (i) => tokens[i]!,
        config: { reconnectInitialMs: 50, reconnectMaxMs: 200 },
      },
      { logger: log.logger },
    );
    await simulator.start();
    assert.equal(simulator.agents.length, 3);
    assert.equal(broker.agents.size, 3, 'each enrolled with its own credentials');
    assert.deepEqual(
      simulator.agents.map((a) => broker.agents.has(a.agentId)),
      [true, true, true],
    );
    watcher = await observe(broker, ['prophasis/v1/agents/+/res']);
    for (const a of simulator.agents) {
      await watcher.publish(
        cmdTopic(a.agentId),
        encodeMessage(
          createMessage('plan.set', {
            revision: 1,
            maxLatenessMs: 5_000,
            entries: [{ key: 'k', checkId: 'chk', pluginId: PLUGIN, version: '1.0.0', sha256: SHA, params: {}, intervals: [{ start: 0, everyMs: 1_000 }], capabilities: [] }],
          }),
        ),
      );
    }
    const resultsOf = (agentId: string) => observedResults(watcher!.messages.filter((m) => m.topic === resTopic(agentId)));
    const [web, db1, db2] = simulator.agents as [(typeof simulator.agents)[0], (typeof simulator.agents)[0], (typeof simulator.agents)[0]];
    await watcher.waitFor(() => resultsOf(db1.agentId).length >= 3 && resultsOf(db2.agentId).length >= 1 && resultsOf(web.agentId).length >= 1, 15_000, 'results of all three');
    assert.deepEqual(resultsOf(db1.agentId).slice(0, 3).map((r) => r.value), [1, 2, 3]);
    assert.equal(resultsOf(web.agentId)[0]!.value, 7);
    assert.equal(resultsOf(db2.agentId)[0]!.resultType, 'plugin');

    const reloaded = new Promise<number>((resolve) => simulator!.scenario.onReload(resolve));
    await writeFile(scenarioPath, JSON.stringify({ hosts: { '*': { '*': { message: 'connection refused', resultType: 'connection_error' } } } }));
    assert.equal(await reloaded, 1);
    await watcher.publish(
      cmdTopic(db1.agentId),
      encodeMessage(createMessage('check.run', { requestId: 'after-edit', checkId: null, pluginId: PLUGIN, version: '1.0.0', sha256: SHA, params: {}, capabilities: [] })),
    );
    await watcher.waitFor(() => resultsOf(db1.agentId).some((r) => r.requestId === 'after-edit'), 10_000, 'the run after the edit');
    const after = resultsOf(db1.agentId).find((r) => r.requestId === 'after-edit')!;
    assert.equal(after.resultType, 'connection_error');
    assert.equal(after.message, 'connection refused');
    assert.equal(after.value, null);

    // An invalid edit is ignored; the previous scenario stays in force.
    await writeFile(scenarioPath, '{"hosts": ');
    await log.waitFor((l) => /scenario edit ignored/.test(l.msg), 10_000, 'invalid edit logged');
    assert.equal(simulator.scenario.current().hosts['*']?.['*']?.resultType, 'connection_error');
  });

  it('runs the plan on the clock it is given: slots and measured times come from that clock, not the system time', async () => {
    broker.addToken('e'.repeat(32));
    // A clock ten years ahead (the soak bench passes a compressed one); timers stay real.
    const AHEAD_MS = 10 * 365 * 86_400_000;
    simulator = await createSimulator(
      {
        agents: [{ token: 'e'.repeat(32) }],
        server: `127.0.0.1:${broker.port}`,
        caPem: broker.pki.caCertPem,
        scenario: { hosts: { '*': { '*': { value: 1 } } } },
        dataDir: join(root, 'sim'),
        clock: { now: () => Date.now() + AHEAD_MS, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
      },
      { logger: captureLogger('warn').logger },
    );
    await simulator.start();
    const [agent] = simulator.agents as [(typeof simulator.agents)[0]];
    watcher = await observe(broker, [resTopic(agent.agentId)]);
    await watcher.publish(
      cmdTopic(agent.agentId),
      encodeMessage(
        createMessage('plan.set', {
          revision: 1,
          maxLatenessMs: 5_000,
          entries: [{ key: 'k', checkId: 'chk', pluginId: PLUGIN, version: '1.0.0', sha256: SHA, params: {}, intervals: [{ start: 0, everyMs: 1_000 }], capabilities: [] }],
        }),
      ),
    );
    await watcher.waitFor(() => observedResults(watcher!.messages).length >= 2, 15_000, 'two results');
    for (const r of observedResults(watcher.messages).slice(0, 2)) {
      assert.ok(r.slot !== null && r.slot > Date.now() + AHEAD_MS - 60_000, `slot ${r.slot} on the given clock`);
      assert.ok(r.measuredAt > Date.now() + AHEAD_MS - 60_000, `measuredAt ${r.measuredAt} on the given clock`);
    }
  });

  it('one fleet token enrols every agent left without a token, each under its own host name', async () => {
    const fleet = `pfleet_${'F'.repeat(43)}`;
    broker.addFleetToken(fleet);
    simulator = await createSimulator(
      {
        // Only the first agent names a token: it is a fleet token, so it serves the others too.
        agents: [{ token: fleet }, {}, { hostName: 'edge-9' }],
        server: `127.0.0.1:${broker.port}`,
        caPem: broker.pki.caCertPem,
        scenario: { hosts: {} },
        dataDir: join(root, 'sim'),
      },
      { logger: captureLogger('warn').logger },
    );
    await simulator.start();
    assert.deepEqual(
      simulator.agents.map((a) => a.hostName),
      ['sim-0001', 'sim-0002', 'edge-9'],
    );
    assert.equal(broker.agents.size, 3, 'each enrolled with its own credentials');
    assert.equal(new Set(simulator.agents.map((a) => a.agentId)).size, 3);
  });

  it('a single-use token is not shared: an agent left without a token is refused', async () => {
    broker.addToken('s'.repeat(32));
    await assert.rejects(
      createSimulator(
        { agents: [{ token: 's'.repeat(32) }, {}], server: `127.0.0.1:${broker.port}`, caPem: broker.pki.caCertPem, scenario: { hosts: {} }, dataDir: join(root, 'sim') },
        { logger: captureLogger('warn').logger },
      ).then(async (s) => {
        simulator = s;
        await s.start();
      }),
      /simulated agent 2 has no credentials and no enrolment token/,
    );
  });

  it('rate mode publishes batches as fast as the broker acknowledges them and counts them', async () => {
    broker.addToken('d'.repeat(32));
    simulator = await createSimulator(
      { agents: [{ token: 'd'.repeat(32) }], server: `127.0.0.1:${broker.port}`, caPem: broker.pki.caCertPem, scenario: { hosts: {} }, dataDir: join(root, 'sim') },
      { logger: captureLogger('warn').logger },
    );
    await simulator.start();
    await new Promise<void>((resolve) => simulator!.agents[0]!.agent.connection.onStatus((s) => s === 'connected' && resolve()));
    watcher = await observe(broker, [resTopic(simulator.agents[0]!.agentId)]);
    const { published } = await simulator.rate({ seconds: 1, batchSize: 100, inFlight: 2 });
    assert.ok(published >= 100 && published % 100 === 0, `published ${published}`);
    // Counted incrementally: re-parsing every message on each arrival would be quadratic.
    const ids = new Set<string>();
    let parsed = 0;
    let total = 0;
    const count = () => {
      for (; parsed < watcher!.messages.length; parsed++) {
        for (const r of observedResults([watcher!.messages[parsed]!])) {
          ids.add(r.id);
          total += 1;
        }
      }
      return total;
    };
    await watcher.waitFor(() => count() >= published, 20_000, 'all published results');
    assert.equal(total, published);
    assert.equal(ids.size, total, 'unique ids');
  });
});
