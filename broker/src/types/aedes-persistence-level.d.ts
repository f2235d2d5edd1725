// aedes-persistence-level ships no types; this declares the part the broker uses.
declare module 'aedes-persistence-level/asyncPersistence.js' {
  import type { Level } from 'level';

  /** The async (aedes 1.x) persistence backed by a `level` database. */
  export default class AsyncLevelPersistence {
    constructor(db: Level<string, Buffer>);
    setup(broker: unknown): Promise<void>;
    storeRetained(packet: { topic: string; payload: Buffer }): Promise<void>;
    createRetainedStream(pattern: string): import('node:stream').Readable;
    createRetainedStreamCombi(patterns: string[]): import('node:stream').Readable;
    outgoingEnqueue(sub: { clientId: string }, packet: unknown): Promise<void>;
    outgoingEnqueueCombi(subs: { clientId: string }[] | null | undefined, packet: unknown): Promise<unknown>;
    destroy(): Promise<void>;
  }
}
