import { randomBytes } from 'node:crypto';
import { readFile, realpath, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `connected.json` in the data directory: written by `prophasis-agent run` each time it is
 * connected to the core, read by `prophasis-agent upgrade` to tell whether the version it
 * switched to came up (docs/decisions/0009-agent-self-upgrade.md). Holds nothing secret.
 */
const CONNECTED_FILE = 'connected.json';

export interface ConnectedMarker {
  /** The package the running agent was started from (ROOT/versions/<v>, resolved), or null when it runs from source. */
  packageRoot: string | null;
  version: string;
  pid: number;
  /** When the connection came up, ms since the epoch. */
  at: number;
}

/**
 * The package this agent runs from: in an installed package the whole agent is one bundle,
 * PACKAGE/lib/dist/prophasis-agent.mjs, so the package is two folders up from this module's
 * URL. From source (a `.ts` module) there is no package: null.
 */
export async function runningPackageRoot(moduleUrl: string = import.meta.url): Promise<string | null> {
  const path = fileURLToPath(moduleUrl);
  if (!path.endsWith('/lib/dist/prophasis-agent.mjs')) return null;
  return realpath(join(path, '../../..')).catch(() => null);
}

/** Writes the marker through a temporary file and a rename: a reader never sees half of it. */
export async function writeConnectedMarker(dataDir: string, marker: ConnectedMarker): Promise<void> {
  const path = join(dataDir, CONNECTED_FILE);
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, JSON.stringify(marker) + '\n', { mode: 0o600 });
  await rename(temp, path);
}

/** The marker, or null when there is none or it cannot be read. */
export async function readConnectedMarker(dataDir: string): Promise<ConnectedMarker | null> {
  try {
    const parsed = JSON.parse(await readFile(join(dataDir, CONNECTED_FILE), 'utf8')) as Partial<ConnectedMarker>;
    if (typeof parsed.at !== 'number' || typeof parsed.pid !== 'number') return null;
    return { packageRoot: typeof parsed.packageRoot === 'string' ? parsed.packageRoot : null, version: String(parsed.version ?? ''), pid: parsed.pid, at: parsed.at };
  } catch {
    return null;
  }
}
