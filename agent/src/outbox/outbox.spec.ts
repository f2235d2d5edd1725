import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result, ResMessage } from '@prophasis/protocol';
import { captureLogger, LEVEL } from '../../test/support/log-capture.js';
import { openAgentDatabase } from '../store/database.js';
import { createDrainer } from './drainer.js';
import { createOutbox } from './outbox.js';

function result(i: number, slot: number | null = 1_000 + i * 1_000): Result {
  return {
    id: `r-${i}`,
    checkId: 'c1',
    pluginId: 'io.prophasis.test',
    version: '1.0.0',
    slot,
    measuredAt: slot ?? 5_000,
    durationMs: 1,
    value: i,
    message: null,
    resultType: 'plugin',
  };
}

describe('outbox', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-outbox-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function open(caps = { maxResults: 1_000, maxAgeMs: 1e12 }, now = () => 10_000) {
    const log = captureLogger('info');
    const db = openAgentDatabase(join(dir, 'agent.db'));
    return { db, log, outbox: createOutbox(caps, { db, logger: log.logger, now }) };
  }

  it('keeps results across a reopen, oldest first by slot then insertion, and deletes only acknowledged ones', () => {
    const first = open();
    assert.equal(first.outbox.append([result(3), result(1), result(2), result(2)]), 3, 'a duplicate id is stored once');
    first.db.close();
    const { outbox, db } = open();
    assert.equal(outbox.depth(), 3);
    const batch = outbox.peekBatch(10);
    assert.deepEqual(batch.map((e) => (JSON.parse(e.json) as Result).id), ['r-1', 'r-2', 'r-3']);
    outbox.ack([batch[0]!.seq]);
    assert.deepEqual(outbox.peekBatch(10).map((e) => (JSON.parse(e.json) as Result).id), ['r-2', 'r-3']);
    assert.deepEqual(outbox.peekBatch(10, { sortTime: batch[1]!.sortTime, seq: batch[1]!.seq }).map((e) => (JSON.parse(e.json) as Result).id), ['r-3']);
    db.close();
  });

  it('bounds a batch by bytes so one message stays under the protocol limit', () => {
    const { outbox, db } = open();
    outbox.append(Array.from({ length: 20 }, (_, i) => ({ ...result(i), message: 'x'.repeat(4000) })));
    const batch = outbox.peekBatch(500, undefined, 10_000);
    assert.equal(batch.length, 2);
    db.close();
  });

  it('the size cap drops the oldest first, logs at warn and counts durably until reported', () => {
    const { outbox, db, log } = open({ maxResults: 10, maxAgeMs: 1e12 });
    outbox.append(Array.from({ length: 25 }, (_, i) => result(i)));
    assert.equal(outbox.depth(), 10);
    assert.deepEqual(outbox.peekBatch(100).map((e) => (JSON.parse(e.json) as Result).value), [15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    assert.equal(outbox.droppedUnreported(), 15);
    assert.ok(log.lines.some((l) => l.level === LEVEL.warn && /oldest results dropped/.test(l.msg)));
    db.close();
    const reopened = open({ maxResults: 10, maxAgeMs: 1e12 });
    assert.equal(reopened.outbox.droppedUnreported(), 15, 'the count survives a restart');
    reopened.outbox.markDroppedReported(15);
    assert.equal(reopened.outbox.droppedUnreported(), 0);
    reopened.db.close();
  });

  it('the age cap drops results older than maxAgeMs; caps set at run time survive a reopen', () => {
    let now = 10_000;
    const { outbox, db } = open({ maxResults: 1_000, maxAgeMs: 5_000 }, () => now);
    outbox.append([result(1, 6_000), result(2, 7_000), result(3, 9_000)]);
    now = 13_500;
    assert.equal(outbox.enforceCaps(), 2);
    assert.equal(outbox.depth(), 1);
    outbox.setCaps({ maxResults: 50 });
    db.close();
    const reopened = open({ maxResults: 1_000, maxAgeMs: 5_000 }, () => now);
    assert.deepEqual(reopened.outbox.caps(), { maxResults: 50, maxAgeMs: 5_000 });
    reopened.db.close();
  });

  it('the drainer sends in time order with several batches in flight and acks each only on its PUBACK', async () => {
    const { outbox, db, log } = open({ maxResults: 10_000, maxAgeMs: 1e12 });
    outbox.append(Array.from({ length: 1_234 }, (_, i) => result(i)));
    const sent: ResMessage[] = [];
    const pending: (() => void)[] = [];
    let maxPending = 0;
    const drainer = createDrainer(
      { batchSize: 500, inFlight: 2 },
      {
        outbox,
        logger: log.logger,
        publisher: {
          publish: (_channel, message) => {
            sent.push(message);
            return new Promise<void>((resolve) => {
              pending.push(resolve);
              maxPending = Math.max(maxPending, pending.length);
            });
          },
        },
      },
    );
    drainer.start();
    drainer.connected();
    assert.equal(sent.length, 2, 'two batches in flight');
    assert.equal(outbox.depth(), 1_234, 'nothing deleted before a PUBACK');
    pending.shift()!();
    await new Promise((r) => setImmediate(r));
    assert.equal(outbox.depth(), 734);
    assert.equal(sent.length, 3);
    outbox.append([result(5_000)]);
    while (pending.length) {
      pending.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await drainer.drained();
    const values = sent.flatMap((m) => (m.type === 'result' ? m.body.results.map((r) => r.value) : []));
    assert.deepEqual(values, [...Array.from({ length: 1_234 }, (_, i) => i), 5_000]);
    assert.equal(maxPending, 2);
    assert.equal(drainer.published, 1_235);
    db.close();
  });

  it('the drainer tells its acknowledgement listeners the results of each acknowledged message, never of a refused one', async () => {
    const { outbox, db, log } = open({ maxResults: 10_000, maxAgeMs: 1e12 });
    outbox.append([result(1), result(2), result(3)]);
    const answers: ((ok: boolean) => void)[] = [];
    const drainer = createDrainer(
      { batchSize: 2, inFlight: 1 },
      {
        outbox,
        logger: log.logger,
        publisher: { publish: () => new Promise<void>((resolve, reject) => answers.push((ok) => (ok ? resolve() : reject(new Error('connection lost'))))) },
      },
    );
    const acknowledged: string[][] = [];
    drainer.onAcknowledged((results) => acknowledged.push(results.map((r) => r.id)));
    drainer.onAcknowledged(() => {
      throw new Error('a broken listener');
    });
    drainer.start();
    drainer.connected();
    answers.shift()!(false);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(acknowledged, [], 'a message without PUBACK is not reported');
    drainer.disconnected();
    drainer.connected();
    answers.shift()!(true);
    await new Promise((r) => setImmediate(r));
    answers.shift()!(true);
    await drainer.drained();
    assert.deepEqual(acknowledged, [['r-1', 'r-2'], ['r-3']], 'each acknowledged message once, in order, despite the listener that throws');
    assert.equal(log.lines.filter((l) => l.msg === 'an acknowledgement listener failed').length, 2, 'the broken listener is logged each time');
    db.close();
  });
});
