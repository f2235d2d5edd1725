// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- packages that type-check broker sources (core) must see this ambient module too
/// <reference path="./types/aedes-persistence-level.d.ts" />
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js';
import { Level } from 'level';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { createCoalescingDb, type LevelLike } from './coalescing-db.js';
import { topicMatches } from './topic-filter.js';

interface RetainedPacket {
  topic: string;
  payload: Buffer;
}

/** A stored subscription as aedes-persistence-level returns it (without the client id). */
interface StoredSubscription {
  topic: string;
  qos: number;
  [option: string]: unknown;
}

/** A stored Last Will, as aedes-persistence-level keeps it. */
interface WillPacket {
  clientId: string;
  brokerId?: string;
  topic: string;
  [field: string]: unknown;
}

/** Reported when a client's queue was full and its oldest messages were dropped. */
interface QueueOverflow {
  clientId: string;
  dropped: number;
  queued: number;
}

export interface SessionStoreOptions {
  /** Most QoS 1 messages kept per clean:false client; the oldest go first beyond it. */
  maxQueuedPerClient: number;
  onOverflow(e: QueueOverflow): void;
}

// Key layout of aedes-persistence-level 9.x (asyncPersistence.js): one entry per queued
// message, `outgoing:<encodeURIComponent(clientId)>:<brokerId>:<counter padded to 16>`.
// The range ends at the byte after ':' so a client id that is a prefix of another does
// not spill into it.
function outgoingRange(clientId: string): { gte: string; lt: string } {
  return prefixRange(`outgoing:${encodeURIComponent(clientId)}:`);
}

function prefixRange(prefix: string): { gte: string; lt: string } {
  return { gte: prefix, lt: `${prefix.slice(0, -1)};` };
}

/** `will:<encodeURIComponent(clientId)>`, as in aedes-persistence-level. */
const willKey = (clientId: string): string => `will:${encodeURIComponent(clientId)}`;

/** The client id inside an `outgoing:<id>:...` key. */
function outgoingClientId(key: string): string {
  return decodeURIComponent(key.slice('outgoing:'.length, key.indexOf(':', 'outgoing:'.length)));
}

/**
 * The value codec of aedes-persistence-level (msgpack-lite), loaded from that package's own
 * dependencies so that this file decodes exactly what it encodes.
 */
const msgpack = createRequire(createRequire(import.meta.url).resolve('aedes-persistence-level'))('msgpack-lite') as { decode(buf: Buffer): unknown };

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * aedes' level persistence with a cap on each client's queue. Sessions, subscriptions,
 * retained messages, wills and queued QoS 1 messages live in a LevelDB under the session
 * directory, so a broker restart loses none of them.
 *
 * Ordering across restarts: queued messages are read back in key order, i.e. by broker id
 * then counter. The broker therefore uses a broker id that sorts by start time
 * ({@link sortableBrokerId}), so messages queued before a restart are delivered before those
 * queued after it; a random uuid would interleave them.
 *
 * Reconnect storms: aedes asks the persistence, for every CONNECT of a `clean: false` client,
 * for its subscriptions (a LevelDB range scan), its queued messages (another scan), deletes and
 * re-stores its Last Will (a read and two writes), and the agent then re-subscribes (a write)
 * and publishes its retained state (a write). Profiling 3,000 reconnects showed LevelDB calls
 * as the largest CPU cost of a CONNECT. So this class keeps small in-memory indexes, loaded
 * once by `setup()` and updated on every write, and answers those questions without LevelDB:
 * subscriptions by client, which clients may have queued messages, the stored wills, and the
 * retained messages. Writes still go to LevelDB (gathered into one batch per event-loop turn
 * by {@link createCoalescingDb}); an identical re-subscription is not written again.
 */
class CappedLevelPersistence extends AsyncLevelPersistence {
  /** Per-client chain so that counting and trimming do not race with a parallel enqueue. */
  private readonly chains = new Map<string, Promise<void>>();
  /**
   * Retained messages by topic, mirrored in memory. aedes-persistence-level answers every new
   * subscription by decoding *all* retained messages and matching each, so with one retained
   * `state` per agent 10,000 agents subscribing cost 10,000² decodes. A literal filter (what
   * agents subscribe to) is now one map lookup.
   */
  private readonly retained = new Map<string, RetainedPacket>();
  /** Subscriptions by client id, then topic filter; mirrors the `subscriptions:` entries. */
  private readonly subscriptions = new Map<string, Map<string, StoredSubscription>>();
  /** Clients that may have queued messages: a superset of those with `outgoing:` entries. */
  private readonly mayHaveQueued = new Set<string>();
  /** Enqueues per client, to tell whether an empty queue read raced with a new message. */
  private readonly enqueues = new Map<string, number>();
  /** Stored Last Wills by client id; mirrors the `will:` entries. */
  private readonly wills = new Map<string, WillPacket>();

