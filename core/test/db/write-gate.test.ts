import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '@prophasis/protocol';
import { Op } from 'sequelize';
import { createResultStore } from '../../src/db/index.js';
import { SQLITE_BUSY_TIMEOUT_MS } from '../../src/db/database.js';
import { createWriteGate } from '../../src/db/write-gate.js';
import { openTestDatabase, type TestDatabase } from './helpers.js';

describe('db write gate (SQLite: one writer at a time in the process)', function () {
  this.timeout(SQLITE_BUSY_TIMEOUT_MS * 3);

  it('runs turns one after another, in order, and lets a failed turn pass', async () => {
    const gate = createWriteGate();
    const order: string[] = [];
    let running = 0;
    const turn = (name: string, fail = false) =>
      gate.run(async () => {
        running++;
        assert.equal(running, 1, `${name} ran beside another turn`);
        order.push(`${name}:start`);
        await sleep(5);
        order.push(`${name}:end`);
        running--;
        if (fail) throw new Error(`${name} failed`);
        return name;
      });
    const results = await Promise.allSettled([turn('a'), turn('b', true), turn('c')]);
    assert.deepEqual(order, ['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      ['a', 'b failed', 'c'],
    );
    assert.equal(gate.waiting(), 0);
  });

  it('is re-entrant: work started inside a turn runs at once instead of waiting for it', async () => {
    const gate = createWriteGate();
    const inner = await gate.run(() => gate.run(async () => 'inner'));
    assert.equal(inner, 'inner');
  });

  it('does not let work a turn left behind jump the queue once that turn ended', async () => {
    const gate = createWriteGate();
    let leftBehind: (() => Promise<string>) | undefined;
    await gate.run(async () => {
      // Captures the turn's async context, to be run after the turn is over.
      leftBehind = () => gate.run(async () => 'late');
    });
    let blockerDone = false;
    const blocker = gate.run(async () => {
      await sleep(20);
      blockerDone = true;
    });
    const late = leftBehind!().then((v) => {
      assert.equal(blockerDone, true, 'the left-behind write ran inside another turn');
      return v;
    });
    assert.equal(await late, 'late');
    await blocker;
  });

  describe('a real SQLite database under a burst of concurrent writers', () => {
    let t: TestDatabase;
    beforeEach(async () => {
      t = await openTestDatabase('sqlite');
    });
    afterEach(async () => {
      await t.cleanup();
    });

    // The soak's stall (docs/performance.md): every agent of a site reconnecting at once started
    // a transaction each; their BEGIN IMMEDIATEs slept in SQLite's busy handler on all of libuv's
    // pool threads while the transaction that held the lock waited for a thread to COMMIT.
    it('finishes 24 concurrent transactions, autocommit writes and result batches without waiting out a busy timeout', async () => {
      const { db } = t;
      const host = await db.models.Host.create({ name: 'h' });
      const plugin = await db.models.Plugin.create({ pluginId: 'io.prophasis.test', name: 'Test' });
      const store = createResultStore(db, { logger: silentLogger() });
      const started = Date.now();
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 24; i++) {
        work.push(
          db.sequelize.transaction(async (transaction) => {
            await db.models.Setting.upsert({ key: `burst:${i}:a`, value: i, updatedAt: Date.now() }, { transaction });
            // The JavaScript between two statements of a transaction (the event loop is busy).
            await sleep(10);
            await db.models.Setting.upsert({ key: `burst:${i}:b`, value: i, updatedAt: Date.now() }, { transaction });
          }),
        );
        work.push(db.models.Setting.upsert({ key: `autocommit:${i}`, value: i, updatedAt: Date.now() }));
        work.push(
          store.insertBatch([
            { resultId: `r-${i}`, hostId: host.id, pluginId: plugin.id, checkId: null, slotAt: started + i, measuredAt: started + i, receivedAt: started + i, value: i, message: null, resultType: 'plugin', severity: 'ok', late: false },
          ]),
        );
      }
      const outcomes = await Promise.allSettled(work);
      const failed = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
      assert.deepEqual(failed, [], 'writes failed');
      const seconds = (Date.now() - started) / 1000;
      // Queued, the burst takes well under a second; stalled, it takes a busy timeout or more.
      assert.ok(seconds < SQLITE_BUSY_TIMEOUT_MS / 1000 / 3, `the burst took ${seconds} s: writers stalled on SQLite's lock`);
      assert.equal(await db.models.Setting.count({ where: { key: { [Op.or]: [{ [Op.like]: 'burst:%' }, { [Op.like]: 'autocommit:%' }] } } }), 24 * 3);
      assert.equal(await db.models.Result.count(), 24);
      await store.close();
    });
  });
});
