import { checkBundlePath, isProphasisError, packBundle, signBundle, type Logger, type PublisherKeyPair, type UploadResult } from '@prophasis/protocol';
import { build, version as esbuildVersion } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PluginErrors } from './errors.js';
import type { PluginRepository, PluginSystemLog } from './repository.js';

/**
 * Bumped whenever the build below changes what it produces, so every first-party plugin is
 * rebuilt once after an upgrade of the core even if its source did not change.
 */
const BUILDER_VERSION = 1;
/** Entry point of a first-party plugin's code, relative to its folder. */
const FIRST_PARTY_ENTRY = 'src/plugin.ts';
/** What {@link buildFirstPartyPlugins} remembers between starts, in `outDir`. */
const FIRST_PARTY_STATE_FILE = 'state.json';

/** `plugins/` of this checkout. */
export function defaultPluginsDir(): string {
  return fileURLToPath(new URL('../../../plugins/', import.meta.url));
}

/** Where the core keeps the first-party bundles it built: `<data dir>/plugins/first-party`. */
export function firstPartyOutDir(dataDir: string): string {
  return join(dataDir, 'plugins', 'first-party');
}

export interface FirstPartyOptions {
  /** Folder with one sub-folder per plugin (`<name>/manifest.json`, `src/plugin.ts`, classifier, README). */
  pluginsDir: string;
  /** The site's publisher key (site-key.ts); signs every first-party bundle. */
  siteKey: PublisherKeyPair;
  /** Where the signed bundles and the build state are written. */
  outDir: string;
}

export interface FirstPartyDeps {
  repository: Pick<PluginRepository, 'importFirstParty' | 'storedHashes'>;
  logger: Logger;
  systemLog: PluginSystemLog;
}

interface FirstPartyPlugin {
  /** Sub-folder of `pluginsDir`. */
  folder: string;
  pluginId: string;
  version: string;
  sha256: string;
  /** The signed bundle in `outDir`. */
  file: string;
}

export interface FirstPartyReport {
  /** Built (or rebuilt) and imported this time. */
  built: FirstPartyPlugin[];
  /** Source and site key unchanged since the last start, bundle still in the repository. */
  unchanged: FirstPartyPlugin[];
  /** Could not be built or imported; the others are not affected. */
  failed: { folder: string; code: string; message: string }[];
}

interface FolderState extends FirstPartyPlugin {
  /** Hash over the builder version, the site key id and every input file (see sourceHash). */
  sourceHash: string;
  /** Files the build read, relative to the folder: manifest, classifier, README and every module esbuild bundled. */
  inputs: string[];
}

/**
 * Builds, signs and imports the first-party plugins (issue 5): for every `<pluginsDir>/<name>/
 * manifest.json`, bundles `src/plugin.ts` and the modules it imports into the single ES module
 * the manifest names as `main` (esbuild, no imports left: the sandbox has no module loader),
 * stages it with the manifest, the classifier and the README, packs and signs the bundle with
 * the site key and imports it with its capabilities approved by the site.
 *
 * Idempotent and cheap when nothing changed: a folder whose inputs hash to what the last run
 * recorded, and whose bundle the repository still holds, is skipped without running esbuild.
 * One broken plugin is reported in `failed` (and the system log); the others still load.
 */
export async function buildFirstPartyPlugins(options: FirstPartyOptions, deps: FirstPartyDeps): Promise<FirstPartyReport> {
  const logger = deps.logger.child({ component: 'plugins' });
  const report: FirstPartyReport = { built: [], unchanged: [], failed: [] };
  mkdirSync(options.outDir, { recursive: true, mode: 0o700 });
  const statePath = join(options.outDir, FIRST_PARTY_STATE_FILE);
  const state = readState(statePath);
  const nextState: Record<string, FolderState> = {};
  const stored = await deps.repository.storedHashes();

  for (const folder of pluginFolders(options.pluginsDir)) {
    const dir = join(options.pluginsDir, folder);
    try {
      const previous = state[folder];
      if (previous && stored.has(previous.sha256) && sourceHash(dir, previous.inputs, options.siteKey.keyId) === previous.sourceHash) {
        report.unchanged.push(strip(previous));
        nextState[folder] = previous;
        continue;
      }
      const builtState = await buildOne(folder, dir, options);
      const imported: UploadResult = await deps.repository.importFirstParty(readFileSync(join(options.outDir, builtState.file)));
      nextState[folder] = builtState;
      report.built.push(strip(builtState));
      logger.info({ folder, pluginId: imported.pluginId, version: imported.version, sha256: imported.sha256, created: imported.created }, 'first-party plugin ready');
    } catch (err) {
      const code = isProphasisError(err) ? err.code : PluginErrors.FIRST_PARTY_BUILD.code;
      const message = (err as Error).message;
      report.failed.push({ folder, code, message });
      // Keep what was known: the previous bundle stays in the repository and usable.
      if (state[folder]) nextState[folder] = state[folder];
      logger.error({ folder, code, err }, 'first-party plugin not built');
      try {
        await deps.systemLog.write('error', 'plugins', `first-party plugin ${folder} not built: ${message}`, { folder, code });
      } catch (logErr) {
        logger.error({ err: logErr }, 'writing the system log failed');
      }
    }
  }
  writeState(statePath, nextState);
  return report;
}

