import { Type, type Static } from '@sinclair/typebox';
import type { AgentInfo, Logger, Manifest } from '@prophasis/protocol';
import type { ChildProcess } from 'node:child_process';
import { grantedCapabilities } from './capabilities.js';
import { HOST_FUNCTION_CAPABILITIES } from './host/index.js';
import { failure, type RunOutcome } from './output.js';
import type { FromSandbox, ToSandbox } from './sandbox-process.js';
import { spawnSandboxProcess } from './spawn.js';


/**
 * The operator's caps for every plugin run (docs/plugins.md, "Limits"). A manifest's
 * `limits` may ask for less, never more.
 */
export const SandboxConfigSchema = Type.Object(
  {
    memoryMiB: Type.Integer({ minimum: 8, maximum: 1024 }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 600_000 }),
  },
  { additionalProperties: false },
);
export type SandboxConfig = Static<typeof SandboxConfigSchema>;

export const SANDBOX_DEFAULTS: SandboxConfig = {
  memoryMiB: 64, // isolate heap cap per run
  timeoutMs: 10_000, // 10 s wall clock per run, host calls included
};

/**
 * How long the sandbox process may sit without a run before it is stopped (issue 17, "a light
 * agent"): 60 s. The next run starts a new one. 0 keeps it for the agent's lifetime.
 */
export const SANDBOX_IDLE_DEFAULT_MS = 60_000;

/** The runner's own settings beside the caps. */
export interface PluginRunnerConfig extends SandboxConfig {
  /** Stop the sandbox process after this long without a run, ms; 0 never stops it. */
  idleMs: number;
}

/** What the runner can tell about its sandbox process (agent log, `agent.report`, the footprint bench). */
interface SandboxStats {
  /** The sandbox process's pid while one is running (or starting), else null. */
  pid: number | null;
  /** Sandbox processes started so far (first start, restarts after a cut-off or an idle stop). */
  starts: number;
  /** How long the last start took, from fork to its `ready` message, ms; null before the first. */
  lastStartMs: number | null;
  /** Times the sandbox process was stopped for having been idle `idleMs`. */
  idleStops: number;
}

/** One plugin run as the plan executor asks for it. */
export interface PluginJob {
  manifest: Pick<Manifest, 'id' | 'version' | 'main' | 'capabilities'> & { limits?: Manifest['limits'] };
  /** Source of the manifest's `main` file. */
  code: string;
  /** The capabilities the administrator approved for this plugin version. */
  approvedCapabilities: readonly string[];
  /** The check's parameters, already validated against the manifest's parameter schema. */
  params: Record<string, unknown>;
  /** The plan entry's or `check.run`'s own timeout: may shorten the run, never lengthen it. */
  timeoutMs?: number;
  /**
   * The device the check runs against (issue 18: the plan entry's target): what `$target` in
   * `icmp.echo:$target` / `snmp:$target` stands for, and what `host.target()` returns.
   */
  target?: { address: string; name?: string };
}

export interface PluginRunner {
  /** Runs one plugin in a fresh isolate; never rejects (failures are `command_unsuccessful`). */
  run(job: PluginJob): Promise<RunOutcome>;
  /** Stops the sandbox process; runs still queued finish as `command_unsuccessful`. */
  dispose(): Promise<void>;
  /** The sandbox process's pid, start count and last start time. */
  stats(): SandboxStats;
}

export interface PluginRunnerDeps {
  logger: Logger;
  /** The agent's own health for plugins granted `agent.info`. */
  agentInfo?: () => AgentInfo | Promise<AgentInfo>;
  /**
   * Starts the sandbox process. The default ({@link spawnSandboxProcess}) forks
   * `sandbox-process.ts` through tsx when the agent runs from source, and the packed agent's
   * `dist/prophasis-sandbox.mjs` when it runs from the bundle.
   */
  spawnSandbox?: () => ChildProcess;
}

/** Time the sandbox process gets beyond a run's timeout before it is killed from outside. */
const KILL_GRACE_MS = 2_000;
/** How long a new sandbox process may take to say it is ready. */
const START_TIMEOUT_MS = 15_000;

/**
 * The limits a run gets: the manifest's, capped by the operator's; a job's own `timeoutMs`
 * (from the plan entry or `check.run`) may shorten the time further.
 */
