import assert from 'node:assert/strict';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { cmdTopic, createMessage, encodeMessage, resTopic, sha256Hex, stateTopic, type Result } from '@prophasis/protocol';
import { tamperBundle } from '@prophasis/protocol/testing';
import { createAgent, type Agent } from '../src/agent.js';
import { generatePublisherKeys, makeSignedBundle, trustOnDisk, type TestBundle } from './support/bundles.js';
import { createFakeClock } from './support/fake-clock.js';
import { enrolledAgent, observedOfType, observedResults, recordingRunner, testConfig, type RecordingRunner } from './support/harness.js';
import { captureLogger, type CapturedLog } from './support/log-capture.js';
import { observe, stateStatus, type Observer } from './support/observer.js';
import { startTestBroker, type TestBroker } from './support/test-broker.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MIN = 60_000;
type Status = { pluginId: string; sha256: string; status: string; reason?: string };

describe('agent execution: bundles, plan and check.run over TLS (test broker fixture)', function () {
  this.timeout(60_000);
  let broker: TestBroker;
  let root: string;
  let dataDir: string;
  let agentId: string;
  let agent: Agent | undefined;
  let watcher: Observer | undefined;
  let log: CapturedLog;
  let runner: RecordingRunner;
  let good: TestBundle;
  const keys = generatePublisherKeys();
  let clock = createFakeClock(T0);

  before(async () => {
    good = await makeSignedBundle(keys, { capabilities: ['os.info'] });
  });
  beforeEach(async () => {
    clock = createFakeClock(T0);
    broker = await startTestBroker();
    ({ root, dataDir, agentId } = await enrolledAgent(broker));
    await trustOnDisk(dataDir, keys);
    log = captureLogger('debug');
    runner = recordingRunner((input) => (input.params.entry === 'run' ? 1000 : 42));
    agent = await createAgent(testConfig(dataDir), { logger: log.logger, runner, clock });
    watcher = await observe(broker, [resTopic(agentId), stateTopic(agentId)]);
    await agent.start();
    await watcher.waitFor((m) => stateStatus(m) === 'online', 10_000, 'state online');
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await watcher?.close();
    await broker.stop();
    await rm(root, { recursive: true, force: true });
  });

  const send = (message: Parameters<typeof encodeMessage>[0]) => watcher!.publish(cmdTopic(agentId), encodeMessage(message));
  const install = (b: TestBundle, zip = b.zip) => send(createMessage('bundle.install', { pluginId: b.pluginId, version: b.version, sha256: b.sha256, bundle: zip.toString('base64') }));
  const statusOf = (sha256: string) =>
    watcher!.waitFor((m) => observedOfType<Status>([m], 'bundle.status').some((s) => s.sha256 === sha256), 10_000, `bundle.status of ${sha256.slice(0, 8)}`).then(
      (m) => observedOfType<Status>([m], 'bundle.status')[0]!,
    );
  const entry = (key: string, start: number) => ({
    key,
    checkId: `check-${key}`,
    pluginId: good.pluginId,
    version: good.version,
    sha256: good.sha256,
    params: { entry: key },
    intervals: [{ start, everyMs: MIN }],
    capabilities: ['os.info', 'exec:/bin/sh'],
  });
  const bundleFolders = async () => (await readdir(join(dataDir, 'bundles', good.pluginId)).catch(() => [] as string[])).sort();

  it('installs a verified bundle (status installed, folder, state lists its hash), then runs the plan one plugin at a time in slot order, with check.run ahead of the queue', async () => {
    await install(good);
    const status = await statusOf(good.sha256);
    assert.equal(status.status, 'installed');
    assert.deepEqual(await bundleFolders(), [`${good.version}-${good.sha256}`]);
    assert.ok((await stat(join(dataDir, 'bundles', good.pluginId, `${good.version}-${good.sha256}`, 'plugin.js'))).isFile());
    await watcher!.waitFor((m) => m.topic.endsWith('/state') && (JSON.parse(m.payload.toString()) as { body: { bundles?: string[] } }).body.bundles?.includes(good.sha256) === true, 10_000, 'state with the bundle');

    runner.hold();
    await send(createMessage('plan.set', { revision: 1, maxLatenessMs: 10 * MIN, entries: [entry('e1', T0), entry('e2', T0 + 30_000)] }));
    await runner.waitingAtGate(); // e1@T0 is running and held
    clock.advance(150_000); // e2@30s, e1@60s, e2@90s, e1@120s, e2@150s now due
    await send(createMessage('check.run', { requestId: 'req-1', checkId: null, pluginId: good.pluginId, version: good.version, sha256: good.sha256, params: { entry: 'run' }, capabilities: [] }));
    await log.waitFor((l) => l.msg === 'run requested', 10_000, 'check.run queued');
    runner.release();
    await agent!.plan.idle();

    assert.deepEqual(runner.calls.map((c) => c.params.entry), ['e1', 'run', 'e2', 'e1', 'e2', 'e1', 'e2']);
    assert.equal(runner.maxConcurrent, 1, 'one plugin at a time');
    assert.deepEqual(runner.calls[0]!.approvedCapabilities, ['os.info'], 'approved AND declared only');
    assert.equal(runner.calls[0]!.code, 'export async function measure(host, params) { return { value: 42 }; }\n');

    await watcher!.waitFor(() => observedResults(watcher!.messages).length >= 7, 10_000, 'seven results');
    const results = observedResults(watcher!.messages);
    assert.equal(results.length, 7);
    assert.equal(new Set(results.map((r) => r.id)).size, 7);
    const scheduled = results.filter((r) => r.slot !== null).map((r) => [r.checkId, r.slot! - T0]);
    assert.deepEqual(
      scheduled.sort((a, b) => (a[1] as number) - (b[1] as number)),
      [['check-e1', 0], ['check-e2', 30_000], ['check-e1', 60_000], ['check-e2', 90_000], ['check-e1', 120_000], ['check-e2', 150_000]],
    );
    const run = results.find((r) => r.slot === null)!;
    assert.equal(run.requestId, 'req-1');
    assert.equal(run.value, 1000);
    assert.equal(run.measuredAt, T0 + 150_000);
  });

  it('refuses a tampered bundle, an unknown publisher and a zip-slip bundle with their reasons, writes nothing, and stays healthy', async () => {
    // The good bundle, its signature kept: one with a file that lies, one with a `../` entry.
    const tamperedZip = tamperBundle(good.zip, { replace: { 'plugin.js': Buffer.from('export async function measure() { return { value: 666 }; }\n') } });
    const slipZip = tamperBundle(good.zip, { extra: [{ name: '../../escaped.js', data: Buffer.from('pwned') }] });
    const stranger = await makeSignedBundle(generatePublisherKeys(), { version: '2.0.0' });
    const cases: [string, Buffer, string, RegExp][] = [
      ['tampered', tamperedZip, sha256Hex(tamperedZip), /^BUNDLE_HASH_MISMATCH: .*plugin\.js/],
      ['zip-slip', slipZip, sha256Hex(slipZip), /^BUNDLE_PATH_TRAVERSAL/],
      ['unknown publisher', stranger.zip, stranger.sha256, /^BUNDLE_UNKNOWN_PUBLISHER/],
      ['hash not the one announced', good.zip, 'f'.repeat(64), /^BUNDLE_HASH_MISMATCH: the bundle's SHA-256/],
    ];
    for (const [what, zip, sha256, reason] of cases) {
      await send(createMessage('bundle.install', { pluginId: good.pluginId, version: what === 'unknown publisher' ? '2.0.0' : good.version, sha256, bundle: zip.toString('base64') }));
      const status = await statusOf(sha256);
      assert.equal(status.status, 'refused', what);
      assert.match(status.reason ?? '', reason, what);
    }
    assert.deepEqual(await bundleFolders(), [], 'nothing installed');
    assert.deepEqual(await readdir(join(dataDir, 'bundles', '.tmp')), [], 'no leftovers');
    assert.deepEqual((await readdir(root)).sort(), ['data'], 'nothing escaped the data directory');
    assert.ok(!(await readdir(join(dataDir))).includes('escaped.js'));

    // Still healthy: a run for a bundle that is not installed says so, and an install then works.
    await send(createMessage('check.run', { requestId: 'req-missing', checkId: null, pluginId: good.pluginId, version: good.version, sha256: good.sha256, params: {}, capabilities: [] }));
    const missing = await watcher!.waitFor((m) => observedResults([m]).some((r) => r.requestId === 'req-missing'), 10_000, 'result of the run');
    const result = observedResults([missing])[0] as Result;
    assert.equal(result.resultType, 'command_unsuccessful');
    assert.equal(result.message, 'bundle not installed');
    await install(good);
    assert.equal((await statusOf(good.sha256)).status, 'installed');
    assert.equal(runner.calls.length, 0);
  });

  it('ignores an older plan revision, resumes the persisted plan after a restart and removes bundles no plan uses', async () => {
    await install(good);
    await statusOf(good.sha256);
    await send(createMessage('plan.set', { revision: 5, maxLatenessMs: MIN, entries: [entry('e1', T0)] }));
    await log.waitFor((l) => l.msg === 'plan set', 10_000, 'plan set');
    await send(createMessage('plan.set', { revision: 4, maxLatenessMs: MIN, entries: [] }));
    await log.waitFor((l) => l.msg === 'ignoring an older plan', 10_000, 'older plan ignored');
    await agent!.plan.idle();
    assert.equal(agent!.plan.revision(), 5);
    await agent!.stop();

    agent = await createAgent(testConfig(dataDir), { logger: log.logger, runner, clock });
    await agent.start();
    assert.equal(agent.plan.revision(), 5, 'plan resumed from disk');
    clock.advance(MIN);
    await agent.plan.idle();
    assert.deepEqual(runner.calls.map((c) => c.params.entry), ['e1', 'e1'], 'the slot after the one already run, not a rerun');

    await send(createMessage('plan.set', { revision: 6, maxLatenessMs: MIN, entries: [] }));
    const removed = await watcher!.waitFor((m) => observedOfType<Status>([m], 'bundle.status').some((s) => s.status === 'removed'), 10_000, 'removed');
    assert.equal(observedOfType<Status>([removed], 'bundle.status')[0]!.sha256, good.sha256);
    assert.deepEqual(await bundleFolders(), []);
  });
});
