import type { AgentInfo } from '@prophasis/protocol';
import { createCapabilitySet } from './capabilities.js';
import { createHostFunctions } from './host/index.js';
import { runInIsolate, type IsolateJob, type IsolateResult } from './isolate-run.js';
import { failure } from './output.js';
import { SANDBOX_FLAG } from './spawn.js';

/**
 * The sandbox process: a child of the agent that hosts the isolates (README of isolated-vm,
 * "Security": keep isolates out of the process that matters). The runner (runner.ts) sends one
 * job at a time over the IPC channel and kills and replaces this process whenever a run was
 * cut off, so a runaway isolate thread can never starve the agent. Messages are in
 * {@link ToSandbox} / {@link FromSandbox}.
 */
export type ToSandbox =
  | { type: 'run'; id: number; job: IsolateJob; granted: string[]; grantedFunctions: string[] }
  | { type: 'agentInfo'; callId: number; info?: AgentInfo; error?: string };

export type FromSandbox =
  | { type: 'ready' }
  | { type: 'done'; id: number; result: IsolateResult }
  | { type: 'log'; level: 'debug' | 'info' | 'warn'; msg: string; id: number }
  | { type: 'agentInfo'; callId: number };

/** Extra resident memory over the process's idle size, beyond which the whole process is given up. */
function rssCeilingBytes(memoryMiB: number): number {
  // isolated-vm: "a determined attacker could use 2-3 times this limit"; 4× plus slack for
  // the host functions' buffers, before the escape hatch fires.
  return (memoryMiB * 4 + 128) * 1024 * 1024;
}

/** Runs the IPC loop; called when this file is the process's entry point. */
function serveSandbox(): void {
  const send = (m: FromSandbox) => {
    if (process.connected) process.send?.(m);
  };
  const pendingInfo = new Map<number, { resolve: (i: AgentInfo) => void; reject: (e: Error) => void }>();
  let nextCall = 1;
  const idleRss = process.memoryUsage.rss();

  process.on('message', (raw: ToSandbox) => {
    if (raw?.type === 'agentInfo') {
      const waiter = pendingInfo.get(raw.callId);
      pendingInfo.delete(raw.callId);
      if (raw.info) waiter?.resolve(raw.info);
      else waiter?.reject(new Error(raw.error ?? 'agent information unavailable'));
      return;
    }
    if (raw?.type !== 'run') return;
    const { id, job } = raw;
    const controller = new AbortController();
    const functions = createHostFunctions(createCapabilitySet(raw.granted, { target: job.target?.address }), {
      signal: controller.signal,
      runTimeoutMs: job.timeoutMs,
      agentInfo: () =>
        new Promise<AgentInfo>((resolve, reject) => {
          const callId = nextCall++;
          pendingInfo.set(callId, { resolve, reject });
          send({ type: 'agentInfo', callId });
        }),
    });
    let settled = false;
    const finish = (result: IsolateResult) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      send({ type: 'done', id, result });
    };
    const started = performance.now();
    // Last line of defence against an allocation the isolate's memory limit does not see.
    const watchdog = setInterval(() => {
      if (process.memoryUsage.rss() - idleRss > rssCeilingBytes(job.memoryMiB)) {
        finish({ outcome: failure(`memory limit of ${job.memoryMiB} MiB exceeded`, Math.round(performance.now() - started)), recycle: true });
      }
    }, 50);
    runInIsolate(job, {
      functions,
      granted: raw.grantedFunctions,
      log: (msg) => send({ type: 'log', level: 'info', msg, id }),
      abort: () => controller.abort(),
    }).then(finish, (err: unknown) => finish({ outcome: failure(`sandbox error: ${(err as Error)?.message}`, 0), recycle: true }));
  });
  // The agent went away: nothing left to serve.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

// The entry point of the sandbox process, from source and as the packed agent's second bundle
// (dist/prophasis-sandbox.mjs). Needs the IPC channel and the flag, so importing this module
// elsewhere (the agent's own bundle, tests) starts nothing.
if (process.send && process.argv.includes(SANDBOX_FLAG)) serveSandbox();
