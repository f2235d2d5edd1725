import type { Logger } from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, realpath, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentErrors } from '../errors.js';
import { readConnectedMarker } from './connected.js';
import { currentVersion, installBeside, switchCurrent, UPGRADE_STATE_FILE, VERSIONS_DIR } from './install.js';

export interface UpgradeOptions {
  /** The versioned installation, e.g. /opt/prophasis-agent. */
  root: string;
  /** The agent's data directory, where the running agent writes connected.json. */
  dataDir: string;
  packageFile: string;
  sha256: string;
  /** How long the new version has to connect before the upgrade is rolled back, ms. */
  rollbackAfterMs: number;
  /** Restarts the agent so that it starts from ROOT/current (systemctl restart, or a supervisor's signal). */
  restart(): Promise<void>;
  logger: Logger;
  /** Poll interval for connected.json, ms. */
  pollMs?: number;
  /** The version the package must hold (a signed request names it); another is refused before the switch. */
  expectVersion?: string;
}

type UpgradeState = 'switched' | 'upgraded' | 'restart-failed' | 'rolled-back' | 'rollback-not-connected';

interface UpgradeRecord {
  state: UpgradeState;
  from: string;
  to: string;
  at: number;
  reason?: string;
}

export interface UpgradeOutcome {
  from: string;
  to: string;
  /** The package held a version installed before (from the same package). */
  reused: boolean;
  /** ms from the switch until the new version's connection. */
  connectedAfterMs: number;
}

async function writeState(root: string, record: UpgradeRecord): Promise<void> {
  const path = join(root, UPGRADE_STATE_FILE);
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, JSON.stringify(record, null, 2) + '\n', { mode: 0o644 });
  await rename(temp, path);
}

/** ROOT/.upgrade.lock: the pid of the upgrade running on this installation. */
const LOCK_FILE = '.upgrade.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the installation's upgrade lock, so that two upgrades never switch and roll back over
 * each other. A lock whose process is gone (an upgrader that was killed) is taken over.
 */
async function lock(root: string): Promise<() => Promise<void>> {
  const path = join(root, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => unlink(path).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) throw AgentErrors.UPGRADE_IN_PROGRESS(`process ${holder} holds ${path}`);
      await unlink(path).catch(() => undefined);
    }
  }
}

/**
 * Waits until the agent started from `packageDir` has written connected.json after `since`;
 * resolves with the time that took, or null after `timeoutMs`.
 */
async function waitConnected(dataDir: string, packageDir: string, since: number, timeoutMs: number, pollMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const marker = await readConnectedMarker(dataDir);
    if (marker && marker.packageRoot === packageDir && marker.at >= since) return marker.at - since;
    if (Date.now() >= deadline) return null;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Upgrades a versioned installation (docs/decisions/0009-agent-self-upgrade.md): installs the
 * verified package beside the running version, points ROOT/current at it, restarts the agent
 * and waits up to `rollbackAfterMs` for the new version to connect to the core. If it does not,
 * ROOT/current goes back to the previous version, the agent is restarted again, and the upgrade
 * fails with `AGENT_UPGRADE_ROLLED_BACK`. A package refused by the checks changes nothing.
 * The outcome is recorded in ROOT/upgrade-state.json. After a successful upgrade only the new
 * and the previous version stay in ROOT/versions (the installer keeps the same two).
 */
export async function upgradeAgent(options: UpgradeOptions): Promise<UpgradeOutcome> {
  const from = await currentVersion(options.root);
  if (!from) throw AgentErrors.UPGRADE_LAYOUT(`${join(options.root, 'current')} is not a link to ${VERSIONS_DIR}/VERSION`);
  const unlock = await lock(options.root);
  try {
    return await upgradeLocked(options, from);
  } finally {
    await unlock();
  }
}

async function upgradeLocked(options: UpgradeOptions, from: string): Promise<UpgradeOutcome> {
  const { root, dataDir, logger } = options;
  const pollMs = options.pollMs ?? 200;
  const installed = await installBeside(root, options.packageFile, options.sha256);
  const to = installed.version;
  if (options.expectVersion !== undefined && to !== options.expectVersion) {
    if (!installed.reused) await rm(installed.dir, { recursive: true, force: true });
    throw AgentErrors.UPGRADE_PACKAGE_INVALID(`the package holds version ${to}, the request was signed for ${options.expectVersion}`);
  }
  if (to === from) throw AgentErrors.UPGRADE_VERSION_CONFLICT(`version ${to} is the one running already`);
  logger.info({ from, to, reused: installed.reused }, 'agent package verified and installed beside the running version');

  const switchedAt = Date.now();
  await writeState(root, { state: 'switched', from, to, at: switchedAt });
  await switchCurrent(root, to);
  logger.info({ from, to }, 'switched current; restarting the agent');
  try {
    await options.restart();
  } catch (err) {
    // Whatever runs now, the link must not point at a version nobody saw start.
    await switchCurrent(root, from);
    const reason = `restarting the agent failed: ${((err as { stderr?: string }).stderr || (err as Error).message).trim().split('\n')[0]}`;
    await writeState(root, { state: 'restart-failed', from, to, at: Date.now(), reason });
    throw AgentErrors.UPGRADE_RESTART_FAILED(`${reason}; current points at ${from} again (versions/${to} is kept)`);
  }
  const connectedAfterMs = await waitConnected(dataDir, installed.dir, switchedAt, options.rollbackAfterMs, pollMs);
  if (connectedAfterMs !== null) {
    await writeState(root, { state: 'upgraded', from, to, at: Date.now() });
    // Two versions stay: the new one and the one to go back to by hand (each unpacked is ~130 MiB).
    for (const name of await readdir(join(root, VERSIONS_DIR))) {
      if (name === to || name === from || name.startsWith('.')) continue;
      await rm(join(root, VERSIONS_DIR, name), { recursive: true, force: true });
      logger.info({ version: name }, 'removed an older agent version');
    }
    logger.info({ from, to, connectedAfterMs }, 'the new version connected: upgrade done');
    return { from, to, reused: installed.reused, connectedAfterMs };
  }

  const reason = `version ${to} did not connect within ${options.rollbackAfterMs} ms`;
  logger.warn({ from, to, rollbackAfterMs: options.rollbackAfterMs }, 'the new version did not connect: rolling back');
  const rolledBackAt = Date.now();
  await switchCurrent(root, from);
  await options.restart();
  const previousDir = await realpath(join(root, VERSIONS_DIR, from));
  const back = await waitConnected(dataDir, previousDir, rolledBackAt, options.rollbackAfterMs, pollMs);
  if (back === null) {
    await writeState(root, { state: 'rollback-not-connected', from, to, at: Date.now(), reason });
    throw AgentErrors.UPGRADE_ROLLED_BACK(`${reason}; rolled back to ${from}, which has not connected within ${options.rollbackAfterMs} ms either (check the agent's log)`);
  }
  await writeState(root, { state: 'rolled-back', from, to, at: Date.now(), reason });
  throw AgentErrors.UPGRADE_ROLLED_BACK(`${reason}; ${from} runs again and is connected (versions/${to} is kept for inspection)`);
}
