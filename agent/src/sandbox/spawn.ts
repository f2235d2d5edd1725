import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The hidden argument the sandbox process is started with. `sandbox-process.ts` serves only when
 * it has an IPC channel and this flag, so loading the module anywhere else starts nothing.
 */
export const SANDBOX_FLAG = '--prophasis-sandbox';

/**
 * File name of the sandbox process's entry in the packed agent: the second esbuild entry,
 * written beside `dist/prophasis-agent.mjs` by `scripts/pack-agent.ts`.
 */
export const SANDBOX_BUNDLE_FILE = 'prophasis-sandbox.mjs';

/**
 * V8 flags of the sandbox process (issue 17, "a light agent"; docs/performance.md): 1 MiB
 * semi-spaces keep its young generation small (plugins' own heaps are isolates with their own
 * limits; this heap only carries IPC messages and host-call results).
 */
const SANDBOX_NODE_FLAGS = ['--max-semi-space-size=1'];

const FORK_OPTIONS: ForkOptions = {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  // Structured clone over IPC: plugin output and host-call answers keep their types.
  serialization: 'advanced',
};

/**
 * Where this build's sandbox entry is. From source this module is `src/sandbox/spawn.ts` and
 * the entry is `sandbox-process.ts`, loaded through tsx. In the packed agent esbuild has put
 * this module into `dist/prophasis-agent.mjs` (`import.meta.url` is the bundle's), and the
 * entry is the sandbox bundle beside it.
 */
export function sandboxEntry(moduleUrl: string = import.meta.url): { path: string; typescript: boolean } {
  const typescript = new URL(moduleUrl).pathname.endsWith('.ts');
  const entry = new URL(typescript ? './sandbox-process.ts' : `./${SANDBOX_BUNDLE_FILE}`, moduleUrl);
  return { path: fileURLToPath(entry), typescript };
}

/**
 * Starts the sandbox process for the build that is running (source or packed), with an IPC
 * channel. The default `spawnSandbox` of `createPluginRunner`.
 */
export function spawnSandboxProcess(): ChildProcess {
  const { path, typescript } = sandboxEntry();
  return fork(path, [SANDBOX_FLAG], {
    ...FORK_OPTIONS,
    // tsx by absolute URL: `--import tsx` would resolve from whatever the working directory
    // is. The packed sandbox is plain JavaScript and needs no loader (and ships no tsx).
    execArgv: [...SANDBOX_NODE_FLAGS, ...(typescript ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [])],
  });
}
