import type { Logger } from '@prophasis/protocol';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SITE_PUBLIC_KEY_FILE, trustDirectory } from '../plugins/index.js';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The agent's package builder in this checkout (docs/install-agent.md). */
const PACK_SCRIPT = fileURLToPath(new URL('../../../agent/scripts/pack-platforms.ts', import.meta.url));

/** A platform the agent packages are built for (`agent/scripts/pack-platforms.ts`). */
export type AgentPlatform = 'linux-x64' | 'linux-arm64';

/** One self-contained package: the agent, its native addon and Node.js for one platform. */
interface AgentPackage {
  platform: AgentPlatform;
  /** File name under `/downloads/`, e.g. `prophasis-agent-linux-x64.tar.gz`. */
  file: string;
  sha256: string;
  size: number;
}

/** What the builder wrote (its `index.json`); the core reads it, the agent's script owns it. */
export interface AgentPackageIndex {
  version: string;
  /** Node.js version inside the packages. */
  node: string;
  packages: AgentPackage[];
  installScript: { file: string; sha256: string };
  /** `SHA256SUMS`: the list the install line pins by its hash. */
  sums: { file: string; sha256: string };
  /** The site key's public half, listed in SHA256SUMS: install.sh gives it to root for upgrades from the core. */
  siteKey?: { file: string; sha256: string };
}

export interface AgentPackages {
  /** The directory the files are in. */
  readonly dir: string;
  /**
   * Builds the packages on first use (once per process; reused from the data directory while
   * nothing that goes into them changed), then answers the current index.
   */
  get(): Promise<AgentPackageIndex>;
}

function isIndex(value: unknown): value is AgentPackageIndex {
  const v = value as Partial<AgentPackageIndex> | null;
  const hex = (s: unknown) => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
  return (
    !!v &&
    typeof v.version === 'string' &&
    typeof v.node === 'string' &&
    Array.isArray(v.packages) &&
    v.packages.every((p) => typeof p.file === 'string' && hex(p.sha256) && Number.isInteger(p.size)) &&
    hex(v.installScript?.sha256) &&
    hex(v.sums?.sha256)
  );
}

/**
 * The self-contained agent packages the core serves under `/downloads/` with install.sh
 * (docs/install-agent.md). The core may not import the agent package (docs/architecture.md,
 * "Packages and the import rules"), so it runs the agent's own builder as a child process, on
 * the same Node.js 24 (whose version the packages carry), into `<dataDir>/downloads/agent`. The
 * builder reuses a package whose inputs did not change, so a restart costs a bundling (about a
 * second), not a rebuild; the first build fetches Node.js from the npm registry and takes tens
 * of seconds, so it happens on demand, not at every start.
 */
export function createAgentPackages(config: { dataDir: string; platforms?: readonly AgentPlatform[]; /** Default: the site key in the data directory (core/src/plugins/site-key.ts), when there is one. */ siteKeyFile?: string }, deps: { logger: Logger }): AgentPackages {
  const log = deps.logger.child({ component: 'downloads' });
  const dir = join(config.dataDir, 'downloads', 'agent');
  // The site key's public half goes beside the packages and into SHA256SUMS, so the install line's
  // hash covers it: install.sh gives it to root, which checks upgrade requests against it.
  const siteKeyFile = config.siteKeyFile ?? join(trustDirectory(config.dataDir), SITE_PUBLIC_KEY_FILE);
  let building: Promise<string> | undefined;

  async function build(): Promise<string> {
    if (!existsSync(PACK_SCRIPT)) throw new Error(`the agent's package builder is missing (${PACK_SCRIPT})`);
    const started = Date.now();
    // tsx by absolute URL: `--import tsx` would resolve from whatever the working directory is.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const { stdout } = await execFileAsync(process.execPath, ['--import', tsx, PACK_SCRIPT, dir, ...(existsSync(siteKeyFile) ? [`--site-key=${siteKeyFile}`] : []), ...(config.platforms ?? [])], {
      cwd: dirname(PACK_SCRIPT),
      timeout: 600_000,
      maxBuffer: 4 * 1024 * 1024,
    }).catch((err: Error & { stderr?: string }) => {
      log.error({ err }, 'building the agent packages failed');
      // The builder's own one-line reason (`pack-platforms: Error: …`), not the whole stack.
      const reason = /^pack-platforms: (?:Error: )?(.*)$/m.exec(err.stderr ?? '')?.[1];
      throw new Error(reason ?? err.message);
    });
    const indexPath = stdout.trim().split('\n').pop() ?? '';
    log.info({ indexPath, ms: Date.now() - started }, 'agent packages ready');
    return indexPath;
  }

  return {
    dir,
    async get() {
      building ??= build().catch((err: unknown) => {
        building = undefined; // try again on the next request
        throw err;
      });
      const indexPath = await building;
      // Read each time: a `prophasis host add` next to this core may have rebuilt the files
      // (after the checkout changed), and the hash in a printed line must match what is served.
      const index: unknown = JSON.parse(await readFile(indexPath, 'utf8'));
      if (!isIndex(index)) throw new Error(`${indexPath} is not an agent package index`);
      return index;
    },
  };
}
