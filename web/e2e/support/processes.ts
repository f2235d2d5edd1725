import { spawn, type ChildProcess } from 'node:child_process';

/** A child process the suite started, in its own process group so that stopping it also stops what `npx` started. */
export interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything written so far (stdout and stderr interleaved), for assertions and failure reports. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects after `timeoutMs` or when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGTERM to the group, SIGKILL after `graceMs` if anything of it is still alive. */
  stop(graceMs?: number): Promise<void>;
}

/** The last `n` characters of a process's output, for error messages. */
export const tail = (text: string, n = 3000): string => (text.length > n ? `…${text.slice(-n)}` : text);

/** Process groups started and not yet stopped; killed when this process exits, however it exits. */
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

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `command args` with `cwd` and `env`, detached into a new process group (`npx` runs the
 * real program as a grandchild; signalling the group reaches it without touching anything the
 * suite did not start).
 */
export function start(name: string, command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string }): Started {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid !== undefined) running.add(child.pid);
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      for (const w of waiters) w();
      resolve();
    });
    // A failed spawn (no such command) emits 'error' and no 'exit'.
    child.once('error', (err) => {
      text += `\n[spawn error] ${err.message}`;
      exited = { code: -1, signal: null };
      for (const w of waiters) w();
      resolve();
    });
  });
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  else child.stdin?.end();

  return {
    name,
    child,
    output: () => text,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = text.match(pattern);
          if (match) return finish(() => resolve(match));
          if (exited) {
            return finish(() => reject(new Error(`${name} exited (${exited?.code ?? exited?.signal}) before printing ${pattern}:\n${tail(text)}`)));
          }
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${tail(text)}`))), timeoutMs);
        const finish = (done: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          done();
        };
        waiters.add(check);
        check();
      });
    },
    async stop(graceMs = 10_000) {
      const pid = child.pid;
      if (pid === undefined) return;
      if (!groupAlive(pid)) return void running.delete(pid);
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        return;
      }
      const deadline = Date.now() + graceMs;
      await exit;
      // npm may exit before the program it started; wait for the whole group.
      while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (groupAlive(pid)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      running.delete(pid);
    },
  };
}

/** Runs a command to its end; rejects on a non-zero exit or after `timeoutMs`. */
export async function run(name: string, command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string; timeoutMs: number }): Promise<string> {
  const p = start(name, command, args, options);
  const code = await Promise.race([
    new Promise<number | null>((resolve) => {
      // 'close' comes after the output streams ended, so nothing printed is lost.
      p.child.once('close', (c) => resolve(c));
      p.child.once('error', () => resolve(-1));
    }),
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), options.timeoutMs).unref()),
  ]);
  if (code === 'timeout') {
    await p.stop(2_000);
    throw new Error(`${name} did not finish within ${options.timeoutMs} ms:\n${tail(p.output())}`);
  }
  // Nothing of it may linger (and its group id is forgotten).
  await p.stop(2_000);
  if (code !== 0) throw new Error(`${name} exited with ${code}:\n${tail(p.output())}`);
  return p.output();
}
