import type { Logger } from '@prophasis/protocol';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The agent package's build script in this checkout (docs/install-agent.md). */
const PACK_SCRIPT = fileURLToPath(new URL('../../../agent/scripts/pack-agent.ts', import.meta.url));

export interface AgentTarball {
  /** Builds the tarball on first use (once per process), then returns it from the data directory. */
  get(): Promise<{ path: string; sha256: string; bytes: Buffer }>;
}

/**
 * The npm-installable agent the core serves at `/downloads/prophasis-agent.tgz`. The core may
 * not import the agent package (docs/architecture.md, "Packages and the import rules"), so it runs the agent's own pack script as a child
 * process — on the same Node 24, through tsx — into `<dataDir>/downloads`, once per core process
 * so an upgraded checkout serves the upgraded agent.
 */
export function createAgentTarball(config: { dataDir: string }, deps: { logger: Logger }): AgentTarball {
  const log = deps.logger.child({ component: 'downloads' });
  const outDir = join(config.dataDir, 'downloads');
  let building: Promise<{ path: string; sha256: string; bytes: Buffer }> | undefined;

  async function build() {
    if (!existsSync(PACK_SCRIPT)) throw new Error(`the agent's pack script is missing (${PACK_SCRIPT})`);
    const started = Date.now();
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', PACK_SCRIPT, outDir], { timeout: 300_000, maxBuffer: 4 * 1024 * 1024 });
    const path = stdout.trim().split('\n').pop() ?? '';
    const bytes = await readFile(path);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    log.info({ path, sha256, ms: Date.now() - started }, 'agent tarball built');
    return { path, sha256, bytes };
  }

  return {
    get() {
      building ??= build().catch((err: unknown) => {
        building = undefined; // try again on the next request
        throw err;
      });
      return building;
    },
  };
}
