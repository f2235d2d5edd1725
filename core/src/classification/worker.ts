import { parentPort, workerData } from 'node:worker_threads';
import { Sandbox, type SandboxItem, type SandboxLimits } from './sandbox.js';
import { CLASSIFIER_SEVERITIES, type ClassifyOutcome } from './types.js';

/** Main thread → worker: one chunk of a batch; each distinct code travels once, by key. */
export interface ChunkMessage {
  type: 'chunk';
  id: number;
  codes: Record<string, string>;
  items: SandboxItem[];
}

/** Worker → main thread. */
export type WorkerReply = { type: 'ready' } | { type: 'done'; id: number; outcomes: PackedOutcomes; cpuMs: number };

/**
 * Outcomes in a form that is cheap to post: `codes[i]` is 1 + the index of item i's severity in
 * CLASSIFIER_SEVERITIES, or 0 when item i failed, its outcome then being in `failures` by index.
 */
export interface PackedOutcomes {
  codes: Uint8Array;
  failures: Record<number, ClassifyOutcome>;
}

/** What the worker is given at start: its limits and the progress cell it shares with the pool. */
export interface WorkerInit {
  limits: SandboxLimits;
  /** Float64Array over a SharedArrayBuffer: [index of the running item or -1, epoch ms when it
   *  started, epoch ms of the last instruction-hook heartbeat]. */
  progress: SharedArrayBuffer;
}

const CODE_OF = new Map<string, number>(CLASSIFIER_SEVERITIES.map((s, i) => [s, i + 1]));
const { limits, progress: buffer } = workerData as WorkerInit;
const progress = new Float64Array(buffer);
const port = parentPort!;
const heartbeat = progress.subarray(2, 3);
let sandbox = await Sandbox.create(limits, heartbeat);

port.on('message', (msg: ChunkMessage) => {
  void runChunk(msg);
});
port.postMessage({ type: 'ready' } satisfies WorkerReply);

/**
 * Chunks arrive one at a time (the pool waits for `done`), so runs never overlap. The items of a
 * chunk that share a classifier go into Lua in one call (`classifyBatch`); after a hard stop the
 * item that was running has its outcome and the others run again on a new sandbox.
 */
async function runChunk(msg: ChunkMessage): Promise<void> {
  const cpu0 = process.threadCpuUsage();
  const outcomes: ClassifyOutcome[] = new Array(msg.items.length);
  let pending = msg.items.map((_, i) => i);
  while (pending.length > 0) {
    const groups = new Map<string, number[]>();
    for (const i of pending) {
      const key = msg.items[i]!.key;
      const group = groups.get(key);
      if (group) group.push(i);
      else groups.set(key, [i]);
    }
    const again: number[] = [];
    for (const [key, indices] of groups) {
      if (sandbox.broken) {
        again.push(...indices);
        continue;
      }
      // Published as each item starts: if this thread hangs in C code where the instruction
      // hook cannot fire, the pool's watchdog knows which item to blame and terminates us.
      const got = sandbox.classifyBatch(
        indices.map((i) => msg.items[i]!),
        key,
        msg.codes[key],
        (j, now) => {
          progress[1] = progress[2] = performance.timeOrigin + now;
          progress[0] = indices[j]!;
        },
      );
      got.forEach((outcome, j) => {
        if (outcome) outcomes[indices[j]!] = outcome;
        else again.push(indices[j]!);
      });
    }
    progress[0] = -1;
    if (sandbox.broken) sandbox = await Sandbox.create(limits, heartbeat); // a hard stop left the old state inconsistent
    pending = again;
  }
  const packed: PackedOutcomes = { codes: new Uint8Array(outcomes.length), failures: {} };
  outcomes.forEach((o, i) => {
    if (o.error) packed.failures[i] = o;
    else packed.codes[i] = CODE_OF.get(o.severity) ?? 0;
    if (packed.codes[i] === 0 && !o.error) packed.failures[i] = o;
  });
  const cpu = process.threadCpuUsage(cpu0);
  port.postMessage({ type: 'done', id: msg.id, outcomes: packed, cpuMs: (cpu.user + cpu.system) / 1000 } satisfies WorkerReply);
}
