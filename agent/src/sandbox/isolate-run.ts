import { CAPABILITY_DENIED } from '@prophasis/protocol';
import ivm from 'isolated-vm';
import { HOST_FUNCTION_CAPABILITIES, type HostFunctions } from './host/index.js';
import { failure, validateOutput, type RunOutcome } from './output.js';

/**
 * One plugin run in one fresh isolated-vm isolate (docs/plugins.md, "What the code runs in"). Runs inside the sandbox
 * process (sandbox-process.ts), never in the agent's own process: isolated-vm's limits are
 * not airtight (issues laverdet/isolated-vm#107, #186: some allocations escape the memory
 * limit and keep the isolate's thread running after disposal), so the caller recycles the
 * whole process whenever `recycle` is true.
 */
export interface IsolateJob {
  /** The main file's source: an ES module exporting `measure(host, params)`. */
  code: string;
  /** Shown in stack traces, e.g. `plugin:com.example.load@1.0.0/index.js`. */
  filename: string;
  params: Record<string, unknown>;
  memoryMiB: number;
  timeoutMs: number;
  /** The device the check runs against (issue 18), for `host.target()`; absent → null. */
  target?: { address: string; name?: string };
}

export interface IsolateDeps {
  /** Host functions of this run; names absent here are refused with capability_denied. */
  functions: HostFunctions;
  /** Names whose capability the plugin was granted (the isolate-side check). */
  granted: readonly string[];
  /** Called for `host.log(message)`, already truncated and rate-limited. */
  log: (message: string) => void;
  /** Aborted when the run ends, so host calls still in flight stop. */
  abort: () => void;
}

export interface IsolateResult {
  outcome: RunOutcome;
  /** The run was cut off (timeout or memory): the process hosting it should be replaced. */
  recycle: boolean;
}

/** At most this many host calls in flight at once: a plugin cannot fan out without bound. */
const MAX_CONCURRENT_CALLS = 16;
/** At most this many `host.log` lines per run reach the agent's log. */
const MAX_LOG_LINES = 100;

// Runs inside the isolate before the plugin's module, as a closure: it receives the two
// References and keeps them in its scope only, so plugin code can never reach them
// (README "Security": a leaked Reference is a way back into Node.js). Option objects have a
// null prototype so a plugin polluting Object.prototype cannot change how calls transfer.
const BOOTSTRAP = `
'use strict';
const dispatch = $0, logRef = $1, granted = new Set($2), names = $3, target = $4.t;
const freeze = Object.freeze, nul = (o) => freeze(Object.assign(Object.create(null), o));
const callOptions = nul({ arguments: nul({ copy: true }), result: nul({ promise: true, copy: true }) });
const logOptions = nul({ arguments: nul({ copy: true }) });
const fail = (code, message) => { const e = new Error(message); e.code = code; return e; };
const call = (name) => async (...args) => {
  if (!granted.has(name)) throw fail('${CAPABILITY_DENIED}', 'host.' + name + ' is not covered by the plugin\\'s approved capabilities');
  const r = await dispatch.apply(undefined, [name, args], callOptions);
  if (r.ok) return r.value;
  throw fail(r.code, r.message);
};
const targetCopy = () => (target === null ? null : { ...target });
const host = { now: () => Date.now(), log: (m) => { logRef.applyIgnored(undefined, [String(m).slice(0, 2000)], logOptions); }, target: targetCopy };
for (const name of names) {
  const dot = name.indexOf('.');
  if (dot === -1) host[name] = call(name);
  else (host[name.slice(0, dot)] ??= {})[name.slice(dot + 1)] = call(name);
}
for (const v of Object.values(host)) if (typeof v === 'object') freeze(v);
freeze(host);
// Node.js-free already; also drop what a measurement never needs and that could block the
// thread or allocate outside the heap accounting.
for (const g of ['WebAssembly', 'SharedArrayBuffer', 'Atomics']) delete globalThis[g];
const kind = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
return async (ns, params) => {
  let out;
  try {
    if (typeof ns.measure !== 'function') return { error: { message: 'the main module does not export a measure function' } };
    out = await ns.measure(host, params);
  } catch (e) {
    const code = e !== null && typeof e === 'object' && typeof e.code === 'string' ? e.code.slice(0, 64) : undefined;
    let message;
    try { message = e !== null && typeof e === 'object' && 'message' in e ? String(e.message) : String(e); } catch { message = 'an unprintable value'; }
    return { error: { code, message: message.slice(0, 2000) } };
  }
  if (out === null || typeof out !== 'object') return { output: { notAnObject: kind(out) } };
  const value = out.value, message = out.message, resultType = out.resultType, o = {};
  if (value === undefined || value === null || typeof value === 'number') o.value = value ?? null; else o.badValue = kind(value);
  if (message === undefined || message === null) o.message = null;
  else if (typeof message === 'string') o.message = message.slice(0, 4097); else o.badMessage = kind(message);
  if (typeof resultType === 'string') o.resultType = resultType.slice(0, 65);
  else if (resultType !== undefined) o.badResultType = kind(resultType);
  return { output: o };
};
`;

/** The plain copy of the job's target the isolate gets: only `address` and `name`, strings. */
function runTarget(job: IsolateJob): { address: string; name?: string } | null {
  const t = job.target;
  if (!t || typeof t.address !== 'string' || t.address === '') return null;
  return typeof t.name === 'string' ? { address: t.address, name: t.name } : { address: t.address };
}

