import { parentPort, workerData } from 'node:worker_threads';
import { Sandbox, type SandboxItem, type SandboxLimits } from './sandbox.js';
import type { ClassifyOutcome } from './types.js';

/** Main thread → worker: one chunk of a batch; each distinct code travels once, by key. */
export interface ChunkMessage {
  type: 'chunk';
  id: number;
  codes: Record<string, string>;
  items: SandboxItem[];
}

/** Worker → main thread. */
export type WorkerReply = { type: 'ready' } | { type: 'done'; id: number; outcomes: ClassifyOutcome[] };

/** What the worker is given at start: its limits and the progress cell it shares with the pool. */
export interface WorkerInit {
  limits: SandboxLimits;
  /** Float64Array over a SharedArrayBuffer: [index of the running item or -1, epoch ms when it
   *  started, epoch ms of the last instruction-hook heartbeat]. */
  progress: SharedArrayBuffer;
}

const { limits, progress: buffer } = workerData as WorkerInit;
const progress = new Float64Array(buffer);
const port = parentPort!;
const heartbeat = progress.subarray(2, 3);
let sandbox = await Sandbox.create(limits, heartbeat);

port.on('message', (msg: ChunkMessage) => {
  void runChunk(msg);
});
port.postMessage({ type: 'ready' } satisfies WorkerReply);

/** Chunks arrive one at a time (the pool waits for `done`), so runs never overlap. */
async function runChunk(msg: ChunkMessage): Promise<void> {
  const outcomes: ClassifyOutcome[] = new Array(msg.items.length);
  for (let i = 0; i < msg.items.length; i++) {
    const item = msg.items[i]!;
    // Published before the item runs: if this thread hangs in C code where the instruction
    // hook cannot fire, the pool's watchdog knows which item to blame and terminates us.
    progress[1] = progress[2] = performance.timeOrigin + performance.now();
    progress[0] = i;
    outcomes[i] = sandbox.classify(item, msg.codes[item.key]);
    if (sandbox.broken) {
      progress[0] = -1;
      sandbox = await Sandbox.create(limits, heartbeat); // a hard stop left the old state inconsistent
    }
  }
  progress[0] = -1;
  port.postMessage({ type: 'done', id: msg.id, outcomes } satisfies WorkerReply);
}
