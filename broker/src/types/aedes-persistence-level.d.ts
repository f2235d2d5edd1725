// aedes-persistence-level ships no types; this declares the part the broker uses.
declare module 'aedes-persistence-level/asyncPersistence.js' {
  import type { Level } from 'level';
  import type { Readable } from 'node:stream';

  /** The async (aedes 1.x) persistence backed by a `level` database. */
  export default class AsyncLevelPersistence {
    constructor(db: Level<string, Buffer>);
    setup(broker: unknown): Promise<void>;
    storeRetained(packet: { topic: string; payload: Buffer }): Promise<void>;
    createRetainedStream(pattern: string): Readable;
    createRetainedStreamCombi(patterns: string[]): Readable;
    outgoingEnqueue(sub: { clientId: string }, packet: unknown): Promise<void>;
    outgoingEnqueueCombi(subs: { clientId: string }[] | null | undefined, packet: unknown): Promise<unknown>;
    outgoingStream(client: { id: string }): Readable;
    subscriptionsByClient(client: { id: string }): Promise<{ topic: string; qos: number; [option: string]: unknown }[]>;
    addSubscriptions(client: { id: string }, subs: { topic: string; qos: number; [option: string]: unknown }[]): Promise<void>;
    removeSubscriptions(client: { id: string }, topics: string[]): Promise<void>;
    putWill(client: { id: string }, packet: object): Promise<void>;
    getWill(client: { id: string }): Promise<unknown>;
    delWill(client: { id: string }): Promise<unknown>;
    streamWill(brokers?: Record<string, unknown>): Readable;
    destroy(): Promise<void>;
  }
}
