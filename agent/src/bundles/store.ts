import {
  BundleErrors,
  isProphasisError,
  MANIFEST_FILE,
  sha256Hex,
  validateManifest,
  verifyBundle,
  type BundleLimits,
  type Logger,
  type Manifest,
} from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { extractVerified } from '@prophasis/protocol';
import type { TrustStore } from './trust.js';

/** A bundle unpacked on this machine. */
export interface InstalledBundle {
  pluginId: string;
  version: string;
  sha256: string;
  dir: string;
  manifest: Manifest;
}

export type InstallOutcome = { status: 'installed'; bundle: InstalledBundle } | { status: 'refused'; reason: string };

/** What `bundle.install` carries. */
export interface BundleToInstall {
  pluginId: string;
  version: string;
  sha256: string;
  /** The signed zip, base64. */
  bundle: string;
}

export interface BundleStore {
  /** Reads what is installed (and clears half-finished installs). Call once before use. */
  load(): Promise<void>;
  /** Verifies and installs; never throws for a bad bundle (the outcome says why). */
  install(request: BundleToInstall): Promise<InstallOutcome>;
  /** Removes one installed bundle; `undefined` when it was not installed. */
  remove(sha256: string): Promise<InstalledBundle | undefined>;
  /** Removes every installed bundle whose hash is not in `keep`; returns what it removed. */
  prune(keep: ReadonlySet<string>): Promise<InstalledBundle[]>;
  get(sha256: string): InstalledBundle | undefined;
  /** The code of the bundle's `main` file (cached). */
  code(sha256: string): Promise<string>;
  /** SHA-256 of every installed bundle (for `state` online). */
  hashes(): string[];
}

const BUNDLES_DIR = 'bundles';
const TMP_DIR = '.tmp';
const INSTALLED_DIR = /^(.+)-([a-f0-9]{64})$/;
const MAX_REASON = 2_000;

/** Folder of one installed bundle: `<dataDir>/bundles/<pluginId>/<version>-<sha256>`. */
function bundleDir(dataDir: string, pluginId: string, version: string, sha256: string): string {
  return join(dataDir, BUNDLES_DIR, pluginId, `${version}-${sha256}`);
}

/**
 * The agent's installed bundles (docs/agent.md, "Bundles"). `install` checks the zip's hash
 * against the command, verifies it completely against the trusted publisher keys
 * (`verifyBundle`: structure, sizes, paths, signature, manifest, file hashes), checks the
 * manifest names the plugin and version the command names, then extracts it into a fresh
 * temporary folder and renames that into place. The rename is the commit: a crash leaves
 * either no folder or a complete one, and versions live side by side (the folder name carries
 * the full bundle hash), so the previous version keeps running until the plan moves on.
 */