  constructor(
    private readonly db: LevelLike,
    private readonly options: SessionStoreOptions,
  ) {
    super(db as unknown as Level<string, Buffer>);
  }

  override async setup(broker: unknown): Promise<void> {
    await super.setup(broker);
    // One pass over each prefix at start; nothing here is per connection. Wills come back
    // decoded through the base class (brokers = {} yields every will).
    for await (const packet of super.createRetainedStream('#') as AsyncIterable<RetainedPacket>) this.retained.set(packet.topic, packet);
    for await (const will of super.streamWill({}) as AsyncIterable<WillPacket>) this.wills.set(will.clientId, will);
    for await (const key of this.db.keys(prefixRange('outgoing:'))) this.mayHaveQueued.add(outgoingClientId(key));
    // One pass, as the base class's own setup does to fill its topic trie; a range read per
    // client here would cost 10,000 LevelDB iterators before the broker could listen.
    for await (const value of this.db.values(prefixRange('subscriptions:'))) {
      const { clientId, ...sub } = msgpack.decode(value) as StoredSubscription & { clientId: string };
      const entry = this.subscriptions.get(clientId) ?? new Map<string, StoredSubscription>();
      entry.set(sub.topic, sub);
      this.subscriptions.set(clientId, entry);
    }
  }

  override async subscriptionsByClient(client: { id: string }): Promise<StoredSubscription[]> {
    const subs = this.subscriptions.get(client.id);
    return subs ? [...subs.values()].map((sub) => ({ ...sub })) : [];
  }

  override async addSubscriptions(client: { id: string }, subs: StoredSubscription[]): Promise<void> {
    const known = this.subscriptions.get(client.id);
    // An agent re-subscribes to its cmd topic on every connect: an identical subscription is
    // already stored, in LevelDB and in the base class's topic trie.
    const changed = subs.filter((sub) => !known || !sameSubscription(known.get(sub.topic), sub));
    if (changed.length === 0) return;
    const entry = known ?? new Map<string, StoredSubscription>();
    for (const sub of changed) {
      const { clientId: _omit, ...stored } = sub as StoredSubscription & { clientId?: string };
      entry.set(sub.topic, stored);
    }
    this.subscriptions.set(client.id, entry);
    await super.addSubscriptions(client, changed);
  }

  override async removeSubscriptions(client: { id: string }, topics: string[]): Promise<void> {
    const known = this.subscriptions.get(client.id);
    if (known) {
      for (const topic of topics) known.delete(topic);
      if (known.size === 0) this.subscriptions.delete(client.id);
    }
    await super.removeSubscriptions(client, topics);
  }

  override outgoingStream(client: { id: string }): Readable {
    if (!this.mayHaveQueued.has(client.id)) return Readable.from([]);
    const before = this.enqueues.get(client.id) ?? 0;
    const source = super.outgoingStream(client) as AsyncIterable<unknown>;
    const forget = (): void => {
      if ((this.enqueues.get(client.id) ?? 0) !== before) return;
      this.mayHaveQueued.delete(client.id);
      this.enqueues.delete(client.id);
    };
    return Readable.from(
      (async function* () {
        let count = 0;
        for await (const packet of source) {
          count++;
          yield packet;
        }
        // Read to the end and empty, with no enqueue meanwhile: skip the scan next time.
        if (count === 0) forget();
      })(),
    );
  }

  override async putWill(client: { id: string }, packet: WillPacket): Promise<void> {
    await super.putWill(client, packet);
    this.wills.set(client.id, packet);
  }

  override async getWill(client: { id: string }): Promise<WillPacket | undefined> {
    return this.wills.get(client.id);
  }

  override async delWill(client: { id: string }): Promise<WillPacket | undefined> {
    const will = this.wills.get(client.id);
    if (!will) return undefined;
    this.wills.delete(client.id);
    await this.db.del(willKey(client.id));
    return will;
  }

