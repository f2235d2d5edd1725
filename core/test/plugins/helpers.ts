import { generatePublisherKeys, packBundle, sha256Hex, signBundle, silentLogger, type PublisherKeyPair } from '@prophasis/protocol';
import type { FastifyInstance } from 'fastify';
import { randomBytes, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Sequelize } from 'sequelize';
import { createAuditTrail } from '../../src/audit/audit.js';
import { databaseAuditStore } from '../../src/audit/store.js';
import { createAuth } from '../../src/auth/auth.js';
import { hashPassword } from '../../src/auth/password.js';
import type { Role } from '../../src/auth/roles.js';
import { databaseAuthStore } from '../../src/auth/store.js';
import { createDatabase, type Database } from '../../src/db/index.js';
import { createApp } from '../../src/http/app.js';
import { createEventBus } from '../../src/http/events.js';
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

export const POSTGRES_URL = process.env.PROPHASIS_TEST_POSTGRES_URL;
/** SQLite always; PostgreSQL too when PROPHASIS_TEST_POSTGRES_URL is set. */
export const DIALECTS: readonly ('sqlite' | 'postgres')[] = POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];
export const PASSWORD = 'correct horse battery staple';

/** The system log as the console sees it: rows in `system_log`. */
export function databaseSystemLog(db: Database): PluginSystemLog {
  return { write: (level, component, message, context) => db.models.SystemLog.create({ level, component, message, context: context ?? null }) };
}

/** An empty migrated database; PostgreSQL gets `prophasis_test_repo_<random>`, dropped on close. */
export async function openDatabase(dialect: 'sqlite' | 'postgres', dir: string): Promise<{ db: Database; close(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const db = await createDatabase({ url: '', sqlitePath: join(dir, 'test.sqlite') }, { logger: silentLogger() });
    await db.migrate();
    return { db, close: () => db.close() };
  }
  const name = `prophasis_test_repo_${randomBytes(6).toString('hex')}`;
  const admin = new Sequelize(POSTGRES_URL!, { logging: false, dialect: 'postgres' });
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_URL!);
  url.pathname = `/${name}`;
  const db = await createDatabase({ url: url.toString(), sqlitePath: '' }, { logger: silentLogger() });
  await db.migrate();
  return {
    db,
    async close() {
      await db.close();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.close();
      }
    },
  };
}

export interface Fixture {
  dir: string;
  dataDir: string;
  db: Database;
  trust: TrustStore;
  siteKey: PublisherKeyPair;
  repository: PluginRepository;
  app: FastifyInstance;
  cookies: Record<Role, string>;
  close(): Promise<void>;
}

/**
 * A core slice: database, site key, file trust store, repository, and the real API app
 * (core/src/http/app.ts) with the plugin routes registered under /api as the composition
 * root will, plus one signed-in user per role.
 */
