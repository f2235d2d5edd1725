import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The agent CLI as installed in the workspace. The core may not import the agent package, so
 * system tests run it as a process; `process.execPath` is the Node 24 that runs the tests (the
 * bin's `#!/usr/bin/env node` could find another).
 */
const AGENT_BIN = fileURLToPath(new URL('../../../node_modules/.bin/prophasis-agent', import.meta.url));

/** Process groups started and not yet gone: killed however this process exits (mocha --exit included). */
const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A started `prophasis-agent` process, in its own process group (it starts sandbox processes). */
export interface AgentProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far, for failure messages. */
  output(): string;
  /** Resolves with the exit code, or rejects after `timeoutMs` (the group is then killed). */
  exited(timeoutMs: number): Promise<number | null>;
  /** SIGKILL to the whole group (the agent and its sandboxes); idempotent. */
  kill(): void;
}

/** Starts `prophasis-agent ARGS` with `env` on top of this process's environment. */
export function startAgent(args: string[], env: NodeJS.ProcessEnv): AgentProcess {
  const child = spawn(process.execPath, [AGENT_BIN, ...args], { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid !== undefined) running.add(pid);
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  let code: number | null | undefined;
  const closed = new Promise<number | null>((resolve) => {
    child.once('close', (c) => {
      if (pid !== undefined) running.delete(pid);
      resolve((code = c));
    });
    child.once('error', (err) => {
      text += `\n[spawn error] ${err.message}`;
      resolve((code = -1));
    });
  });
  const kill = () => {
    if (pid === undefined || code !== undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return {
    child,
    output: () => text,
    exited(timeoutMs) {
      let timer: NodeJS.Timeout;
      return Promise.race([
        closed.finally(() => clearTimeout(timer)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            kill();
            reject(new Error(`prophasis-agent ${args[0]} did not exit within ${timeoutMs} ms; output: ${text.slice(-3000)}`));
          }, timeoutMs);
        }),
      ]);
    },
    kill,
  };
}

/** Polls `probe` every 100 ms until it returns something truthy; rejects after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs: number, detail: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail() ? `\n${detail()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
