import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const LAUNCHER = fileURLToPath(new URL('../../scripts/launcher.sh', import.meta.url));

export interface PackageTreeOptions {
  /** `dist/` of `bundleAgent` (agent/scripts/pack-agent.ts). */
  bundleDir: string;
  version?: string;
  platform?: string;
  /** A package that starts and never connects: its agent bundle only waits. */
  broken?: boolean;
}

/**
 * Writes DIR/prophasis-agent in the layout of a self-contained package
 * (agent/scripts/pack-platforms.ts), without the registry downloads: the Node.js that runs the
 * tests and this checkout's isolated-vm are linked in, not copied. What the launcher, the
 * bundles and the upgrade see is the real layout.
 */
export async function writePackageTree(dir: string, options: PackageTreeOptions): Promise<string> {
  const root = join(dir, 'prophasis-agent');
  await mkdir(join(root, 'bin'), { recursive: true });
  await mkdir(join(root, 'node/bin'), { recursive: true });
  await mkdir(join(root, 'lib/node_modules'), { recursive: true });
  await symlink(process.execPath, join(root, 'node/bin/node'));
  for (const name of ['isolated-vm', 'node-gyp-build']) await symlink(join(REPO, 'node_modules', name), join(root, 'lib/node_modules', name));
  await cp(options.bundleDir, join(root, 'lib/dist'), { recursive: true });
  if (options.broken) await writeFile(join(root, 'lib/dist/prophasis-agent.mjs'), '// deliberately broken: starts, never connects\nsetInterval(() => {}, 60_000);\n');
  await copyFile(LAUNCHER, join(root, 'bin/prophasis-agent'));
  await chmod(join(root, 'bin/prophasis-agent'), 0o755);
  await writeFile(join(root, 'VERSION'), `${options.version ?? '0.1.0'}\n`);
  await writeFile(join(root, 'PLATFORM'), `${options.platform ?? `${process.platform}-${process.arch}`}\n`);
  return root;
}

/** A package file (`.tar.gz` of `prophasis-agent/`) and its SHA-256. */
export async function buildTestPackage(out: string, options: PackageTreeOptions & { omit?: string }): Promise<{ file: string; sha256: string }> {
  const stage = await mkdtemp(join(out, '.stage-'));
  try {
    const root = await writePackageTree(stage, options);
    if (options.omit) await rm(join(root, options.omit), { recursive: true, force: true });
    const file = join(out, `prophasis-agent-${options.version ?? '0.1.0'}${options.broken ? '-broken' : ''}${options.omit ? '-incomplete' : ''}-${options.platform ?? 'here'}.tar.gz`);
    await execFileAsync('tar', ['-czf', file, '-C', stage, 'prophasis-agent']);
    return { file, sha256: createHash('sha256').update(await readFile(file)).digest('hex') };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
