import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Logger } from '@prophasis/protocol';
import type { ClassificationConfig } from './config.js';
import { ClassificationErrors } from './errors.js';
import type { SandboxItem } from './sandbox.js';
import type { ClassifierErrorKind, ClassifyOutcome, ClassifyRequest } from './types.js';
import { Packer, packWindows } from './pack.js';
import { CLASSIFIER_SEVERITIES } from './types.js';
import type { ChunkMessage, PackedOutcomes, WorkerInit, WorkerReply } from './worker.js';

/** One shared (frozen) outcome per severity: a batch's outcomes allocate nothing on this thread. */
const PLAIN: readonly ClassifyOutcome[] = CLASSIFIER_SEVERITIES.map((severity) => Object.freeze({ severity }));

/** Classifies results with sandboxed Lua classifiers in a pool of worker threads. */
export interface ClassificationEngine {
  /** Starts the workers; resolves when every one has its Lua state ready. */
  start(): Promise<void>;
  /** Terminates the workers; batches still running reject with `CLS_STOPPED`. */
  stop(): Promise<void>;
  /**
   * Classifies a batch; outcome i belongs to request i. Never rejects because of a classifier:
   * compile errors, runtime errors, timeouts, memory exhaustion and invalid returns all become
   * `unknown` with `error` set, for the caller to log with the plugin and host it knows.
   */
  classify(batch: readonly ClassifyRequest[]): Promise<ClassifyOutcome[]>;
  /** Items classified since start and the CPU time (ms) the workers spent on them (the bench's classify_per_cpu_s). */
  stats(): { classified: number; workerCpuMs: number };
}

export interface ClassificationDeps {
  logger: Logger;
}

/** Items are spread over the workers, but a chunk is never smaller than this (messages cost). */
const MIN_CHUNK = 64;
/** Nor larger: a lost worker costs a re-run of its chunk, and smaller chunks balance better. */
const MAX_CHUNK = 2000;
const START_TIMEOUT_MS = 30_000;
const RESPAWN_DELAY_MS = 1000;
/** Each loss settles the culprit item, so re-runs always progress; the cap bounds the restarts
 *  a chunk full of hanging classifiers can cause. */
const MAX_LOSSES = 3;

interface Batch {
  outcomes: ClassifyOutcome[];
  remaining: number;
  resolve(outcomes: ClassifyOutcome[]): void;
  reject(err: Error): void;
}

interface Chunk {
  id: number;
  batch: Batch;
  /** Position in the batch of each item of the chunk. */
  indices: number[];
  items: SandboxItem[];
  codes: Record<string, string>;
  /** Workers lost while running this chunk; it is re-run without the culprit up to MAX_LOSSES times. */
  losses: number;
}

interface Slot {
  worker: Worker;
  progress: Float64Array;
  ready: boolean;
  dead: boolean;
  chunk?: Chunk | undefined;
}

/**
 * Creates the classification engine (docs/classifiers.md). The main thread never runs Lua: each
 * worker owns one sandboxed Lua state. Two time limits apply per item: the worker's instruction
 * hook aborts a classifier at `timeoutMs` (uncatchable by `pcall`), and a watchdog here
 * terminates a worker whose item is still running `killGraceMs` later (e.g. stuck inside a C
 * function such as a pattern match, where the hook cannot fire), then replaces it.
 */