/** Runs one job in a fresh isolate and disposes it; never throws. */
export async function runInIsolate(job: IsolateJob, deps: IsolateDeps): Promise<IsolateResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const isolate = new ivm.Isolate({ memoryLimit: job.memoryMiB });
  let disposedByUs = false;
  let firstDenied: string | null = null;
  let inFlight = 0;
  let logLines = 0;

  const dispose = () => {
    if (isolate.isDisposed) return;
    disposedByUs = true;
    try {
      isolate.dispose();
    } catch {
      // Disposed concurrently (memory limit): nothing left to release.
    }
  };

  const dispatch = new ivm.Reference(async (name: string, args: unknown[]) => {
    const fn = Object.hasOwn(deps.functions, name) ? deps.functions[name] : undefined;
    if (!fn) return { ok: false, code: CAPABILITY_DENIED, message: `host.${String(name)} does not exist` };
    if (inFlight >= MAX_CONCURRENT_CALLS) return { ok: false, code: 'too_many_calls', message: `at most ${MAX_CONCURRENT_CALLS} host calls may be in flight` };
    inFlight++;
    try {
      return { ok: true, value: await fn(...(Array.isArray(args) ? args : [])) };
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      const code = typeof e?.code === 'string' ? e.code : 'host_error';
      const message = typeof e?.message === 'string' ? e.message : String(err);
      if (code === CAPABILITY_DENIED) firstDenied ??= message;
      return { ok: false, code, message };
    } finally {
      inFlight--;
    }
  });
  const logRef = new ivm.Reference((message: string) => {
    if (++logLines <= MAX_LOG_LINES) deps.log(String(message));
    else if (logLines === MAX_LOG_LINES + 1) deps.log(`(further log lines of this run dropped after ${MAX_LOG_LINES})`);
  });

  const memoryReason = `memory limit of ${job.memoryMiB} MiB exceeded`;
  const timeoutReason = `timeout after ${job.timeoutMs} ms`;
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;

  // The isolate's own `timeout` options stop synchronous code only; an awaited host call or a
  // never-settling promise escapes them. This wall-clock deadline covers the whole run, and a
  // poll notices an isolate disposed for its memory limit even when no promise settles then.
  const stopped = new Promise<IsolateResult>((resolve) => {
    timer = setTimeout(() => {
      dispose();
      resolve({ outcome: failure(timeoutReason, elapsed()), recycle: true });
    }, job.timeoutMs);
    poll = setInterval(() => {
      if (isolate.isDisposed && !disposedByUs) resolve({ outcome: failure(memoryReason, elapsed()), recycle: true });
    }, 20);
  });

  const work = (async (): Promise<IsolateResult> => {
    try {
      const context = await isolate.createContext();
      const runner = (await context.evalClosure(BOOTSTRAP, [dispatch, logRef, new ivm.ExternalCopy([...deps.granted]).copyInto(), new ivm.ExternalCopy(Object.keys(HOST_FUNCTION_CAPABILITIES)).copyInto(), new ivm.ExternalCopy({ t: runTarget(job) }).copyInto()], {
        result: { reference: true },
        filename: 'prophasis:sandbox-bootstrap',
      })) as ivm.Reference;
      let module: ivm.Module;
      try {
        module = await isolate.compileModule(job.code, { filename: job.filename });
      } catch (err) {
        return { outcome: failure(`invalid plugin code: ${(err as Error)?.message}`, elapsed()), recycle: false };
      }
      await module.instantiate(context, (specifier) => {
        throw new Error(`imports are not available in the plugin sandbox (import of ${JSON.stringify(specifier)})`);
      });
      await module.evaluate({ timeout: job.timeoutMs });
      const reply = (await runner.apply(undefined, [module.namespace.derefInto(), new ivm.ExternalCopy(job.params).copyInto()], {
        timeout: job.timeoutMs,
        result: { promise: true, copy: true },
      })) as { error?: { code?: string; message: string }; output?: unknown };
      if (reply?.error) {
        const { code, message } = reply.error;
        if (code === CAPABILITY_DENIED) return { outcome: failure(`capability denied: ${firstDenied ?? message}`, elapsed()), recycle: false };
        return { outcome: failure(`plugin error: ${message}`, elapsed()), recycle: false };
      }
      return { outcome: validateOutput(reply?.output, elapsed()), recycle: false };
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      if (isolate.isDisposed && !disposedByUs) return { outcome: failure(memoryReason, elapsed()), recycle: true };
      if (/memory limit/i.test(message)) return { outcome: failure(memoryReason, elapsed()), recycle: true };
      if (/Script execution timed out/i.test(message)) return { outcome: failure(timeoutReason, elapsed()), recycle: true };
      if (/Array buffer allocation failed|Invalid array length|Invalid string length/i.test(message)) {
        return { outcome: failure(`${memoryReason} (${message})`, elapsed()), recycle: true };
      }
      return { outcome: failure(`plugin error: ${message}`, elapsed()), recycle: false };
    }
  })();

  try {
    return await Promise.race([work, stopped]);
  } finally {
    clearTimeout(timer);
    clearInterval(poll);
    deps.abort();
    dispose();
    dispatch.release();
    logRef.release();
  }
}
