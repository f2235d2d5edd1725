import envPaths from 'env-paths';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

/** The processes of docs/architecture.md ("Processes"); each keeps its own data directory. */
export type ProcessName = 'core' | 'agent' | 'broker' | 'marketplace';

/**
 * The data directory of one process: `PROPHASIS_DATA_DIR` when set (then the operator gives
 * each process its own), otherwise the platform's data folder from env-paths, e.g.
 * `~/.local/share/prophasis-core` on Linux. Created with owner-only permissions.
 */
export function dataDir(process_: ProcessName, env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.PROPHASIS_DATA_DIR ? resolve(env.PROPHASIS_DATA_DIR) : envPaths(`prophasis-${process_}`, { suffix: '' }).data;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
