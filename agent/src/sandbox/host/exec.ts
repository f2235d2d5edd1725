import type { ExecResult } from '@prophasis/protocol';
import { spawn } from 'node:child_process';
import type { CapabilitySet } from '../capabilities.js';
import { normalisePath } from '../capabilities.js';
import { asPluginError, bounded, denied, HOST_LIMITS, invalid, optionsObject, str, type HostFunctionDeps } from './common.js';
import type { HostFamilyFunctions } from './table.js';

/** The environment an executed program gets: never the agent's own (it may hold secrets). */
const EXEC_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C' };

/** `host.exec`: the table's `exec` kind. */
export function execFunctions(caps: CapabilitySet, deps: HostFunctionDeps): HostFamilyFunctions<'exec'> {
  const { signal } = deps;
  return {
    async exec(pathArg, argsArg, optionsArg): Promise<ExecResult> {
      const path = normalisePath(pathArg);
      if (path === null || !caps.allowsExec(path)) throw denied(`running ${JSON.stringify(pathArg)}`, caps);
      const args = argsArg ?? [];
      if (!Array.isArray(args) || args.length > HOST_LIMITS.execArgs) throw invalid(`args must be an array of at most ${HOST_LIMITS.execArgs} strings`);
      const argv = args.map((a, i) => str(a, `args[${i}]`));
      const options = optionsObject(optionsArg);
      const timeoutMs = bounded(options.timeoutMs, 'timeoutMs', HOST_LIMITS.execTimeoutMs, deps.runTimeoutMs);
      const cap = bounded(options.maxOutputBytes, 'maxOutputBytes', HOST_LIMITS.execOutputBytes, HOST_LIMITS.execOutputMaxBytes);
      return new Promise<ExecResult>((resolve, reject) => {
        // No shell: the argument list goes to execve as is. A fresh minimal environment, cwd /.
        const child = spawn(path, argv, { shell: false, stdio: ['ignore', 'pipe', 'pipe'], env: EXEC_ENV, cwd: '/', signal, killSignal: 'SIGKILL' });
        let timedOut = false;
        let truncated = false;
        const collect = () => {
          const chunks: Buffer[] = [];
          let size = 0;
          return {
            push(chunk: Buffer) {
              // Keep the first `cap` bytes and keep draining, so the program never blocks on a full pipe.
              if (size >= cap) {
                truncated = true;
                return;
              }
              const part = chunk.subarray(0, cap - size);
              if (part.length < chunk.length) truncated = true;
              chunks.push(part);
              size += part.length;
            },
            text: () => Buffer.concat(chunks).toString('utf8'),
          };
        };
        const out = collect();
        const err = collect();
        child.stdout.on('data', (c: Buffer) => out.push(c));
        child.stderr.on('data', (c: Buffer) => err.push(c));
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs);
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(asPluginError(e));
        });
        child.on('close', (exitCode, sig) => {
          clearTimeout(timer);
          resolve({ exitCode, signal: sig, stdout: out.text(), stderr: err.text(), timedOut, truncated });
        });
      });
    },
  };
}
