import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cmdTopic, createMessage, encodeMessage, publicKeyFingerprint, resTopic, stateTopic, type Result } from '@prophasis/protocol';
import { AGENT_VERSION } from '../src/facts.js';
import { generatePublisherKeys, makeSignedBundle, type TestBundle } from './support/bundles.js';
import { finished, spawnCli, type CliResult } from './support/cli.js';
import { enrolledAgent, observedOfType, observedResults } from './support/harness.js';
import { observe, stateStatus, type Observer } from './support/observer.js';
import { startTestBroker, type TestBroker } from './support/test-broker.js';

/**
 * The whole path a plugin takes on a host, with nothing stubbed: a real `prophasis-agent run`
 * process (from source) behind TLS, a publisher key trusted through `config.set`, signed
 * bundles verified and installed, a plan with 1-second slots, the plugins run in the isolated-vm
 * sandbox process, results published on `res`.
 */

const LOOP_TIMEOUT_MS = 500;

/** Process ids of the sandbox processes the agent logged (info level, with the start time). */
function sandboxPids(stdout: string): number[] {
  const pids: number[] = [];
  for (const line of stdout.split('\n')) {
    try {
      const entry = JSON.parse(line) as { msg?: string; pid?: number; component?: string };
      if (entry.component === 'sandbox' && entry.msg === 'sandbox process ready' && typeof entry.pid === 'number') pids.push(entry.pid);
    } catch {
      // not a log line
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('prophasis-agent run: signed plugins in the sandbox, end to end over TLS (test broker fixture)', function () {
  this.timeout(90_000);
  let broker: TestBroker;
  let root: string;
  let dataDir: string;
  let agentId: string;
  let watcher: Observer | undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<CliResult> | undefined;
  const keys = generatePublisherKeys();
  let good: TestBundle;
  let loop: TestBundle;

  before(async () => {
    good = await makeSignedBundle(keys, {
      pluginId: 'io.prophasis.test-answer',
      capabilities: ['agent.info'],
      code: 'export async function measure(host, params) {\n  const info = await host.agent.info();\n  return { value: params.a * params.b, message: `agent ${info.version}` };\n}\n',
    });
    loop = await makeSignedBundle(keys, { pluginId: 'io.prophasis.test-loop', capabilities: [], code: 'export function measure() { for (;;) {} }\n' });
  });

  beforeEach(async () => {
    broker = await startTestBroker();
    ({ root, dataDir, agentId } = await enrolledAgent(broker));
  });

  afterEach(async () => {
    child?.kill('SIGKILL');
    await exited?.catch(() => undefined);
    child = undefined;
    exited = undefined;
    await watcher?.close();
    watcher = undefined;
    await broker.stop();
    await rm(root, { recursive: true, force: true });
  });

  const send = (message: Parameters<typeof encodeMessage>[0]) => watcher!.publish(cmdTopic(agentId), encodeMessage(message));
  const installed = (b: TestBundle) =>
    watcher!.waitFor(
      (m) => observedOfType<{ sha256: string; status: string }>([m], 'bundle.status').some((s) => s.sha256 === b.sha256),
      20_000,
      `bundle.status of ${b.pluginId}`,
    );

  it('installs bundles from a publisher trusted by config.set, runs a plan every second in the sandbox, reports an endless loop as a timeout, and the other entry keeps going', async () => {
    watcher = await observe(broker, [resTopic(agentId), stateTopic(agentId)]);
    child = spawnCli(['run'], { PROPHASIS_DATA_DIR: dataDir, PROPHASIS_LOG_LEVEL: 'debug' });
    exited = finished(child, 85_000);
    await watcher.waitFor((m) => stateStatus(m) === 'online', 20_000, 'state online');

    // No key on disk: the bundles are trusted only because the core said so.
    await send(
      createMessage('config.set', {
        trustedPublishers: [{ keyId: publicKeyFingerprint(keys.publicKey), publicKeyPem: keys.publicKey.export({ format: 'pem', type: 'spki' }).toString(), name: 'tests' }],
      }),
    );
    for (const bundle of [good, loop]) {
      await send(createMessage('bundle.install', { pluginId: bundle.pluginId, version: bundle.version, sha256: bundle.sha256, bundle: bundle.zip.toString('base64') }));
      const status = observedOfType<{ status: string; reason?: string }>([await installed(bundle)], 'bundle.status')[0]!;
      assert.equal(status.status, 'installed', status.reason);
    }

    const start = Math.floor(Date.now() / 1000) * 1000;
    await send(
      createMessage('plan.set', {
        revision: 1,
        maxLatenessMs: 30_000,
        entries: [
          { key: 'answer', checkId: 'check-answer', pluginId: good.pluginId, version: good.version, sha256: good.sha256, params: { a: 6, b: 7 }, intervals: [{ start, everyMs: 1_000 }], capabilities: ['agent.info'] },
          // The entry's own timeout shortens the run (the operator's cap is 10 s).
          { key: 'loop', checkId: 'check-loop', pluginId: loop.pluginId, version: loop.version, sha256: loop.sha256, params: {}, intervals: [{ start, everyMs: 2_000 }], capabilities: [], timeoutMs: LOOP_TIMEOUT_MS },
        ],
      }),
    );

    const first = await watcher.waitFor((m) => observedResults([m]).some((r) => r.pluginId === good.pluginId), 20_000, 'a result of the answer plugin');
    const answer = observedResults([first]).find((r) => r.pluginId === good.pluginId) as Result;
    assert.equal(answer.resultType, 'plugin', answer.message ?? undefined);
    assert.equal(answer.value, 42);
    assert.equal(answer.message, `agent ${AGENT_VERSION}`, 'agent.info answered by the agent process');
    assert.equal(answer.checkId, 'check-answer');
    assert.equal((answer.slot as number) % 1_000, start % 1_000);

    const failed = await watcher.waitFor((m) => observedResults([m]).some((r) => r.pluginId === loop.pluginId), 20_000, 'a result of the loop plugin');
    const timeout = observedResults([failed]).find((r) => r.pluginId === loop.pluginId) as Result;
    assert.equal(timeout.resultType, 'command_unsuccessful');
    assert.equal(timeout.message, `timeout after ${LOOP_TIMEOUT_MS} ms`);
    assert.equal(timeout.value, null);
    assert.ok(timeout.durationMs >= LOOP_TIMEOUT_MS && timeout.durationMs < 10_000, `durationMs ${timeout.durationMs}`);

    // Still healthy: the answer entry goes on producing its value after the cut-off runs.
    await watcher.waitFor(
      () => observedResults(watcher!.messages).filter((r) => r.pluginId === good.pluginId && r.measuredAt > timeout.measuredAt).length >= 2,
      20_000,
      'two answers after the timeout',
    );
    const later = observedResults(watcher.messages).filter((r) => r.pluginId === good.pluginId && r.measuredAt > timeout.measuredAt);
    assert.ok(later.every((r) => r.resultType === 'plugin' && r.value === 42), JSON.stringify(later));
    assert.ok(observedResults(watcher.messages).filter((r) => r.pluginId === loop.pluginId).every((r) => r.message === `timeout after ${LOOP_TIMEOUT_MS} ms`));
    const ids = observedResults(watcher.messages).map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'every result once');

    // A clean stop takes the sandbox processes with it.
    child.kill('SIGTERM');
    const outcome = await exited;
    assert.equal(outcome.code, 0, outcome.stderr);
    const pids = sandboxPids(outcome.stdout);
    assert.ok(pids.length >= 2, `a replacement sandbox process after the timeout (saw ${pids.join(', ')})`);
    const deadline = Date.now() + 5_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(pids.filter(alive), [], 'no sandbox process outlives the agent');
  });

  it('stops the idle sandbox process between slots and starts it again for the next one (PROPHASIS_SANDBOX_IDLE_MS), losing no slot; agent.report carries the start figures', async () => {
    watcher = await observe(broker, [resTopic(agentId), stateTopic(agentId)]);
    // reportIntervalMs only from the configuration file: a report every second.
    const configFile = join(root, 'agent.json');
    await writeFile(configFile, JSON.stringify({ reportIntervalMs: 1_000 }));
    child = spawnCli(['run'], { PROPHASIS_DATA_DIR: dataDir, PROPHASIS_LOG_LEVEL: 'info', PROPHASIS_SANDBOX_IDLE_MS: '700', PROPHASIS_AGENT_CONFIG: configFile });
    exited = finished(child, 85_000);
    await watcher.waitFor((m) => stateStatus(m) === 'online', 20_000, 'state online');
    await send(
      createMessage('config.set', {
        trustedPublishers: [{ keyId: publicKeyFingerprint(keys.publicKey), publicKeyPem: keys.publicKey.export({ format: 'pem', type: 'spki' }).toString(), name: 'tests' }],
      }),
    );
    await send(createMessage('bundle.install', { pluginId: good.pluginId, version: good.version, sha256: good.sha256, bundle: good.zip.toString('base64') }));
    await installed(good);
    const start = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    // Slots 3 s apart, the idle time 0.7 s: the sandbox process goes after every run.
    await send(
      createMessage('plan.set', {
        revision: 1,
        maxLatenessMs: 30_000,
        entries: [{ key: 'answer', checkId: 'check-answer', pluginId: good.pluginId, version: good.version, sha256: good.sha256, params: { a: 6, b: 7 }, intervals: [{ start, everyMs: 3_000 }], capabilities: ['agent.info'] }],
      }),
    );
    await watcher.waitFor(() => observedResults(watcher!.messages).length >= 3, 30_000, 'three results');
    const results = observedResults(watcher.messages).slice(0, 3);
    assert.deepEqual(
      results.map((r) => [r.resultType, r.value, r.slot]),
      [0, 1, 2].map((i) => ['plugin', 42, start + i * 3_000]),
      'one result per slot, none lost to a stopped sandbox process',
    );
    const report = await watcher.waitFor(
      (m) => observedOfType<{ sandbox?: { starts: number } }>([m], 'agent.report').some((r) => (r.sandbox?.starts ?? 0) >= 2),
      20_000,
      'agent.report with a second sandbox start',
    );
    const figures = observedOfType<{ sandbox: { running: boolean; starts: number; lastStartMs: number | null } }>([report], 'agent.report')[0]!.sandbox;
    assert.ok(figures.lastStartMs !== null && figures.lastStartMs > 0, JSON.stringify(figures));

    child.kill('SIGTERM');
    const outcome = await exited;
    assert.equal(outcome.code, 0, outcome.stderr);
    const lines = outcome.stdout.split('\n').filter((l) => l.includes('"component":"sandbox"'));
    const idleStops = lines.filter((l) => l.includes('sandbox process idle')).length;
    const pids = sandboxPids(outcome.stdout);
    // On a loaded machine a slow first start can run two slots back to back; at least one gap
    // of 3 s minus a run is longer than the idle time.
    assert.ok(idleStops >= 1, `the idle process was stopped between slots (${idleStops} times)`);
    assert.ok(pids.length >= 2 && new Set(pids).size === pids.length, `a new process after an idle stop: ${pids.join(', ')}`);
    assert.ok(pids.length === idleStops || pids.length === idleStops + 1, `every start but the first follows an idle stop (${pids.length} starts, ${idleStops} idle stops)`);
    assert.ok(lines.every((l) => !l.includes('sandbox process exited')), 'no idle stop is reported as a crash');
    const startTimes = lines.filter((l) => l.includes('sandbox process ready')).map((l) => (JSON.parse(l) as { startMs: number }).startMs);
    assert.ok(startTimes.length === pids.length && startTimes.every((ms) => ms > 0), `each start logged with its time: ${startTimes.join(', ')}`);
  });
});