export function createBundleStore(
  config: { dataDir: string; limits?: Partial<BundleLimits> },
  deps: { logger: Logger; trust: Pick<TrustStore, 'keys'> },
): BundleStore {
  const logger = deps.logger.child({ component: 'bundles' });
  const root = join(config.dataDir, BUNDLES_DIR);
  const installed = new Map<string, InstalledBundle>();
  const codeCache = new Map<string, string>();

  async function readInstalled(pluginId: string, name: string): Promise<InstalledBundle | undefined> {
    const m = INSTALLED_DIR.exec(name);
    if (!m) return undefined;
    const dir = join(root, pluginId, name);
    const manifest = validateManifest(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')));
    if (manifest.id !== pluginId || manifest.version !== m[1]) throw new Error('manifest does not match its folder');
    return { pluginId, version: manifest.version, sha256: m[2]!, dir, manifest };
  }

  return {
    async load() {
      installed.clear();
      await rm(join(root, TMP_DIR), { recursive: true, force: true });
      await mkdir(join(root, TMP_DIR), { recursive: true, mode: 0o700 });
      for (const pluginId of await readdir(root)) {
        if (pluginId === TMP_DIR) continue;
        for (const name of await readdir(join(root, pluginId)).catch(() => [] as string[])) {
          try {
            const bundle = await readInstalled(pluginId, name);
            if (bundle) installed.set(bundle.sha256, bundle);
          } catch (err) {
            logger.warn({ pluginId, name, reason: (err as Error).message }, 'removing a damaged bundle folder');
            await rm(join(root, pluginId, name), { recursive: true, force: true });
          }
        }
      }
      logger.info({ bundles: installed.size }, 'installed bundles loaded');
    },

    async install(request) {
      const { pluginId, version, sha256 } = request;
      const refuse = (reason: string): InstallOutcome => {
        logger.warn({ pluginId, version, sha256, reason }, 'bundle refused');
        return { status: 'refused', reason: reason.slice(0, MAX_REASON) };
      };
      const existing = installed.get(sha256);
      if (existing) return { status: 'installed', bundle: existing };
      const zip = Buffer.from(request.bundle, 'base64');
      const actual = sha256Hex(zip);
      if (actual !== sha256) return refuse(`${BundleErrors.HASH_MISMATCH.code}: the bundle's SHA-256 is ${actual}, the command says ${sha256}`);
      let files: Map<string, Buffer>;
      let manifest: Manifest;
      try {
        const verified = verifyBundle(zip, { trustedKeys: await deps.trust.keys(), ...(config.limits ? { limits: config.limits } : {}) });
        manifest = verified.manifest;
        files = new Map(verified.files);
        files.set(MANIFEST_FILE, verified.manifestBytes);
      } catch (err) {
        return refuse(isProphasisError(err) ? `${err.code}: ${err.message}` : `unexpected: ${(err as Error).message}`);
      }
      if (manifest.id !== pluginId || manifest.version !== version) {
        return refuse(`the bundle is ${manifest.id} ${manifest.version}, the command says ${pluginId} ${version}`);
      }
      const tmp = join(root, TMP_DIR, randomBytes(8).toString('hex'));
      const dir = bundleDir(config.dataDir, pluginId, version, sha256);
      try {
        await extractVerified(files, tmp);
        await mkdir(join(root, pluginId), { recursive: true, mode: 0o700 });
        await rename(tmp, dir);
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        return refuse(isProphasisError(err) ? `${err.code}: ${err.message}` : `cannot install: ${(err as Error).message}`);
      }
      const bundle: InstalledBundle = { pluginId, version, sha256, dir, manifest };
      installed.set(sha256, bundle);
      logger.info({ pluginId, version, sha256, capabilities: manifest.capabilities }, 'bundle installed');
      return { status: 'installed', bundle };
    },

    async remove(sha256) {
      const bundle = installed.get(sha256);
      if (!bundle) return undefined;
      installed.delete(sha256);
      codeCache.delete(sha256);
      // Renamed away first, so a crash mid-removal never leaves a half folder under its real name.
      const doomed = join(root, TMP_DIR, `rm-${randomBytes(8).toString('hex')}`);
      await rename(bundle.dir, doomed);
      await rm(doomed, { recursive: true, force: true });
      logger.info({ pluginId: bundle.pluginId, version: bundle.version, sha256 }, 'bundle removed');
      return bundle;
    },

    async prune(keep) {
      const removed: InstalledBundle[] = [];
      for (const sha256 of [...installed.keys()]) {
        if (keep.has(sha256)) continue;
        const bundle = await this.remove(sha256);
        if (bundle) removed.push(bundle);
      }
      return removed;
    },

    get: (sha256) => installed.get(sha256),

    async code(sha256) {
      const cached = codeCache.get(sha256);
      if (cached !== undefined) return cached;
      const bundle = installed.get(sha256);
      if (!bundle) throw new Error(`bundle ${sha256} is not installed`);
      const code = await readFile(join(bundle.dir, bundle.manifest.main), 'utf8');
      codeCache.set(sha256, code);
      return code;
    },

    hashes: () => [...installed.keys()].sort(),
  };
}