  override streamWill(brokers?: Record<string, unknown>): Readable {
    const wills = [...this.wills.values()].filter((will) => !brokers || !brokers[will.brokerId ?? '']);
    return Readable.from(wills);
  }

  override async storeRetained(packet: RetainedPacket & { qos?: number }): Promise<void> {
    // Every agent publishes its retained state on every connect, usually the same bytes as the
    // stored one (a restart publishes no Wills): a write per reconnect that changes nothing.
    const stored = this.retained.get(packet.topic) as (RetainedPacket & { qos?: number }) | undefined;
    if (stored && packet.payload.length > 0 && stored.qos === packet.qos && Buffer.from(stored.payload).equals(Buffer.from(packet.payload))) return;
    await super.storeRetained(packet);
    if (packet.payload.length === 0) this.retained.delete(packet.topic);
    else this.retained.set(packet.topic, { ...packet });
  }

  override createRetainedStream(pattern: string): Readable {
    return Readable.from(this.matchRetained([pattern]));
  }

  override createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(this.matchRetained(patterns));
  }

  private matchRetained(patterns: string[]): RetainedPacket[] {
    const out: RetainedPacket[] = [];
    for (const pattern of patterns) {
      if (!pattern.includes('+') && !pattern.includes('#')) {
        const hit = this.retained.get(pattern);
        if (hit) out.push(hit);
        continue;
      }
      for (const packet of this.retained.values()) if (topicMatches(pattern, packet.topic)) out.push(packet);
    }
    return out;
  }

  override async outgoingEnqueue(sub: { clientId: string }, packet: unknown): Promise<void> {
    this.mayHaveQueued.add(sub.clientId);
    this.enqueues.set(sub.clientId, (this.enqueues.get(sub.clientId) ?? 0) + 1);
    await this.serialised(sub.clientId, async () => {
      await this.makeRoom(sub.clientId);
      await super.outgoingEnqueue(sub, packet);
    });
  }

  override async outgoingEnqueueCombi(subs: { clientId: string }[] | null | undefined, packet: unknown): Promise<unknown> {
    if (!subs || subs.length === 0) return packet;
    await Promise.all(subs.map((sub) => this.outgoingEnqueue(sub, packet)));
    return undefined;
  }

  private async serialised(clientId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(clientId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(clientId, tail);
    try {
      await next;
    } finally {
      if (this.chains.get(clientId) === tail) this.chains.delete(clientId);
    }
  }

  /**
   * Drops the oldest entries so that one more fits. Only the `outgoing:` entry goes: an
   * `outgoing-id:` entry of a message already sent once stays behind and is removed by the
   * PUBACK that may still come, or overwritten when its message id is reused; the dropped
   * message itself is never sent again because reconnects replay `outgoing:` only.
   */
  private async makeRoom(clientId: string): Promise<void> {
    const cap = this.options.maxQueuedPerClient;
    const range = outgoingRange(clientId);
    const keys = await collect(this.db.keys({ ...range, limit: cap + 1 }));
    if (keys.length < cap) return;
    const excess = keys.slice(0, keys.length - cap + 1);
    await this.db.batch(excess.map((key) => ({ type: 'del' as const, key })));
    this.options.onOverflow({ clientId, dropped: excess.length, queued: cap });
  }
}

function sameSubscription(a: StoredSubscription | undefined, b: StoredSubscription): boolean {
  if (!a) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => k !== 'clientId'));
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

/** A session store for aedes plus the handle to close it. */
export interface SessionStore {
  persistence: object;
  close(): Promise<void>;
}

/** Opens (creating when needed) the on-disk session store in `dir`. */
export async function openSessionStore(dir: string, options: SessionStoreOptions): Promise<SessionStore> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const db = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
  await db.open();
  const persistence = new CappedLevelPersistence(createCoalescingDb(db), options);
  return {
    persistence,
    async close() {
      await persistence.destroy();
    },
  };
}

let lastStart = 0;

/**
 * A broker id that sorts by start time (base-36 milliseconds, fixed width) and is unique per
 * process start. See {@link CappedLevelPersistence} for why the order matters.
 */
export function sortableBrokerId(): string {
  const now = Math.max(Date.now(), lastStart + 1);
  lastStart = now;
  return `b${now.toString(36).padStart(10, '0')}-${process.pid.toString(36)}`;
}