export function createClassificationEngine(config: ClassificationConfig, deps: ClassificationDeps): ClassificationEngine {
  const log = deps.logger.child({ component: 'classification' });
  const limits = { memoryBytes: config.memoryMiB * 1024 * 1024, timeoutMs: config.timeoutMs, maxCompiled: config.maxCompiled };
  const slots = new Set<Slot>();
  const queue: Chunk[] = [];
  const keys = new Map<string, string>();
  let nextChunkId = 1;
  let running = false;
  let watchdog: NodeJS.Timeout | undefined;
  const counted = { classified: 0, workerCpuMs: 0 };
  const packer = new Packer();

  function keyOf(code: string): string {
    let key = keys.get(code);
    if (key === undefined) {
      if (keys.size >= 10_000) keys.clear();
      key = createHash('sha256').update(code).digest('base64url');
      keys.set(code, key);
    }
    return key;
  }

  function spawn(): Promise<void> {
    const progress = new Float64Array(new SharedArrayBuffer(24));
    progress[0] = -1;
    const init: WorkerInit = { limits, progress: progress.buffer as SharedArrayBuffer };
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
      workerData: init,
      // The Lua heap lives in wasm memory and is capped by the sandbox's allocator; this bounds
      // the worker's JavaScript heap, whose exhaustion ends the worker like a crash.
      resourceLimits: { maxOldGenerationSizeMb: 128 },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, progress, ready: false, dead: false };
    slots.add(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') {
          slot.ready = true;
          resolve();
          dispatch();
        } else if (msg.type === 'done') {
          counted.classified += msg.outcomes.codes.length;
          counted.workerCpuMs += msg.cpuMs;
          finish(slot, msg.outcomes);
        }
      });
      worker.on('error', (err: Error & { code?: string }) => {
        const kind: ClassifierErrorKind = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'runtime';
        if (!slot.ready) reject(ClassificationErrors.WORKER_START_FAILED(err.message));
        lose(slot, kind, `classification worker failed: ${err.message}`);
      });
      worker.on('exit', (code) => {
        if (!slot.ready) reject(ClassificationErrors.WORKER_START_FAILED(`exit code ${code}`));
        lose(slot, 'runtime', `classification worker exited with code ${code}`);
      });
    });
  }

  /** Replaces a lost worker; a replacement that fails to start is retried after a pause. */
  function respawn(): void {
    if (!running) return;
    spawn().catch((err: unknown) => {
      log.error({ err }, 'classification worker failed to start; retrying');
      setTimeout(respawn, RESPAWN_DELAY_MS).unref();
    });
  }

  /** The chunk's windows packed per classifier into one buffer, transferred to the worker (no structured clone of the items). */
  function packChunk(chunk: Chunk): ChunkMessage {
    const byKey = new Map<string, number[]>();
    chunk.items.forEach((item, j) => {
      const group = byKey.get(item.key);
      if (group) group.push(j);
      else byKey.set(item.key, [j]);
    });
    const groups: ChunkMessage['groups'] = [];
    const parts: Uint8Array[] = [];
    let length = 0;
    for (const [key, indices] of byKey) {
      const { data, strings, params } = packWindows(packer, indices.map((j) => chunk.items[j]!));
      parts.push(new Uint8Array(data)); // a copy: the packer's buffer is reused for the next group
      groups.push({ key, indices, start: length, end: length + data.length, strings, params });
      length += data.length;
    }
    const all = new Uint8Array(length);
    let at = 0;
    for (const part of parts) {
      all.set(part, at);
      at += part.length;
    }
    return { type: 'chunk', id: chunk.id, codes: chunk.codes, groups, data: all.buffer, count: chunk.items.length };
  }

  function dispatch(): void {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.dead || slot.chunk) continue;
      const chunk = queue.shift()!;
      slot.chunk = chunk;
      const msg = packChunk(chunk);
      slot.worker.postMessage(msg, [msg.data]);
    }
  }

  function settle(batch: Batch, index: number, outcome: ClassifyOutcome): void {
    batch.outcomes[index] = outcome;
    if (--batch.remaining === 0) batch.resolve(batch.outcomes);
  }

  function finish(slot: Slot, outcomes: PackedOutcomes): void {
    const chunk = slot.chunk;
    slot.chunk = undefined;
    if (chunk) {
      const { codes, failures } = outcomes;
      chunk.indices.forEach((index, j) => {
        const code = codes[j]!;
        settle(chunk.batch, index, code > 0 ? PLAIN[code - 1]! : (failures[j] ?? { severity: 'unknown', error: { kind: 'runtime', message: 'no outcome' } }));
      });
    }
    dispatch();
  }

  /** A worker is gone (terminated by the watchdog, crashed, out of heap): account for its chunk and replace it. */
  function lose(slot: Slot, kind: ClassifierErrorKind, message: string): void {
    if (slot.dead) return;
    slot.dead = true;
    slots.delete(slot);
    void slot.worker.terminate();
    const chunk = slot.chunk;
    slot.chunk = undefined;
    if (chunk) {
      const culprit = slot.progress[0]!;
      const rest: number[] = [];
      chunk.indices.forEach((index, j) => {
        if (j === culprit) settle(chunk.batch, index, { severity: 'unknown', error: { kind, message } });
        else rest.push(j);
      });
      if (rest.length > 0) {
        if (chunk.losses + 1 >= MAX_LOSSES || culprit < 0) {
          // Lost too often, or lost with nothing running: do not risk a loop of lost workers.
          for (const j of rest) settle(chunk.batch, chunk.indices[j]!, { severity: 'unknown', error: { kind, message } });
        } else {
          queue.unshift({
            ...chunk,
            id: nextChunkId++,
            indices: rest.map((j) => chunk.indices[j]!),
            items: rest.map((j) => chunk.items[j]!),
            losses: chunk.losses + 1,
          });
        }
      }
    }
    if (running) {
      log.warn({ kind, reason: message }, 'classification worker lost; replacing it');
      respawn();
    }
  }

  function checkOverruns(): void {
    const now = performance.timeOrigin + performance.now();
    const limit = config.timeoutMs + config.killGraceMs;
    for (const slot of slots) {
      if (!slot.chunk || slot.progress[0]! < 0) continue;
      // Overran its budget by the grace AND no hook heartbeat for the grace: stuck outside Lua's
      // instruction loop. A classifier that is merely slow (a busy machine) keeps beating and
      // is stopped by the worker's own CPU-time limit instead.
      if (now - slot.progress[1]! > limit && now - slot.progress[2]! > config.killGraceMs) {
        lose(slot, 'timeout', `time limit of ${config.timeoutMs} ms exceeded; worker terminated`);
      }
    }
  }

  return {
    async start() {
      if (running) return;
      running = true;
      const starting = Array.from({ length: config.workers }, () => spawn());
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(ClassificationErrors.WORKER_START_FAILED(`not ready after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      });
      try {
        await Promise.race([Promise.all(starting), timeout]);
      } catch (err) {
        await this.stop();
        throw err;
      } finally {
        clearTimeout(timer);
      }
      watchdog = setInterval(checkOverruns, Math.max(5, Math.min(25, Math.floor(config.killGraceMs / 5))));
      watchdog.unref();
      log.info({ workers: config.workers, timeoutMs: config.timeoutMs, memoryMiB: config.memoryMiB }, 'classification engine started');
    },

    async stop() {
      running = false;
      clearInterval(watchdog);
      const stopped = ClassificationErrors.STOPPED();
      const batches = new Set<Batch>(queue.map((c) => c.batch));
      queue.length = 0;
      const workers: Worker[] = [];
      for (const slot of slots) {
        slot.dead = true;
        if (slot.chunk) batches.add(slot.chunk.batch);
        workers.push(slot.worker);
      }
      slots.clear();
      for (const batch of batches) batch.reject(stopped);
      await Promise.all(workers.map((w) => w.terminate()));
    },

    stats: () => ({ ...counted }),

    classify(batch) {
      if (!running) return Promise.reject(ClassificationErrors.NOT_STARTED());
      if (batch.length === 0) return Promise.resolve([]);
      for (let i = 0; i < batch.length; i++) {
        const req = batch[i]!;
        if (typeof req.code !== 'string' || !Array.isArray(req.values) || !Array.isArray(req.messages) || !Array.isArray(req.resultTypes)) {
          return Promise.reject(ClassificationErrors.INVALID_REQUEST(`item ${i} (${String(req.classifierKey)})`));
        }
      }
      return new Promise<ClassifyOutcome[]>((resolve, reject) => {
        const state: Batch = { outcomes: new Array(batch.length), remaining: batch.length, resolve, reject };
        const size = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.ceil(batch.length / config.workers)));
        for (let start = 0; start < batch.length; start += size) {
          const chunk: Chunk = { id: nextChunkId++, batch: state, indices: [], items: [], codes: {}, losses: 0 };
          for (let i = start; i < Math.min(batch.length, start + size); i++) {
            const req = batch[i]!;
            const key = keyOf(req.code);
            chunk.codes[key] = req.code;
            chunk.indices.push(i);
            chunk.items.push({ key, values: req.values, messages: req.messages, resultTypes: req.resultTypes, params: req.params });
          }
          queue.push(chunk);
        }
        dispatch();
      });
    },
  };
}