export async function createFixture(dialect: 'sqlite' | 'postgres', options: { maxPackedBytes?: number } = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'prophasis-repo-'));
  const dataDir = join(dir, 'data');
  const logger = silentLogger();
  const { db, close } = await openDatabase(dialect, dir);
  const siteKey = loadOrCreateSiteKey(dataDir, { logger });
  const trust = createFileTrustStore({ dir: trustDirectory(dataDir), siteKey: siteKey.privateKey }, { logger });
  const systemLog = databaseSystemLog(db);
  const limits = options.maxPackedBytes ? { maxPackedBytes: options.maxPackedBytes } : undefined;
  const repository = createPluginRepository({ db, trust, logger, systemLog, ...(limits ? { limits } : {}) });
  const auth = createAuth({ sessionTtlMs: 3_600_000, setupTokenTtlMs: 3_600_000, loginAttempts: 100, loginWindowMs: 60_000 }, { store: databaseAuthStore(db), logger });
  const audit = createAuditTrail({ store: databaseAuditStore(db) });
  const app = await createApp({ trustProxy: false, cookieSecure: 'auto', webRoot: join(dir, 'no-console') }, { logger, db, auth, audit, events: createEventBus() });
  await app.register(pluginRoutes({ repository, trust, systemLog, ...(limits ? { limits } : {}) }), { prefix: '/api' });
  const cookies = {} as Record<Role, string>;
  const passwordHash = await hashPassword(PASSWORD);
  for (const role of ['viewer', 'operator', 'admin'] as const) {
    await db.models.User.create({ name: role, role, passwordHash });
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: role, password: PASSWORD } });
    const cookie = res.cookies.find((c) => c.name === 'prophasis_session');
    if (!cookie) throw new Error(`login ${role} failed: ${res.body}`);
    cookies[role] = `prophasis_session=${cookie.value}`;
  }
  return {
    dir,
    dataDir,
    db,
    trust,
    siteKey,
    repository,
    app,
    cookies,
    async close() {
      await app.close();
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `inject()` as a user with a JSON body. */
export function call(f: Fixture, role: Role | undefined, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
  return f.app.inject({
    method,
    url,
    headers: { ...(role ? { cookie: f.cookies[role] } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
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
  return {
    manifestVersion: 1,
    id: spec.id ?? 'com.example.probe',
    name: 'Example probe',
    version: spec.version ?? '1.0.0',
    description: 'A plugin for the repository tests',
    publisher: 'Example Ltd',
    main: 'plugin.js',
    classifier: 'classifier.lua',
    readme: 'README.md',
    parameters: { type: 'object', properties: {} },
    history: 3,
    capabilities: spec.capabilities ?? ['os.info'],
    chart: { unit: '%', kind: 'line' },
    files: {},
  };
}

const CLASSIFIER = 'if values[1] == nil then return "no_data" end\nreturn "ok"\n';

/** Packs and signs a plugin built from `spec` (a pack-ready folder: plugin.js, not TypeScript). */
export function signedBundle(key: PublisherKeyPair, spec: PluginSpec = {}): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'prophasis-plugin-'));
  try {
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifestFor(spec), null, 2));
    writeFileSync(join(dir, 'plugin.js'), spec.code ?? 'export async function measure(host) { return { value: (await host.os.loadavg())[0] }; }\n');
    writeFileSync(join(dir, 'classifier.lua'), CLASSIFIER);
    writeFileSync(join(dir, 'README.md'), '# Example probe\n');
    return signBundle(packBundle(dir), key.privateKey);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A bundle written entry by entry (stored, no compression), signed correctly over its
 * manifest, so a test can then lie about one file or add a hostile entry name.
 */
export function handcraftedBundle(key: PublisherKeyPair, options: { replace?: Record<string, Buffer>; extra?: { name: string; data: Buffer }[] } = {}): Buffer {
  const files: Record<string, Buffer> = {
    'plugin.js': Buffer.from('export function measure() { return { value: 1 }; }\n'),
    'classifier.lua': Buffer.from(CLASSIFIER),
    'README.md': Buffer.from('# Example probe\n'),
  };
  const manifest = { ...manifestFor({}), files: Object.fromEntries(Object.entries(files).map(([n, d]) => [n, sha256Hex(d)])) };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2));
  const signature = { alg: 'ed25519', keyId: key.keyId, sig: sign(null, manifestBytes, key.privateKey).toString('base64') };
  const entries = [
    { name: 'manifest.json', data: manifestBytes },
    { name: 'manifest.sig', data: Buffer.from(JSON.stringify(signature)) },
    ...Object.entries({ ...files, ...options.replace }).map(([name, data]) => ({ name, data })),
    ...(options.extra ?? []),
  ];
  return storedZip(entries);
}

/** A minimal zip writer (method 0, no data descriptors), enough for hostile test archives. */
export function storedZip(entries: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'latin1');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(0, 8);
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A publisher key pair not trusted by anyone yet. */
export const newPublisher = (): PublisherKeyPair => generatePublisherKeys();

/** Writes a first-party plugin source folder (`manifest.json`, `src/plugin.ts`, classifier, README). */
export function writeFirstPartyFolder(root: string, name: string, spec: PluginSpec & { helper?: boolean } = {}): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifestFor({ id: `io.prophasis.test-${name}`, ...spec }), null, 2));
  const code = spec.helper
    ? "import { double } from './helper.js';\nexport async function measure(): Promise<{ value: number }> { return { value: double(21) }; }\n"
    : spec.code ?? 'export async function measure(): Promise<{ value: number }> { const n: number = 42; return { value: n }; }\n';
  writeFileSync(join(dir, 'src', 'plugin.ts'), code);
  if (spec.helper) writeFileSync(join(dir, 'src', 'helper.ts'), 'export const double = (n: number): number => n * 2;\n');
  writeFileSync(join(dir, 'classifier.lua'), CLASSIFIER);
  writeFileSync(join(dir, 'README.md'), `# ${name}\n`);
  return dir;
}
