import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { cmdTopic, createMessage, encodeMessage, generatePublisherKeys, resTopic, sha256Hex, stateTopic } from '@prophasis/protocol';
import { signedTestBundle, testManifest } from '@prophasis/protocol/testing';
import { createAgent, type Agent } from '../src/agent.js';
import { trustOnDisk } from './support/bundles.js';
import { createFakeClock, type FakeClock } from './support/fake-clock.js';
import { enrolledAgent, observedOfType, observedResults, recordingRunner, testConfig, type RecordingRunner } from './support/harness.js';
import { captureLogger } from './support/log-capture.js';
import { observe, stateStatus, type Observer } from './support/observer.js';
import { startTestBroker, type TestBroker } from './support/test-broker.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const MIN = 60_000;
const PLUGIN = 'io.prophasis.test-port';
const TARGET = { hostId: 7, address: '127.0.0.1', name: 'printer-1' };

/**
 * A collector's plan (docs/devices.md, "Targets"): entries with a `target` run with the target in
 * the sandbox's run options and the plugin's `host` parameter defaulted to its address; their
 * results carry `targetHostId` and wait in the outbox like the agent's own while it is cut off.
 */
describe('agent: plan entries for a device target (test broker fixture)', function () {
  this.timeout(60_000);
  const keys = generatePublisherKeys();
  let broker: TestBroker;
  let root: string;
  let dataDir: string;
  let agentId: string;
  let agent: Agent | undefined;
  let watcher: Observer;
  let clock: FakeClock;
  let runner: RecordingRunner;

  beforeEach(async () => {
    clock = createFakeClock(T0);
    broker = await startTestBroker();
    ({ root, dataDir, agentId } = await enrolledAgent(broker));
    await trustOnDisk(dataDir, keys);
    watcher = await observe(broker, [resTopic(agentId), stateTopic(agentId)]);
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await watcher.close();
    await broker.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('passes the target to the run, defaults host to its address, stamps targetHostId, and keeps device results in the outbox while cut off', async () => {
    const log = captureLogger('info');
    runner = recordingRunner();
    agent = await createAgent(testConfig(dataDir), { logger: log.logger, runner, clock });
    await agent.start();
    await watcher.waitFor((m) => stateStatus(m) === 'online', 10_000, 'state online');

    const manifest = testManifest({}, { id: PLUGIN, name: 'Test port', capabilities: ['net.connect:*:*'], parameters: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer' } } } });
    const zip = signedTestBundle(keys, manifest, { 'plugin.js': 'export async function measure() { return { value: 1 }; }\n', 'classifier.lua': 'return "ok"\n' });
    const sha256 = sha256Hex(zip);
    await watcher.publish(cmdTopic(agentId), encodeMessage(createMessage('bundle.install', { pluginId: PLUGIN, version: '1.0.0', sha256, bundle: zip.toString('base64') })));
    await watcher.waitFor((m) => observedOfType<{ sha256: string; status: string }>([m], 'bundle.status').some((s) => s.sha256 === sha256 && s.status === 'installed'), 10_000, 'installed');

    const entry = (key: string, params: Record<string, unknown>, target?: typeof TARGET) => ({
      key,
      checkId: '5',
      pluginId: PLUGIN,
      version: '1.0.0',
      sha256,
      params,
      intervals: [{ start: T0, everyMs: MIN }],
      capabilities: ['net.connect:*:*'],
      ...(target ? { target } : {}),
    });
    await watcher.publish(
      cmdTopic(agentId),
      encodeMessage(
        createMessage('plan.set', {
          revision: 1,
          maxLatenessMs: 24 * 60 * MIN,
          entries: [entry('5:io.prophasis.test-port', { host: 'own.example', port: 22 }), entry(`5:io.prophasis.test-port@${TARGET.hostId}`, { port: 9100 }, TARGET), entry('6:io.prophasis.test-port@8', { host: 'explicit.example', port: 80 }, { hostId: 8, address: '192.0.2.8', name: 'ups-1' })],
        }),
      ),
    );
    await watcher.waitFor(() => observedResults(watcher.messages).length >= 3, 10_000, 'first results');

    const byHost = new Map(runner.calls.map((c) => [String(c.params['host']), c]));
    assert.deepEqual(byHost.get('127.0.0.1')?.target, { address: '127.0.0.1', name: 'printer-1' }, 'the target reaches the run options');
    assert.deepEqual(byHost.get('127.0.0.1')?.params, { port: 9100, host: '127.0.0.1' }, 'host defaults to the target address');
    assert.deepEqual(byHost.get('explicit.example')?.target, { address: '192.0.2.8', name: 'ups-1' }, 'a host the check names is kept');
    assert.equal(byHost.get('own.example')?.target, undefined, "the agent's own entry has no target");
    const first = observedResults(watcher.messages);
    assert.deepEqual(first.map((r) => r.targetHostId ?? null).sort(), [7, 8, null].sort());

    // Cut off: device results wait in the outbox like the agent's own, then arrive once each.
    const seen = log.lines.filter((l) => l.msg === 'disconnected').length;
    await broker.cutOff(agentId);
    await log.waitFor(() => log.lines.filter((l) => l.msg === 'disconnected').length > seen, 10_000, 'disconnected');
    for (let i = 0; i < 5; i++) {
      clock.advance(MIN);
      await agent.plan.idle();
    }
    assert.equal(agent.outbox.depth(), 15, 'three entries × five slots held');
    broker.allow(agentId);
    await watcher.waitFor(() => observedResults(watcher.messages).length >= 18, 30_000, 'the backlog');
    await agent.drainer.drained();
    const all = observedResults(watcher.messages);
    assert.equal(new Set(all.map((r) => r.id)).size, all.length, 'each once');
    assert.equal(all.filter((r) => r.targetHostId === 7).length, 6);
    assert.equal(all.filter((r) => r.targetHostId === 8).length, 6);
    assert.equal(all.filter((r) => r.targetHostId === undefined).length, 6);
  });
});
