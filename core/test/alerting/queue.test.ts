import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import { ALERTING_DEFAULTS, backoffMs, createDeliveryQueue, memoryDeliveryStore, type AlertModule } from '../../src/alerting/index.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { fakeClock, messages, notice, recordingModule } from './support.js';

/** A module that fails the first `failures` sends, recording every call. */
function flaky(id: string, failures: number) {
  let left = failures;
  return recordingModule(id, () => left-- > 0);
}

describe('alerting: delivery queue', () => {
  it('uses 5 attempts over at most 10 minutes by default, each wait shortened by up to 20 % at random', () => {
    const waits = [1, 2, 3, 4].map((a) => backoffMs(ALERTING_DEFAULTS, a));
    assert.deepEqual(waits, [40_000, 80_000, 160_000, 320_000]);
    assert.equal(waits.reduce((a, b) => a + b, 0), 600_000);
    assert.equal(ALERTING_DEFAULTS.maxAttempts, 5);
    const shortest = [1, 2, 3, 4].map((a) => backoffMs(ALERTING_DEFAULTS, a, 0.999_999));
    assert.deepEqual(shortest, [32_000, 64_000, 128_000, 256_000]);
    assert.equal(backoffMs(ALERTING_DEFAULTS, 1, 0.5), 36_000);
    assert.equal(backoffMs({ ...ALERTING_DEFAULTS, backoffJitter: 0 }, 1, 0.9), 40_000, 'no jitter when it is 0');
    assert.equal(backoffMs({ ...ALERTING_DEFAULTS, maxBackoffMs: 50_000 }, 4, 0.5), 45_000, 'the jitter applies below the cap too');
  });

  it('spreads the retries of deliveries that failed together (jitter)', async () => {
    const draws = [0, 0.5, 0.999_999];
    const clock = fakeClock(1_700_000_000_000, () => draws.shift() ?? 0);
    const systemLog = memorySystemLog();
    const bad = flaky('bad', 100);
    const queue = createDeliveryQueue(ALERTING_DEFAULTS, { modules: new Map([['bad', bad.module as AlertModule<unknown>]]), store: memoryDeliveryStore(), systemLog, logger: silentLogger(), clock });
    await queue.start();
    for (const alertId of [1, 2, 3]) await queue.enqueue({ alertId, module: 'bad', settings: { to: 'x' }, notice: notice({ alert: { id: alertId, name: `Alert ${alertId}` } }) });
    await queue.idle();
    assert.equal(bad.calls.length, 3);
    const waits = queue
      .pending()
      .map((d) => d.nextAt - clock.now())
      .sort((a, b) => a - b);
    assert.deepEqual(waits, [32_000, 36_000, 40_000]);
    assert.deepEqual(messages(systemLog.entries, 'warn').map((m) => /retrying in (\d+) s/.exec(m)?.[1]).sort(), ['32', '36', '40']);
    clock.advance(32_000);
    await queue.idle();
    assert.equal(bad.calls.length, 4, 'only the delivery whose wait ended is tried again');
    await queue.stop();
  });

  it('retries a failing module with exponential backoff, logs each failure, and delivers other alerts meanwhile', async () => {
    const clock = fakeClock();
    const systemLog = memorySystemLog();
    const bad = flaky('bad', 2);
    const good = flaky('good', 0);
    const queue = createDeliveryQueue(ALERTING_DEFAULTS, {
      modules: new Map([
        ['bad', bad.module as AlertModule<unknown>],
        ['good', good.module as AlertModule<unknown>],
      ]),
      store: memoryDeliveryStore(),
      systemLog,
      logger: silentLogger(),
      clock,
    });
    await queue.start();
    await queue.enqueue({ alertId: 1, module: 'bad', settings: { to: 'x' }, notice: notice() });
    await queue.idle();
    assert.equal(bad.calls.length, 1);
    assert.equal(queue.pending()[0]?.attempts, 1);
    assert.equal(queue.pending()[0]?.nextAt, clock.now() + 40_000);
    assert.match(messages(systemLog.entries, 'warn')[0]!, /alert delivery by bad failed \(attempt 1 of 5\), retrying in 40 s: connection refused/);
    assert.equal(systemLog.entries[0]!.context.module, 'bad');

    // The next alert, through another module, is not held up by the failing one.
    await queue.enqueue({ alertId: 2, module: 'good', settings: { to: 'y' }, notice: notice({ alert: { id: 2, name: 'Other' } }) });
    await queue.idle();
    assert.equal(good.calls.length, 1);
    assert.deepEqual(messages(systemLog.entries, 'info'), ['alert delivered by good']);

    clock.advance(39_999);
    await queue.idle();
    assert.equal(bad.calls.length, 1, 'not before the backoff');
    clock.advance(1);
    await queue.idle();
    assert.equal(bad.calls.length, 2);
    assert.match(messages(systemLog.entries, 'warn')[1]!, /attempt 2 of 5\), retrying in 80 s/);
    clock.advance(80_000);
    await queue.idle();
    assert.equal(bad.calls.length, 3);
    assert.deepEqual(queue.pending(), []);
    assert.deepEqual(messages(systemLog.entries, 'info'), ['alert delivered by good', 'alert delivered by bad']);
    await queue.stop();
  });

  it('abandons a delivery after maxAttempts with an error in the system log', async () => {
    const clock = fakeClock();
    const systemLog = memorySystemLog();
    const bad = flaky('bad', 100);
    const queue = createDeliveryQueue({ ...ALERTING_DEFAULTS, maxAttempts: 3 }, { modules: new Map([['bad', bad.module as AlertModule<unknown>]]), store: memoryDeliveryStore(), systemLog, logger: silentLogger(), clock });
    await queue.start();
    await queue.enqueue({ alertId: 1, module: 'bad', settings: { to: 'x' }, notice: notice() });
    for (let i = 0; i < 5; i++) {
      await queue.idle();
      clock.advance(600_000);
    }
    await queue.idle();
    assert.equal(bad.calls.length, 3);
    assert.deepEqual(queue.pending(), []);
    const errors = systemLog.entries.filter((e) => e.level === 'error');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /alert delivery by bad abandoned after 3 attempts: connection refused/);
    assert.equal(errors[0]!.context.reason, 'connection refused');
    await queue.stop();
  });

  it('fails invalid settings and unknown modules at once, without retrying, and keeps working', async () => {
    const clock = fakeClock();
    const systemLog = memorySystemLog();
    const good = flaky('good', 0);
    const queue = createDeliveryQueue(ALERTING_DEFAULTS, { modules: new Map([['good', good.module as AlertModule<unknown>]]), store: memoryDeliveryStore(), systemLog, logger: silentLogger(), clock });
    await queue.start();
    await queue.enqueue({ alertId: 1, module: 'good', settings: {}, notice: notice() });
    await queue.enqueue({ alertId: 2, module: 'pager', settings: {}, notice: notice() });
    await queue.idle();
    assert.equal(good.calls.length, 0);
    assert.deepEqual(queue.pending(), []);
    const errors = messages(systemLog.entries, 'error');
    assert.match(errors[0]!, /abandoned without retrying: settings.to: required/);
    assert.match(errors[1]!, /by pager abandoned without retrying: unknown alert module "pager"/);
    await queue.enqueue({ alertId: 3, module: 'good', settings: { to: 'z' }, notice: notice() });
    await queue.idle();
    assert.equal(good.calls.length, 1);
    await queue.stop();
  });

  it('logs what a memory-only queue loses at shutdown', async () => {
    const clock = fakeClock();
    const systemLog = memorySystemLog();
    const bad = flaky('bad', 100);
    const queue = createDeliveryQueue(ALERTING_DEFAULTS, { modules: new Map([['bad', bad.module as AlertModule<unknown>]]), store: memoryDeliveryStore(), systemLog, logger: silentLogger(), clock });
    await queue.start();
    await queue.enqueue({ alertId: 1, module: 'bad', settings: { to: 'x' }, notice: notice() });
    await queue.idle();
    await queue.stop();
    const lost = systemLog.entries.find((e) => e.message.includes('were lost at shutdown'));
    assert.ok(lost, 'the loss is logged');
    assert.equal(lost.message, '1 pending alert deliveries were lost at shutdown (they are kept in memory only)');
    assert.deepEqual((lost.context.deliveries as { alert: string }[]).map((d) => d.alert), ['Web down']);
  });

  it('resumes deliveries a durable store kept across a restart', async () => {
    const clock = fakeClock();
    const systemLog = memorySystemLog();
    const store = { ...memoryDeliveryStore(), durable: true };
    const bad = flaky('m', 1);
    const deps = { modules: new Map([['m', bad.module as AlertModule<unknown>]]), store, systemLog, logger: silentLogger(), clock };
    const first = createDeliveryQueue(ALERTING_DEFAULTS, deps);
    await first.start();
    await first.enqueue({ alertId: 1, module: 'm', settings: { to: 'x' }, notice: notice() });
    await first.idle();
    await first.stop();
    assert.equal(systemLog.entries.some((e) => e.message.includes('lost')), false);
    const second = createDeliveryQueue(ALERTING_DEFAULTS, deps);
    await second.start();
    assert.equal(second.pending().length, 1);
    clock.advance(40_000);
    await second.idle();
    assert.equal(bad.calls.length, 2);
    assert.deepEqual(second.pending(), []);
    await second.stop();
  });
});
