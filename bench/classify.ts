// npm run bench -- classify [--seconds N] [--workers N] [--batch N]
// Classifications per second of a threshold classifier over 10 values, in batches, through
// the real engine (worker threads, sandboxed wasm Lua). Last line: one JSON object.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { silentLogger } from '@prophasis/protocol';
import { CLASSIFICATION_DEFAULTS } from '../core/src/classification/config.js';
import { createClassificationEngine, type ClassifyRequest } from '../core/src/classification/index.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    workers: { type: 'string', default: String(availableParallelism()) },
    batch: { type: 'string', default: '1000' },
  },
});
const seconds = Number(args.seconds);
const workers = Number(args.workers);
const batchSize = Number(args.batch);

const CODE = `
  local peak = arrayMax(values)
  if peak > params.major then return "major" end
  if peak > params.minor then return "minor" end
  return "ok"`;

// A few distinct batches, so the windows differ from item to item (as for real hosts).
const batches: ClassifyRequest[][] = Array.from({ length: 4 }, (_, b) =>
  Array.from({ length: batchSize }, (_, i) => ({
    classifierKey: 'bench.cpu',
    code: CODE,
    values: Array.from({ length: 10 }, (_, j) => ((i + b) * 31 + j * 17) % 100),
    messages: Array.from({ length: 10 }, () => null),
    resultTypes: Array.from({ length: 10 }, () => 'plugin'),
    params: { major: 90, minor: 75 },
  })),
);

const engine = createClassificationEngine({ ...CLASSIFICATION_DEFAULTS, workers }, { logger: silentLogger() });
await engine.start();
try {
  await engine.classify(batches[0]!); // warm-up: compile, JIT
  let done = 0;
  let errors = 0;
  const cpuBefore = process.cpuUsage();
  const mainBefore = process.threadCpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  // Two batches in flight per worker keep every worker busy while the main thread
  // posts and collects the others.
  const lane = async (n: number): Promise<void> => {
    for (let k = n; performance.now() < deadline; k++) {
      const outcomes = await engine.classify(batches[k % batches.length]!);
      done += outcomes.length;
      for (const o of outcomes) if (o.error) errors++;
    }
  };
  await Promise.all(Array.from({ length: 2 }, (_, n) => lane(n)));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const main = process.threadCpuUsage(mainBefore);
  // CPU seconds of the whole process (main thread + workers): the per-core figure divides by
  // the CPU actually used, so it stays meaningful on a machine busy with other work.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const perSecond = done / elapsed;
  console.log(
    JSON.stringify({
      bench: 'classify',
      workers,
      batch_size: batchSize,
      seconds: Number(elapsed.toFixed(2)),
      classifications: done,
      errors,
      classifications_per_s: Math.round(perSecond),
      cpu_s: Number(cpuSeconds.toFixed(2)),
      per_core_classifications_per_s: Math.round(done / cpuSeconds),
      // The main thread's share (posting batches, collecting outcomes): what the ingest's thread pays.
      main_thread_cpu_s: Number(((main.user + main.system) / 1e6).toFixed(2)),
      rss_mib: Math.round(process.memoryUsage().rss / 1048576),
    }),
  );
} finally {
  await engine.stop();
}
