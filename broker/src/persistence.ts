/// <reference path="./types/aedes-persistence-level.d.ts" />
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js';
import { Level } from 'level';
import { mkdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { topicMatches } from './topic-filter.js';

interface RetainedPacket {
  topic: string;
  payload: Buffer;
}

/** Reported when a client's queue was full and its oldest messages were dropped. */
export interface QueueOverflow {
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
  const prefix = `outgoing:${encodeURIComponent(clientId)}:`;
  return { gte: prefix, lt: `${prefix.slice(0, -1)};` };
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

  constructor(
    private readonly db: Level<string, Buffer>,
    private readonly options: SessionStoreOptions,
  ) {
    super(db);
  }

  override async setup(broker: unknown): Promise<void> {
    await super.setup(broker);
    for await (const packet of super.createRetainedStream('#') as AsyncIterable<RetainedPacket>) this.retained.set(packet.topic, packet);
  }

  override async storeRetained(packet: RetainedPacket): Promise<void> {
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
    const keys = await this.db.keys({ ...range, limit: cap + 1 }).all();
    if (keys.length < cap) return;
    const excess = keys.slice(0, keys.length - cap + 1);
    await this.db.batch(excess.map((key) => ({ type: 'del' as const, key })));
    this.options.onOverflow({ clientId, dropped: excess.length, queued: cap });
  }
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
  const persistence = new CappedLevelPersistence(db, options);
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
