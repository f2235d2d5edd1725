/**
 * Per-run overhead of the plugin sandbox (not a test; run with
 * `npx tsx test/sandbox/measure-overhead.ts [runs]` from agent/). Prints one JSON line:
 * a fresh isolate per run in-process (isolate + context + bootstrap + module + measure),
 * the same through the runner (IPC to the sandbox process included), and the sandbox
 * process start after a cut-off run.
 */
import { silentLogger } from '@prophasis/protocol';
import { createCapabilitySet } from '../../src/sandbox/capabilities.js';
import { createHostFunctions } from '../../src/sandbox/host/index.js';
import { runInIsolate } from '../../src/sandbox/isolate-run.js';
import { createPluginRunner } from '../../src/sandbox/runner.js';

const runs = Number(process.argv[2] ?? 200);
const code = 'export function measure(host, params) { return { value: params.n }; }';
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const round = (x: number) => Math.round(x * 100) / 100;

const inProcess: number[] = [];
for (let i = 0; i < runs; i++) {
  const ac = new AbortController();
  const t = performance.now();
  const r = await runInIsolate(
    { code, filename: 'bench.js', params: { n: i }, memoryMiB: 64, timeoutMs: 10_000 },
    { functions: createHostFunctions(createCapabilitySet([]), { signal: ac.signal, runTimeoutMs: 10_000 }), granted: [], log: () => {}, abort: () => ac.abort() },
  );
  inProcess.push(performance.now() - t);
  if (r.outcome.value !== i) throw new Error(JSON.stringify(r));
}

const runner = createPluginRunner({}, { logger: silentLogger() });
const manifest = { id: 'com.example.bench', version: '1.0.0', main: 'index.js', capabilities: [] };
const t0 = performance.now();
await runner.run({ manifest, code, approvedCapabilities: [], params: { n: 0 } });
const firstRunMs = performance.now() - t0;
const viaRunner: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  const o = await runner.run({ manifest, code, approvedCapabilities: [], params: { n: i } });
  viaRunner.push(performance.now() - t);
  if (o.value !== i) throw new Error(JSON.stringify(o));
}
await runner.dispose();

console.log(
  JSON.stringify({
    bench: 'sandbox-overhead',
    runs,
    isolate_run_p50_ms: round(pct(inProcess, 0.5)),
    isolate_run_p99_ms: round(pct(inProcess, 0.99)),
    runner_run_p50_ms: round(pct(viaRunner, 0.5)),
    runner_run_p99_ms: round(pct(viaRunner, 0.99)),
    first_run_with_process_start_ms: round(firstRunMs),
    rss_mib: Math.round(process.memoryUsage.rss() / 1048576),
  }),
);
