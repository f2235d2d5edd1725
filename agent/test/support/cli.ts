import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real entry point, as installed: bin → Node version check → tsx → src/cli.ts. */
const BIN = fileURLToPath(new URL('../../bin/prophasis-agent.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns `prophasis-agent ARGS` with the Node that runs the tests. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, bin = BIN): ChildProcess {
  return spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Collects a child's output and resolves when it exits (killed after `timeoutMs`). */
export function finished(child: ChildProcess, timeoutMs = 15_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not exit within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    // 'close' (unlike 'exit') comes after the child's stdout and stderr are drained.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs?: number, bin = BIN): Promise<CliResult> {
  return finished(spawnCli(args, env, bin), timeoutMs);
}
