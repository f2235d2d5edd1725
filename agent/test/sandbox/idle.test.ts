import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { captureLogger } from '../support/log-capture.js';
import { createPluginRunner, type PluginJob, type PluginRunner } from '../../src/sandbox/index.js';

/**
 * The light agent (issue 17): the sandbox process goes after `idleMs` without a run and the next
 * run starts a new one, whose start time is measured. Real sandbox processes, real isolates.
 */

const IDLE_MS = 400;

const job = (n: number): PluginJob => ({
  manifest: { id: 'com.example.idle', version: '1.0.0', main: 'index.js', capabilities: [] },
  code: 'export function measure(host, params) { return { value: params.n * 2 }; }',
  approvedCapabilities: [],
  params: { n },
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('plugin sandbox runner: idle stop and start on demand', function () {
  this.timeout(60_000);
  let runner: PluginRunner | undefined;
  const log = captureLogger('debug');

  afterEach(async () => {
    await runner?.dispose();
    runner = undefined;
  });

  it('stops the sandbox process after idleMs without a run, starts a new one for the next run, and reports each start time', async () => {
    runner = createPluginRunner({ timeoutMs: 5_000, memoryMiB: 32, idleMs: IDLE_MS }, { logger: log.logger });
    assert.deepEqual(runner.stats(), { pid: null, starts: 0, lastStartMs: null, idleStops: 0 }, 'nothing is started before the first run');

    const first = await runner.run(job(1));
    assert.equal(first.resultType, 'plugin', first.message ?? undefined);
    assert.equal(first.value, 2);
    const afterFirst = runner.stats();
    assert.equal(afterFirst.starts, 1);
    assert.ok(afterFirst.pid !== null && alive(afterFirst.pid), 'a sandbox process runs after the first run');
    assert.ok(afterFirst.lastStartMs !== null && afterFirst.lastStartMs > 0, `start time measured: ${afterFirst.lastStartMs}`);
    const argv = readFileSync(`/proc/${afterFirst.pid}/cmdline`, 'utf8').split('\0');
    assert.ok(argv.includes('--max-semi-space-size=1'), `the sandbox process runs with a small young generation: ${argv.join(' ')}`);
    const logged = log.lines.find((l) => l.msg === 'sandbox process ready' && l.pid === afterFirst.pid);
    assert.equal(logged?.startMs, afterFirst.lastStartMs, 'the start time is in the agent log');

    // Runs closer together than idleMs keep the same process.
    await new Promise((r) => setTimeout(r, IDLE_MS / 4));
    assert.equal((await runner.run(job(2))).value, 4);
    assert.equal(runner.stats().pid, afterFirst.pid, 'busy: the same process');

    const firstPid = afterFirst.pid;
    await until('the idle sandbox process to exit', () => !alive(firstPid));
    assert.equal(runner.stats().pid, null);
    assert.equal(runner.stats().idleStops, 1);
    assert.ok(log.lines.some((l) => l.msg.startsWith('sandbox process idle') && l.pid === firstPid));
    assert.ok(!log.lines.some((l) => l.msg === 'sandbox process exited'), 'an idle stop is not reported as a crash');

    const again = await runner.run(job(3));
    assert.equal(again.resultType, 'plugin', again.message ?? undefined);
    assert.equal(again.value, 6);
    const second = runner.stats();
    assert.equal(second.starts, 2, 'started again on demand');
    assert.notEqual(second.pid, firstPid);
    assert.ok(second.lastStartMs !== null && second.lastStartMs > 0);
  });

  it('loses no run asked for while the sandbox process is stopping or starting again', async () => {
    runner = createPluginRunner({ timeoutMs: 5_000, memoryMiB: 32, idleMs: 50 }, { logger: log.logger });
    const active = runner;
    assert.equal((await active.run(job(0))).value, 0);
    // Runs arrive around the idle deadline: just before, at and just after it, while the
    // process is being stopped, and in bursts while a new one starts.
    for (const delay of [30, 45, 50, 55, 60, 80, 120, 200]) {
      await new Promise((r) => setTimeout(r, delay));
      const burst = await Promise.all([1, 2, 3].map((n) => active.run(job(n))));
      assert.deepEqual(
        burst.map((o) => [o.resultType, o.value]),
        [
          ['plugin', 2],
          ['plugin', 4],
          ['plugin', 6],
        ],
        `runs after ${delay} ms: ${burst.map((o) => o.message).join(' | ')}`,
      );
    }
    const stats = active.stats();
    assert.ok(stats.idleStops >= 1, `the process went idle at least once (${JSON.stringify(stats)})`);
    assert.equal(stats.starts, stats.idleStops + 1, 'one start per idle stop, plus the first');
  });

  it('with idleMs 0 keeps the sandbox process', async () => {
    runner = createPluginRunner({ timeoutMs: 5_000, memoryMiB: 32, idleMs: 0 }, { logger: log.logger });
    await runner.run(job(1));
    const pid = runner.stats().pid;
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(runner.stats().pid, pid);
    assert.ok(pid !== null && alive(pid));
  });
});
