import { parentPort, workerData } from 'node:worker_threads';
import { unpackWindows, type PackedWindows } from './pack.js';
import { Sandbox, type SandboxItem, type SandboxLimits } from './sandbox.js';
import { CLASSIFIER_SEVERITIES, type ClassifierParam, type ClassifyOutcome } from './types.js';

/** Main thread → worker: one chunk of a batch; each distinct code travels once, by key. */
export interface ChunkMessage {
  type: 'chunk';
  id: number;
  codes: Record<string, string>;
  /** The items of the chunk by classifier: each group's windows packed (pack.ts) in `data` from `start` to `end`. */
  groups: { key: string; indices: number[]; start: number; end: number; strings: string[]; params: Readonly<Record<string, ClassifierParam>>[] }[];
  /** Transferred, not copied. */
  data: ArrayBuffer;
  count: number;
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
 * chunk that share a classifier go into Lua in one call (`classifyPacked`, their windows packed by
 * the pool); after a hard stop the item that was running has its outcome and the others run
 * again on a new sandbox.
 */
async function runChunk(msg: ChunkMessage): Promise<void> {
  const cpu0 = process.threadCpuUsage();
  const outcomes: ClassifyOutcome[] = new Array(msg.count);
  const data = new Uint8Array(msg.data);
  // Published as each item starts: if this thread hangs in C code where the instruction hook
  // cannot fire, the pool's watchdog knows which item to blame and terminates us.
  const begin = (indices: readonly number[]) => (j: number, now: number) => {
    progress[1] = progress[2] = performance.timeOrigin + now;
    progress[0] = indices[j]!;
  };
  interface Pending {
    key: string;
    indices: number[];
    items: SandboxItem[];
  }
  let pending: Pending[] = [];
  const keep = (key: string, indices: readonly number[], items: readonly SandboxItem[], got: (ClassifyOutcome | undefined)[]) => {
    const rest: Pending = { key, indices: [], items: [] };
    got.forEach((outcome, j) => {
      if (outcome) outcomes[indices[j]!] = outcome;
      else {
        rest.indices.push(indices[j]!);
        rest.items.push(items[j]!);
      }
    });
    if (rest.indices.length > 0) pending.push(rest);
  };
  for (const g of msg.groups) {
    const packed: PackedWindows = { data: data.subarray(g.start, g.end), strings: g.strings, params: g.params };
    let items: SandboxItem[] | undefined;
    const unpacked = () => (items ??= unpackWindows(packed, g.indices.length, g.key));
    if (sandbox.broken) {
      pending.push({ key: g.key, indices: g.indices, items: unpacked() });
      continue;
    }
    const got = sandbox.classifyPacked(packed, g.indices.length, g.key, msg.codes[g.key], begin(g.indices), unpacked);
    keep(g.key, g.indices, got.some((o) => !o) ? unpacked() : [], got);
  }
  while (pending.length > 0) {
    progress[0] = -1;
    if (sandbox.broken) sandbox = await Sandbox.create(limits, heartbeat); // a hard stop left the old state inconsistent
    const round = pending;
    pending = [];
    for (const p of round) {
      if (sandbox.broken) pending.push(p);
      else keep(p.key, p.indices, p.items, sandbox.classifyBatch(p.items, p.key, msg.codes[p.key], begin(p.indices)));
    }
  }
  progress[0] = -1;
  if (sandbox.broken) sandbox = await Sandbox.create(limits, heartbeat);
  const packed: PackedOutcomes = { codes: new Uint8Array(outcomes.length), failures: {} };
  outcomes.forEach((o, i) => {
    if (o.error) packed.failures[i] = o;
    else packed.codes[i] = CODE_OF.get(o.severity) ?? 0;
    if (packed.codes[i] === 0 && !o.error) packed.failures[i] = o;
  });
  const cpu = process.threadCpuUsage(cpu0);
  port.postMessage({ type: 'done', id: msg.id, outcomes: packed, cpuMs: (cpu.user + cpu.system) / 1000 } satisfies WorkerReply);
}
