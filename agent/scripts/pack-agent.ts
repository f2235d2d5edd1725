/* eslint-disable no-console -- a build script reports what it wrote */
import { build, type Metafile } from 'esbuild';
import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { SANDBOX_BUNDLE_FILE } from '../src/sandbox/spawn.js';

/**
 * Builds the npm-installable agent tarball the core serves at `/downloads/prophasis-agent.tgz`
 * (issue 3, "Getting the agent onto a machine"; docs/install-agent.md). The agent's sources and
 * every pure-JavaScript dependency (protocol, MQTT.js, pino, TypeBox, …) are bundled by esbuild
 * into ESM files for Node 24: `dist/prophasis-agent.mjs` (the CLI) and
 * `dist/prophasis-sandbox.mjs` (the plugin sandbox process, which the agent forks; see
 * src/sandbox/spawn.ts). Native addons cannot be bundled: they stay external and become real
 * dependencies of the tarball's package.json, only if a bundle actually imports them. The
 * sandbox imports isolated-vm, so installing the tarball fetches isolated-vm (prebuilt binaries
 * for Node 24 inside its npm package) from the registry, a mirror, or a tarball beside it
 * (docs/install-agent.md).
 */

const execFileAsync = promisify(execFile);
const AGENT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Packages with native code: never bundled (isolated-vm: the plugin sandbox's isolates). */
const NATIVE_EXTERNALS = ['isolated-vm'];

/**
 * Optional native speed-ups that bundled code requires inside try/catch and does without
 * (ws, used by MQTT.js's WebSocket transport, which the agent never uses).
 */
const OPTIONAL_EXTERNALS = new Set(['bufferutil', 'utf-8-validate']);

/** File name the core serves and the install line uses. */
export const AGENT_TARBALL_NAME = 'prophasis-agent.tgz';

// Bundled CommonJS (pino, MQTT.js) calls require() for Node built-ins; ESM output has no
// require, so give the bundle one.
const BANNER = "import { createRequire as __prophasisCreateRequire } from 'node:module';\nconst require = __prophasisCreateRequire(import.meta.url);";

// The installed bin: plain JavaScript so it can explain itself on an old Node.js.
const BIN = `#!/usr/bin/env node
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write('prophasis-agent needs Node.js 24 or newer (this is ' + process.version + ').\\n');
  process.exit(1);
}
await import('../dist/prophasis-agent.mjs');
`;

const README = `# prophasis-agent

The Prophasis monitoring agent, packed by the Prophasis core with its dependencies bundled.

    prophasis-agent enroll --server HOST:8883 --token TOKEN --ca-fingerprint SHA256HEX
    prophasis-agent run
    prophasis-agent sandbox-selftest   # can this host run plugins?

Needs isolated-vm (a native addon with prebuilt binaries for Node.js 24), which npm installs
from the registry, a mirror, or a tarball given beside this one.
See docs/install-agent.md in the Prophasis repository for the systemd unit.
`;

function usedExternals(metafile: Metafile): string[] {
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const used = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imp of output.imports) {
      if (!imp.external || builtins.has(imp.path) || imp.path.startsWith('node:')) continue;
      const name = imp.path.startsWith('@') ? imp.path.split('/').slice(0, 2).join('/') : (imp.path.split('/')[0] as string);
      if (!OPTIONAL_EXTERNALS.has(name)) used.add(name);
    }
  }
  return [...used].sort();
}

/** npm's environment without the variables of the npm process that may have started us. */
export function cleanNpmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/**
 * Bundles the agent into `<dir>/dist` (`prophasis-agent.mjs` and the sandbox's own bundle) and
 * returns the external packages the bundles import, with their ranges from agent/package.json.
 * Shared by the npm tarball (below) and the self-contained packages (pack-platforms.ts).
 */
export async function bundleAgent(dir: string): Promise<{ version: string; externals: Record<string, string> }> {
  const agentPackage = JSON.parse(await readFile(join(AGENT_ROOT, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };
  const result = await build({
    entryPoints: {
      'prophasis-agent': join(AGENT_ROOT, 'src/cli.ts'),
      // The sandbox process gets its own, smaller bundle: the only one that loads isolated-vm.
      [SANDBOX_BUNDLE_FILE.replace(/\.mjs$/, '')]: join(AGENT_ROOT, 'src/sandbox/sandbox-process.ts'),
    },
    outdir: join(dir, 'dist'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    external: NATIVE_EXTERNALS,
    banner: { js: BANNER },
    legalComments: 'eof', // keep the bundled packages' licence notices
    metafile: true,
    logLevel: 'error',
  });
  const externals: Record<string, string> = {};
  for (const name of usedExternals(result.metafile)) {
    const range = agentPackage.dependencies[name];
    if (!range) throw new Error(`the bundle imports ${name}, which is external but not a dependency of the agent`);
    externals[name] = range;
  }
  return { version: agentPackage.version, externals };
}

/**
 * Bundles the agent and runs `npm pack`; returns the path of `<outDir>/prophasis-agent.tgz`.
 * Needs esbuild (a root devDependency) and npm, so it runs in a checkout, not on agents.
 */
export async function packAgent(outDir: string): Promise<string> {
  const staging = await mkdtemp(join(tmpdir(), 'prophasis-agent-pack-'));
  try {
    const { version, externals: dependencies } = await bundleAgent(staging);
    await mkdir(join(staging, 'bin'));
    await writeFile(join(staging, 'bin/prophasis-agent.mjs'), BIN, { mode: 0o755 });
    await writeFile(join(staging, 'README.md'), README);
    await writeFile(
      join(staging, 'package.json'),
      JSON.stringify(
        {
          name: 'prophasis-agent',
          version,
          description: 'Prophasis monitoring agent (bundled build)',
          license: 'MIT',
          type: 'module',
          bin: { 'prophasis-agent': 'bin/prophasis-agent.mjs' },
          files: ['bin', 'dist', 'README.md'],
          engines: { node: '>=24' },
          dependencies,
        },
        null,
        2,
      ) + '\n',
    );
    const out = resolve(outDir);
    await mkdir(out, { recursive: true });
    const { stdout } = await execFileAsync('npm', ['pack', '--json', '--pack-destination', out], { cwd: staging, env: cleanNpmEnv() });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[];
    if (!packed) throw new Error('npm pack reported no tarball');
    const target = join(out, AGENT_TARBALL_NAME);
    await rename(join(out, packed.filename), target);
    return target;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

// `npx tsx agent/scripts/pack-agent.ts OUT_DIR` prints the tarball's path on its last line.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('Usage: npx tsx agent/scripts/pack-agent.ts OUT_DIR');
    process.exit(2);
  }
  packAgent(outDir).then(
    (path) => console.log(path),
    (err: unknown) => {
      console.error(`pack-agent: ${(err as Error).stack ?? String(err)}`);
      process.exit(1);
    },
  );
}