export function effectiveLimits(config: SandboxConfig, limits: PluginJob['manifest']['limits'], jobTimeoutMs?: number): SandboxConfig {
  const pick = (asked: number | undefined, cap: number) => (asked !== undefined && asked > 0 ? Math.min(asked, cap) : cap);
  return { memoryMiB: pick(limits?.memoryMiB, config.memoryMiB), timeoutMs: pick(jobTimeoutMs, pick(limits?.timeoutMs, config.timeoutMs)) };
}

/**
 * Creates the plugin runner (docs/plugins.md, "What the code runs in"): each run gets a fresh isolated-vm isolate inside
 * a dedicated sandbox process, with host functions only for the capabilities that are both
 * declared and approved. Runs are serialised (the agent runs one plugin at a time). A run cut
 * off by its timeout or memory limit, or a sandbox process that dies, costs one process
 * restart; the agent's own process is never at stake.
 */
export function createPluginRunner(config: Partial<PluginRunnerConfig>, deps: PluginRunnerDeps): PluginRunner {
  const { idleMs = SANDBOX_IDLE_DEFAULT_MS, ...limitsConfig } = config;
  const caps: SandboxConfig = { ...SANDBOX_DEFAULTS, ...limitsConfig };
  const logger = deps.logger.child({ component: 'sandbox' });
  const spawnSandbox = deps.spawnSandbox ?? spawnSandboxProcess;
  let child: ChildProcess | null = null;
  let ready: Promise<ChildProcess> | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let nextId = 1;
  let disposed = false;
  /** Runs asked for and not finished yet (queued or running): the process is not idle while > 0. */
  let pending = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const stats: SandboxStats = { pid: null, starts: 0, lastStartMs: null, idleStops: 0 };

  /**
   * Stops an idle sandbox process gracefully: closing the IPC channel makes it exit
   * (sandbox-process.ts, 'disconnect'); SIGKILL if it has not gone after 2 s. `child` is cleared
   * first, so a run asked for from now on starts a new process and never meets this one.
   */
  const stopIdle = () => {
    idleTimer = undefined;
    const starting = ready;
    if (!starting || pending > 0 || disposed) return;
    starting.then(
      (proc) => {
        if (pending > 0 || disposed || child !== proc) return;
        child = null;
        ready = null;
        stats.pid = null;
        stats.idleStops++;
        logger.info({ pid: proc.pid, idleMs }, 'sandbox process idle: stopping it (the next run starts a new one)');
        proc.removeAllListeners('message');
        const force = setTimeout(() => proc.kill('SIGKILL'), KILL_GRACE_MS);
        force.unref();
        proc.once('exit', () => clearTimeout(force));
        if (proc.connected) proc.disconnect();
        else proc.kill('SIGTERM');
      },
      () => undefined,
    );
  };
  const armIdle = () => {
    if (idleMs <= 0 || disposed || pending > 0 || !child) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(stopIdle, idleMs);
    // An idle timer alone never keeps the agent's process alive.
    idleTimer.unref();
  };

  const kill = (why: string) => {
    if (!child) return;
    logger.info({ pid: child.pid, why }, 'replacing the sandbox process');
    child.removeAllListeners('message');
    child.kill('SIGKILL');
    child = null;
    ready = null;
    stats.pid = null;
  };

  const answerAgentInfo = async (proc: ChildProcess, callId: number) => {
    let reply: ToSandbox;
    try {
      if (!deps.agentInfo) throw new Error('agent information is not available');
      reply = { type: 'agentInfo', callId, info: await deps.agentInfo() };
    } catch (err) {
      reply = { type: 'agentInfo', callId, error: (err as Error).message };
    }
    if (proc.connected) proc.send(reply);
  };

  const start = (): Promise<ChildProcess> => {
    if (ready) return ready;
    ready = new Promise<ChildProcess>((resolve, reject) => {
      const forkedAt = performance.now();
      const proc = spawnSandbox();
      child = proc;
      stats.pid = proc.pid ?? null;
      const timer = setTimeout(() => {
        reject(new Error(`the sandbox process did not start within ${START_TIMEOUT_MS} ms`));
        if (child === proc) kill('start timeout');
      }, START_TIMEOUT_MS);
      proc.on('message', (m: FromSandbox) => {
        if (m?.type === 'ready') {
          clearTimeout(timer);
          stats.starts++;
          stats.lastStartMs = Math.round(performance.now() - forkedAt);
          // The start time is the price of the idle stop: logged with every start (docs/agent.md).
          logger.info({ pid: proc.pid, startMs: stats.lastStartMs, starts: stats.starts }, 'sandbox process ready');
          resolve(proc);
        } else if (m?.type === 'agentInfo') {
          void answerAgentInfo(proc, m.callId);
        } else if (m?.type === 'log') {
          logger.info({ run: m.id, pluginLog: true }, m.msg);
        }
      });
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
        if (child === proc) {
          child = null;
          ready = null;
          stats.pid = null;
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the sandbox process exited during start (code ${code}, signal ${signal})`));
        if (child === proc) {
          logger.warn({ code, signal }, 'sandbox process exited');
          child = null;
          ready = null;
          stats.pid = null;
        }
      });
    });
    return ready;
  };

  const runOne = async (job: PluginJob): Promise<RunOutcome> => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (disposed) return failure('the plugin runner is stopped', 0);
    const limits = effectiveLimits(caps, job.manifest.limits, job.timeoutMs);
    const granted = grantedCapabilities(job.manifest.capabilities, job.approvedCapabilities);
    const kinds = new Set(granted.map((c) => c.split(':')[0]));
    const grantedFunctions = Object.entries(HOST_FUNCTION_CAPABILITIES)
      .filter(([, kind]) => kind === 'always' || kinds.has(kind))
      .map(([name]) => name);
    const log = logger.child({ plugin: job.manifest.id, version: job.manifest.version });
    const notApproved = job.manifest.capabilities.filter((c) => !granted.includes(c));
    if (notApproved.length > 0) log.debug({ notApproved }, 'declared capabilities not approved; their host functions will refuse');

    let proc: ChildProcess;
    try {
      proc = await start();
    } catch (err) {
      log.error({ err }, 'sandbox process unavailable');
      return failure(`sandbox unavailable: ${(err as Error).message}`, elapsed());
    }
    const id = nextId++;
    const outcome = await new Promise<RunOutcome>((resolve) => {
      const cleanup = () => {
        clearTimeout(hardDeadline);
        proc.off('message', onMessage);
        proc.off('exit', onExit);
      };
      const onMessage = (m: FromSandbox) => {
        if (m?.type !== 'done' || m.id !== id) return;
        cleanup();
        if (m.result.recycle) {
          kill(m.result.outcome.message ?? 'run cut off');
          // Start the replacement now, so the next run does not wait for it.
          if (!disposed) start().catch((err: unknown) => logger.error({ err }, 'sandbox process restart failed'));
        }
        resolve({ ...m.result.outcome, durationMs: elapsed() });
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        resolve(failure(`the sandbox process died during the run (code ${code}, signal ${signal})`, elapsed()));
      };
      // Backstop for a sandbox process that cannot answer any more (a wedged isolate thread).
      const hardDeadline = setTimeout(() => {
        cleanup();
        kill('no answer after the run timeout');
        resolve(failure(`timeout after ${limits.timeoutMs} ms`, elapsed()));
      }, limits.timeoutMs + KILL_GRACE_MS);
      proc.on('message', onMessage);
      proc.once('exit', onExit);
      const message: ToSandbox = {
        type: 'run',
        id,
        granted,
        grantedFunctions,
        job: {
          code: job.code,
          filename: `plugin:${job.manifest.id}@${job.manifest.version}/${job.manifest.main}`,
          params: job.params,
          ...limits,
          ...(job.target ? { target: job.target } : {}),
        },
      };
      proc.send(message);
    });
    if (outcome.resultType === 'command_unsuccessful') log.warn({ reason: outcome.message, durationMs: outcome.durationMs }, 'plugin run failed');
    else log.debug({ durationMs: outcome.durationMs }, 'plugin run done');
    return outcome;
  };

  return {
    run(job) {
      pending++;
      clearTimeout(idleTimer);
      idleTimer = undefined;
      const result = queue.then(() => runOne(job));
      queue = result
        .catch(() => undefined)
        .finally(() => {
          pending--;
          armIdle();
        });
      return result.catch((err: unknown) => failure(`sandbox error: ${(err as Error)?.message}`, 0));
    },
    stats: () => ({ ...stats }),
    async dispose() {
      disposed = true;
      clearTimeout(idleTimer);
      await queue;
      const proc = child;
      if (!proc) return;
      child = null;
      ready = null;
      stats.pid = null;
      proc.removeAllListeners('message');
      const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 2_000);
        await gone;
        clearTimeout(t);
      }
    },
  };
}
