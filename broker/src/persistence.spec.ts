import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js';
import { openSessionStore, type SessionStore } from './persistence.js';

/** The persistence calls aedes makes, as far as these tests use them. */
interface Persistence {
  setup(broker: unknown): Promise<void>;
  addSubscriptions(client: { id: string }, subs: { topic: string; qos: number }[]): Promise<void>;
  removeSubscriptions(client: { id: string }, topics: string[]): Promise<void>;
  subscriptionsByClient(client: { id: string }): Promise<{ topic: string; qos: number }[]>;
  subscriptionsByTopic(topic: string): Promise<{ clientId: string; topic: string }[]>;
  putWill(client: { id: string }, packet: object): Promise<void>;
  getWill(client: { id: string }): Promise<{ topic: string; brokerId?: string } | undefined>;
  delWill(client: { id: string }): Promise<{ topic: string } | undefined>;
  streamWill(brokers?: Record<string, unknown>): AsyncIterable<{ clientId: string }>;
  outgoingEnqueue(sub: { clientId: string }, packet: object): Promise<void>;
  outgoingStream(client: { id: string }): AsyncIterable<{ payload: Buffer }>;
  storeRetained(packet: { topic: string; payload: Buffer; qos: number; retain: boolean; cmd: 'publish' }): Promise<void>;
  createRetainedStream(pattern: string): AsyncIterable<{ topic: string; payload: Buffer }>;
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('session store indexes', () => {
  let dir: string;
  let store: SessionStore | undefined;
  const open = async (brokerId: string): Promise<Persistence> => {
    store = await openSessionStore(dir, { maxQueuedPerClient: 10, onOverflow: () => undefined });
    const p = store.persistence as Persistence;
    await p.setup({ id: brokerId });
    return p;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-sessions-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('answers subscriptions, wills and queues from memory, identical after a reopen', async () => {
    let p = await open('b1');
    await p.addSubscriptions({ id: 'agent-a' }, [{ topic: 'prophasis/v1/agents/agent-a/cmd', qos: 1 }]);
    await p.addSubscriptions({ id: 'agent-b' }, [{ topic: 'prophasis/v1/agents/agent-b/cmd', qos: 1 }]);
    await p.putWill({ id: 'agent-a' }, { topic: 'prophasis/v1/agents/agent-a/state', payload: Buffer.from('offline'), qos: 1, retain: true });
    await p.outgoingEnqueue({ clientId: 'agent-b' }, { cmd: 'publish', topic: 'prophasis/v1/agents/agent-b/cmd', payload: Buffer.from('c1'), qos: 1, brokerId: 'b1', brokerCounter: 1 });
    await store!.close();

    p = await open('b2');
    assert.deepEqual(await p.subscriptionsByClient({ id: 'agent-a' }), [{ topic: 'prophasis/v1/agents/agent-a/cmd', qos: 1 }]);
    assert.deepEqual(await p.subscriptionsByClient({ id: 'agent-unknown' }), []);
    assert.deepEqual((await p.subscriptionsByTopic('prophasis/v1/agents/agent-b/cmd')).map((s) => s.clientId), ['agent-b']);
    assert.equal((await p.getWill({ id: 'agent-a' }))?.brokerId, 'b1');
    assert.deepEqual((await all(p.streamWill({ b2: Date.now() }))).map((w) => w.clientId), ['agent-a'], 'a will of the previous broker is due');
    assert.deepEqual((await all(p.streamWill({ b1: Date.now() }))).map((w) => w.clientId), [], 'a will of a live broker is not');
    assert.deepEqual((await all(p.outgoingStream({ id: 'agent-b' }))).map((m) => m.payload.toString()), ['c1']);
    assert.deepEqual(await all(p.outgoingStream({ id: 'agent-a' })), []);

    // A Will is deleted on reconnect and re-stored; removing a subscription sticks.
    assert.equal((await p.delWill({ id: 'agent-a' }))?.topic, 'prophasis/v1/agents/agent-a/state');
    assert.equal(await p.delWill({ id: 'agent-a' }), undefined);
    await p.removeSubscriptions({ id: 'agent-b' }, ['prophasis/v1/agents/agent-b/cmd']);
    await store!.close();

    p = await open('b3');
    assert.equal(await p.getWill({ id: 'agent-a' }), undefined);
    assert.deepEqual(await p.subscriptionsByClient({ id: 'agent-b' }), []);
    assert.deepEqual(await p.subscriptionsByTopic('prophasis/v1/agents/agent-b/cmd'), []);
  });

  it('stores a changed subscription and keeps an identical one as it is', async () => {
    let p = await open('b1');
    await p.addSubscriptions({ id: 'agent-a' }, [{ topic: 'prophasis/v1/agents/agent-a/cmd', qos: 0 }]);
    await p.addSubscriptions({ id: 'agent-a' }, [{ topic: 'prophasis/v1/agents/agent-a/cmd', qos: 0 }]);
    await p.addSubscriptions({ id: 'agent-a' }, [{ topic: 'prophasis/v1/agents/agent-a/cmd', qos: 1 }]);
    assert.deepEqual(await p.subscriptionsByClient({ id: 'agent-a' }), [{ topic: 'prophasis/v1/agents/agent-a/cmd', qos: 1 }]);
    await store!.close();
    p = await open('b2');
    assert.deepEqual(await p.subscriptionsByClient({ id: 'agent-a' }), [{ topic: 'prophasis/v1/agents/agent-a/cmd', qos: 1 }]);
  });

  it('reads the queue again once a message was enqueued after it was found empty', async () => {
    const p = await open('b1');
    assert.deepEqual(await all(p.outgoingStream({ id: 'agent-c' })), []);
    await p.outgoingEnqueue({ clientId: 'agent-c' }, { cmd: 'publish', topic: 'prophasis/v1/agents/agent-c/cmd', payload: Buffer.from('late'), qos: 1, brokerId: 'b1', brokerCounter: 7 });
    assert.deepEqual((await all(p.outgoingStream({ id: 'agent-c' }))).map((m) => m.payload.toString()), ['late']);
  });

  it('writes a retained message only when it differs from the stored one, and keeps the newest across a reopen', async () => {
    const base = AsyncLevelPersistence.prototype as unknown as { storeRetained(this: unknown, packet: unknown): Promise<void> };
    const original = base.storeRetained;
    let writes = 0;
    base.storeRetained = function (packet) {
      writes++;
      return original.call(this, packet);
    };
    try {
      const topic = 'prophasis/v1/agents/agent-a/state';
      const retained = (payload: string, qos = 1) => ({ cmd: 'publish' as const, topic, payload: Buffer.from(payload), qos, retain: true });
      let p = await open('b1');
      await p.storeRetained(retained('online'));
      await p.storeRetained(retained('online')); // the same state again after a reconnect
      assert.equal(writes, 1);
      await p.storeRetained(retained('online', 0)); // another QoS is another message
      await p.storeRetained(retained('offline'));
      assert.equal(writes, 3);
      await store!.close();
      p = await open('b2');
      assert.deepEqual((await all(p.createRetainedStream(topic))).map((r) => r.payload.toString()), ['offline']);
      await p.storeRetained(retained('offline'));
      assert.equal(writes, 3, 'the reopened store knows what is stored');
    } finally {
      base.storeRetained = original;
    }
  });
});