async function buildOne(folder: string, dir: string, options: FirstPartyOptions): Promise<FolderState> {
  const fail = (why: string) => PluginErrors.FIRST_PARTY_BUILD(`${folder}: ${why}`);
  const manifestBytes = readFileSync(join(dir, 'manifest.json'));
  let manifest: { id?: unknown; version?: unknown; main?: unknown; classifier?: unknown; readme?: unknown };
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as typeof manifest;
  } catch (err) {
    throw fail(`manifest.json is not JSON (${(err as Error).message})`);
  }
  const main = stringField(manifest.main, 'main', fail);
  const classifier = stringField(manifest.classifier, 'classifier', fail);
  const readme = manifest.readme === undefined ? undefined : stringField(manifest.readme, 'readme', fail);
  const id = stringField(manifest.id, 'id', fail);
  const version = stringField(manifest.version, 'version', fail);
  for (const path of [main, classifier, readme]) if (path !== undefined) checkBundlePath(path);
  if (!existsSync(join(dir, FIRST_PARTY_ENTRY))) throw fail(`no ${FIRST_PARTY_ENTRY}`);

  let code: string;
  let modules: string[];
  try {
    const result = await build({
      absWorkingDir: dir,
      entryPoints: [FIRST_PARTY_ENTRY],
      bundle: true,
      write: false,
      format: 'esm',
      // No Node.js built-ins or package entry points: the sandbox offers neither.
      platform: 'neutral',
      target: 'es2022',
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
      charset: 'utf8',
    });
    code = result.outputFiles[0]?.text ?? '';
    modules = Object.keys(result.metafile.inputs).map((p) => relative(dir, resolve(dir, p)));
  } catch (err) {
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    const why = errors?.length ? errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join('; ') : (err as Error).message;
    throw fail(`esbuild: ${why}`);
  }

  const inputs = [...new Set(['manifest.json', classifier, ...(readme ? [readme] : []), ...modules])].sort();
  const stage = mkdtempSync(join(options.outDir, '.stage-'));
  try {
    writeFileSync(join(stage, 'manifest.json'), manifestBytes);
    for (const [path, bytes] of [
      [main, Buffer.from(code)],
      [classifier, readFileSync(join(dir, classifier))],
      ...(readme ? [[readme, readFileSync(join(dir, readme))] as const] : []),
    ] as const) {
      mkdirSync(dirname(join(stage, path)), { recursive: true });
      writeFileSync(join(stage, path), bytes);
    }
    const signed = signBundle(packBundle(stage), options.siteKey.privateKey);
    const sha256 = createHash('sha256').update(signed).digest('hex');
    const file = `${id}-${version}.zip`;
    checkBundlePath(file);
    const tmp = join(options.outDir, `.${file}.tmp`);
    writeFileSync(tmp, signed);
    renameSync(tmp, join(options.outDir, file));
    return { folder, pluginId: id, version, sha256, file, inputs, sourceHash: sourceHash(dir, inputs, options.siteKey.keyId) };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Sub-folders with a manifest.json, in name order (so reports and logs are stable). */
function pluginFolders(pluginsDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(pluginsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
      .map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => existsSync(join(pluginsDir, n, 'manifest.json'))).sort();
}

/**
 * What decides whether a folder must be rebuilt: the builder and esbuild versions, the site
 * key (a new key means new signatures) and the bytes of every input. A missing input (a module
 * deleted since) changes the hash too.
 */
function sourceHash(dir: string, inputs: readonly string[], siteKeyId: string): string {
  const h = createHash('sha256').update(`prophasis-first-party/${BUILDER_VERSION}/esbuild-${esbuildVersion}/${siteKeyId}\n`);
  for (const path of inputs) {
    h.update(`${path}\n`);
    try {
      h.update(createHash('sha256').update(readFileSync(join(dir, path))).digest('hex'));
    } catch {
      h.update('missing');
    }
    h.update('\n');
  }
  return h.digest('hex');
}

function stringField(value: unknown, name: string, fail: (why: string) => Error): string {
  if (typeof value !== 'string' || value === '') throw fail(`manifest.json has no "${name}"`);
  return value;
}

function strip(s: FolderState): FirstPartyPlugin {
  return { folder: s.folder, pluginId: s.pluginId, version: s.version, sha256: s.sha256, file: s.file };
}

function readState(path: string): Record<string, FolderState> {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { version?: number; folders?: Record<string, FolderState> };
    return parsed.version === 1 && parsed.folders && typeof parsed.folders === 'object' ? parsed.folders : {};
  } catch {
    return {}; // no or unreadable state: everything is rebuilt, which is always correct
  }
}

function writeState(path: string, folders: Record<string, FolderState>): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ version: 1, folders }, null, 2)}\n`);
  renameSync(tmp, path);
}
