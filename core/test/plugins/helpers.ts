import { generatePublisherKeys, silentLogger, type Logger, type PublisherKeyPair } from '@prophasis/protocol';
import { signedTestBundle, tamperBundle, testManifest, writePluginFolder, type BundleTampering } from '@prophasis/protocol/testing';
import type { FastifyPluginAsync } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../src/kernel/roles.js';
import type { Database } from '../../src/db/index.js';
import {
  createFileTrustStore,
  createPluginRepository,
  loadOrCreateSiteKey,
  pluginRoutes,
  trustDirectory,
  type PluginRepository,
  type PluginSystemLog,
  type TrustStore,
} from '../../src/plugins/index.js';
import { call, createTestApiOn, type TestApi } from '../api/helpers.js';
import { openTestDatabase } from '../db/helpers.js';

/** The system log as the console sees it: rows in `system_log`. */
export function databaseSystemLog(db: Database): PluginSystemLog {
  return { write: (level, component, message, context) => db.models.SystemLog.create({ level, component, message, context: context ?? null }) };
}

/** The plugin subsystem of a fixture, for routes built on it (the marketplace's). */
export interface PluginParts {
  db: Database;
  trust: TrustStore;
  repository: PluginRepository;
  systemLog: PluginSystemLog;
  logger: Logger;
}

export interface Fixture extends TestApi, PluginParts {
  dir: string;
  dataDir: string;
  siteKey: PublisherKeyPair;
}

/**
 * A core slice: database, site key, file trust store, repository, and the real API app
 * (core/src/http/app.ts, through core/test/api/helpers.ts) with the plugin routes registered
 * under /api as the composition root will, plus one signed-in user per role. `routes` adds
 * another subsystem's routes built on the same parts.
 */
export async function createFixture(
  dialect: 'sqlite' | 'postgres',
  options: { maxPackedBytes?: number; routes?: (parts: PluginParts) => FastifyPluginAsync } = {},
): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'prophasis-repo-'));
  const dataDir = join(dir, 'data');
  const logger = silentLogger();
  const database = await openTestDatabase(dialect, { prefix: 'prophasis_test_repo' });
  const { db } = database;
  const siteKey = loadOrCreateSiteKey(dataDir, { logger });
  const trust = createFileTrustStore({ dir: trustDirectory(dataDir), siteKey: siteKey.privateKey }, { logger });
  const systemLog = databaseSystemLog(db);
  const limits = options.maxPackedBytes ? { limits: { maxPackedBytes: options.maxPackedBytes } } : {};
  const repository = createPluginRepository({ db, trust, logger, systemLog, ...limits });
  const parts: PluginParts = { db, trust, repository, systemLog, logger };
  const api = await createTestApiOn(database, {
    auth: { loginAttempts: 100 },
    routes: [pluginRoutes({ repository, trust, systemLog, ...limits }), ...(options.routes ? [options.routes(parts)] : [])],
  });
  return {
    ...api,
    ...parts,
    dir,
    dataDir,
    siteKey,
    async close() {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Uploads a bundle through the API as the administrator. */
export function upload(f: Fixture, zip: Buffer, role: Role = 'admin') {
  return call(f, role, 'POST', '/api/plugins/upload', { bundle: zip.toString('base64') });
}

export interface PluginSpec {
  id?: string;
  version?: string;
  capabilities?: string[];
  code?: string;
}

/** A manifest for tests; `files` is filled in by packBundle. */
export function manifestFor(spec: PluginSpec): Record<string, unknown> {
  return testManifest({}, {
    id: spec.id ?? 'com.example.probe',
    name: 'Example probe',
    version: spec.version ?? '1.0.0',
    description: 'A plugin for the repository tests',
    publisher: 'Example Ltd',
    readme: 'README.md',
    history: 3,
    capabilities: spec.capabilities ?? ['os.info'],
    chart: { unit: '%', kind: 'line' },
  });
}

const CLASSIFIER = 'if values[1] == nil then return "no_data" end\nreturn "ok"\n';

/** Packs and signs a plugin built from `spec` (a pack-ready folder: plugin.js, not TypeScript). */
export function signedBundle(key: PublisherKeyPair, spec: PluginSpec = {}): Buffer {
  return signedTestBundle(key, manifestFor(spec), {
    'plugin.js': spec.code ?? 'export async function measure(host) { return { value: (await host.os.loadavg())[0] }; }\n',
    'classifier.lua': CLASSIFIER,
    'README.md': '# Example probe\n',
  });
}

/**
 * A bundle signed correctly over its manifest, rewritten entry by entry (stored, no
 * compression), so a test can then lie about one file or add a hostile entry name.
 */
export function handcraftedBundle(key: PublisherKeyPair, changes: BundleTampering = {}): Buffer {
  return tamperBundle(signedBundle(key, { code: 'export function measure() { return { value: 1 }; }\n' }), changes);
}

/** A publisher key pair not trusted by anyone yet. */
export const newPublisher = (): PublisherKeyPair => generatePublisherKeys();

/** Writes a first-party plugin source folder (`manifest.json`, `src/plugin.ts`, classifier, README). */
export function writeFirstPartyFolder(root: string, name: string, spec: PluginSpec & { helper?: boolean } = {}): string {
  const code = spec.helper
    ? "import { double } from './helper.js';\nexport async function measure(): Promise<{ value: number }> { return { value: double(21) }; }\n"
    : spec.code ?? 'export async function measure(): Promise<{ value: number }> { const n: number = 42; return { value: n }; }\n';
  return writePluginFolder(join(root, name), manifestFor({ id: `io.prophasis.test-${name}`, ...spec }), {
    'src/plugin.ts': code,
    ...(spec.helper ? { 'src/helper.ts': 'export const double = (n: number): number => n * 2;\n' } : {}),
    'classifier.lua': CLASSIFIER,
    'README.md': `# ${name}\n`,
  });
}
