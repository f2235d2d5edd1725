import assert from 'node:assert/strict';
import { createTokenBucket } from './token-bucket.js';

describe('connection token bucket', () => {
  it('serves the burst at once, then reserves later tokens in order up to maxWaitMs, then refuses', async () => {
    let now = 0;
    const bucket = createTokenBucket(100, 2, 30, () => now); // 100/s: a token every 10 ms
    const started = performance.now();
    const order: string[] = [];
    const attempts = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => bucket.acquire().then((ok) => (order.push(id), ok)));
    const results = await Promise.all(attempts);
    // a, b: the burst; c, d, e: 10, 20 and 30 ms later; f would wait 40 ms > 30 ms.
    assert.deepEqual(results, [true, true, true, true, true, false]);
    assert.deepEqual(order.slice(0, 2), ['a', 'b']);
    assert.ok(order.indexOf('c') < order.indexOf('d') && order.indexOf('d') < order.indexOf('e'), order.join());
    assert.ok(performance.now() - started >= 25, 'the reserved ones really waited');
    // The refused caller reserved nothing: 40 ms later the three reservations are paid for
    // and one token is free again.
    now += 40;
    assert.equal(await bucket.acquire(), true);
  });

  it('never waits with maxWaitMs 0 (immediate refusal, the old behaviour)', async () => {
    const bucket = createTokenBucket(1, 1, 0, () => 0);
    assert.equal(await bucket.acquire(), true);
    assert.equal(await bucket.acquire(), false);
  });
});
