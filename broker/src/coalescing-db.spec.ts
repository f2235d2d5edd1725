import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { createCoalescingDb } from './coalescing-db.js';

describe('coalescing LevelDB writes', () => {
  let dir: string;
  let raw: Level<string, Buffer>;
  let batches: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-coalesce-'));
    raw = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
    await raw.open();
    batches = 0;
    const batch = raw.batch.bind(raw) as (...args: unknown[]) => unknown;
    (raw as unknown as { batch: (...args: unknown[]) => unknown }).batch = (...args: unknown[]) => {
      if (args.length > 0) batches++;
      return batch(...args);
    };
  });

  afterEach(async () => {
    if (raw.status === 'open') await raw.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes puts and deletes issued in one turn as one batch, last write per key winning', async () => {
    const db = createCoalescingDb(raw);
    await raw.put('gone', Buffer.from('old'));
    await Promise.all([db.put('a', Buffer.from('1')), db.put('b', Buffer.from('2')), db.put('a', Buffer.from('3')), db.del('gone'), db.batch([{ type: 'put', key: 'c', value: Buffer.from('4') }])]);
    assert.equal(batches, 1);
    assert.deepEqual(await raw.get('a'), Buffer.from('3'));
    assert.deepEqual(await raw.get('b'), Buffer.from('2'));
    assert.deepEqual(await raw.get('c'), Buffer.from('4'));
    assert.equal(await raw.get('gone'), undefined);
  });

  it('answers reads with writes that are not on disk yet', async () => {
    const db = createCoalescingDb(raw);
    await raw.put('k:deleted', Buffer.from('x'));
    const writes = [db.put('k:1', Buffer.from('one')), db.del('k:deleted'), db.put('k:2', Buffer.from('two'))];
    // Same turn: nothing is written yet, but get and range reads see all three writes.
    assert.deepEqual(await db.get('k:1'), Buffer.from('one'));
    assert.equal(await db.get('k:deleted'), undefined);
    const keys: string[] = [];
    for await (const key of db.keys({ gte: 'k:', lt: 'k;' })) keys.push(key);
    assert.deepEqual(keys, ['k:1', 'k:2']);
    await Promise.all(writes);
  });

  it('supports the chained batch form and waits for pending writes before clear and close', async () => {
    const db = createCoalescingDb(raw);
    const chained = db.batch();
    chained.put('x:1', Buffer.from('1'));
    chained.del('x:2');
    const written = chained.write();
    void db.put('x:3', Buffer.from('3'));
    await db.clear({ gte: 'x:', lt: 'x;' });
    await written;
    const left: string[] = [];
    for await (const key of raw.keys({ gte: 'x:', lt: 'x;' })) left.push(key);
    assert.deepEqual(left, [], 'clear ran after the pending writes, so it removed them');
    void db.put('y', Buffer.from('last'));
    await db.close();
    const reopened = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
    try {
      assert.deepEqual(await reopened.get('y'), Buffer.from('last'), 'close flushed the pending write');
    } finally {
      await reopened.close();
    }
  });

  it('rejects the writes of a failed batch and keeps working afterwards', async () => {
    const db = createCoalescingDb(raw);
    const batch = raw.batch.bind(raw) as (...args: unknown[]) => unknown;
    let fail = true;
    (raw as unknown as { batch: (...args: unknown[]) => unknown }).batch = (...args: unknown[]) => {
      if (fail && args.length > 0) {
        fail = false;
        return Promise.reject(new Error('disk full'));
      }
      return batch(...args);
    };
    await assert.rejects(db.put('a', Buffer.from('1')), /disk full/);
    await db.put('b', Buffer.from('2'));
    assert.deepEqual(await raw.get('b'), Buffer.from('2'));
  });
});
