import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, readFile, readlink, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { AgentErrors } from '../errors.js';

/**
 * The versioned installation the agent upgrades itself in (docs/decisions/0009-agent-self-upgrade.md):
 *
 *     ROOT/versions/<version>/     one unpacked agent package per version, side by side
 *     ROOT/current -> versions/<v> the version that runs (ROOT/bin links to current/bin: the systemd unit starts ROOT/bin/prophasis-agent)
 *     ROOT/upgrade-state.json      the last upgrade: from, to, state, reason
 *
 * Everything under ROOT belongs to root: the agent (user `prophasis`) can neither change its own
 * code nor the installer that root runs later.
 */
export const VERSIONS_DIR = 'versions';
const CURRENT_LINK = 'current';
export const UPGRADE_STATE_FILE = 'upgrade-state.json';
/** Beside each installed version: the SHA-256 of the package it came from. */
const PACKAGE_HASH_FILE = '.package-sha256';

const execFileAsync = promisify(execFile);
/** What a directory name made from a package's VERSION may look like (semver and build tags). */
const VERSION_NAME = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;
/** The files a package must hold (agent/scripts/pack-platforms.ts). */
const REQUIRED = ['VERSION', 'PLATFORM', 'bin/prophasis-agent', 'lib/dist/prophasis-agent.mjs', 'node/bin/node'];

/** This host's platform in the packages' naming (`linux-x64`, `linux-arm64`). */
const hostPlatform = (): string => `${process.platform}-${process.arch}`;

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export interface InstalledVersion {
  version: string;
  /** ROOT/versions/<version>, resolved. */
  dir: string;
  /** It was there already, from the same package. */
  reused: boolean;
}

/**
 * Verifies `packageFile` against `sha256` and unpacks it beside the versions already installed,
 * as ROOT/versions/<its VERSION>; the running version is not touched. Checks before anything
 * stays on disk: the hash (a truncated or altered download fails here), that tar can unpack it
 * whole, that it holds an agent package, for this platform. Unpacking goes to a temporary
 * folder under versions/ that is renamed into place, so a crash leaves no half version.
 */
export async function installBeside(root: string, packageFile: string, sha256: string, platform = hostPlatform()): Promise<InstalledVersion> {
  const expected = sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) throw AgentErrors.USAGE(`--sha256 must be 64 hex digits, got ${JSON.stringify(sha256)}`);
  let actual: string;
  try {
    actual = await sha256File(packageFile);
  } catch (err) {
    throw AgentErrors.UPGRADE_PACKAGE_INVALID(`cannot read ${packageFile}: ${(err as Error).message}`);
  }
  if (actual !== expected) throw AgentErrors.UPGRADE_HASH_MISMATCH(`${packageFile} has SHA-256 ${actual}, expected ${expected}`);

  const versions = join(root, VERSIONS_DIR);
  await mkdir(versions, { recursive: true, mode: 0o755 });
  const stage = join(versions, `.incoming-${randomBytes(6).toString('hex')}`);
  await mkdir(stage, { mode: 0o700 });
  try {
    try {
      // --no-same-owner: files belong to whoever installs (root), whatever the archive says.
      await execFileAsync('tar', ['-xzf', packageFile, '-C', stage, '--no-same-owner'], { maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      throw AgentErrors.UPGRADE_PACKAGE_INVALID(`tar could not unpack it: ${((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n')[0]}`);
    }
    const unpacked = join(stage, 'prophasis-agent');
    for (const file of REQUIRED) {
      if (!(await exists(join(unpacked, file)))) throw AgentErrors.UPGRADE_PACKAGE_INVALID(`prophasis-agent/${file} is missing`);
    }
    const version = (await readFile(join(unpacked, 'VERSION'), 'utf8')).trim();
    if (!VERSION_NAME.test(version)) throw AgentErrors.UPGRADE_PACKAGE_INVALID(`VERSION ${JSON.stringify(version.slice(0, 80))} is not a version`);
    const packagePlatform = (await readFile(join(unpacked, 'PLATFORM'), 'utf8')).trim();
    if (packagePlatform !== platform) throw AgentErrors.UPGRADE_WRONG_PLATFORM(`the package is for ${packagePlatform}, this host is ${platform}`);

    const target = join(versions, version);
    if (await exists(target)) {
      const installedFrom = await readFile(join(target, PACKAGE_HASH_FILE), 'utf8').then(
        (s) => s.trim(),
        () => '',
      );
      if (installedFrom !== expected) throw AgentErrors.UPGRADE_VERSION_CONFLICT(`versions/${version} came from package ${installedFrom || '(unknown)'}, this one is ${expected}`);
      return { version, dir: await realpath(target), reused: true };
    }
    await writeFile(join(unpacked, PACKAGE_HASH_FILE), `${expected}\n`);
    await rename(unpacked, target);
    return { version, dir: await realpath(target), reused: false };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** The version ROOT/current links to, or null when there is no link. */
export async function currentVersion(root: string): Promise<string | null> {
  try {
    const target = await readlink(join(root, CURRENT_LINK));
    const match = new RegExp(`^(?:\\./)?${VERSIONS_DIR}/([^/]+)/?$`).exec(target);
    return match ? match[1]! : null;
  } catch {
    return null;
  }
}

/**
 * Points ROOT/current at versions/<version> in one step: a new link beside it, renamed over
 * it (rename(2) replaces the old link atomically, so there is never a moment without one).
 */
export async function switchCurrent(root: string, version: string): Promise<void> {
  if (!(await exists(join(root, VERSIONS_DIR, version)))) throw AgentErrors.UPGRADE_LAYOUT(`versions/${version} is not installed`);
  const temp = join(root, `.${CURRENT_LINK}-${randomBytes(6).toString('hex')}`);
  await symlink(`${VERSIONS_DIR}/${version}`, temp);
  await rename(temp, join(root, CURRENT_LINK));
}
