import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackup, restoreBackup } from '../../src/backup/index.js';
import { createDatabase } from '../../src/db/index.js';
import { hostAdd } from '../../src/enrolment/host-add.js';
import { readCoreConfig, sqlitePath } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';
import { createPgDatabase } from '../db/helpers.js';
import { startAgent, waitFor, type AgentProcess } from './agent-process.js';

const CORE_BIN = fileURLToPath(new URL('../../bin/prophasis.mjs', import.meta.url));
const PASSPHRASE = 'correct horse battery staple backup';
const PLUGIN = 'io.prophasis.cpu-load';

/** `prophasis ARGS` as an operator runs it, with `env`; resolves with its exit code and output. */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CORE_BIN, ...args], { env: { ...process.env, PROPHASIS_LOG_LEVEL: 'warn', ...env }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

/*
 * Issue #20, "Backup and restore": an operator backs up a running core with the CLI, loses the
 * data directory, restores the backup onto a fresh one and starts the core again on the same
 * address: the agent that was enrolled before reconnects by itself with its own credentials
 * (pinning the same CA) and goes on delivering, and the history from before the backup is there.
 */
describe('backup and restore (system)', function () {
  this.timeout(240_000);
  let dir: string | undefined;
  let core: Core | undefined;
  let agent: AgentProcess | undefined;
  after(async () => {
    agent?.kill();
    await core?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a restored core on a fresh data directory keeps its enrolled agent and its history', async () => {
    const root = (dir = mkdtempSync(join(tmpdir(), 'prophasis-backup-')));
    const dataDir = join(root, 'core');
    const env = { PROPHASIS_DATA_DIR: dataDir, PROPHASIS_PKI_HOSTNAMES: 'localhost', PROPHASIS_PKI_IPS: '127.0.0.1' };
    const overrides = { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' as const };
    core = await startCore(readCoreConfig(env, overrides), silentLogger());
    const mqttPort = core.transport.mqttPort;
    const caFingerprint = core.transport.caFingerprint;

    // One host, its agent (a simulated one in a real `prophasis-agent simulate` process), a check every second.
    const added = await hostAdd({ registry: core.registry, caFingerprint, httpPort: core.httpPort, mqttPort }, { name: 'kept-host', server: '127.0.0.1' });
    const hostId = (await core.db.models.Host.findOne({ where: { name: 'kept-host' } }))!.id;
    // The first administrator through the one-time setup link, then a check every second over the API.
    const base = `http://127.0.0.1:${core.httpPort}/api`;
    const setupToken = new URL(core.setupLink()!).searchParams.get('token')!;
    const setup = await fetch(`${base}/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: setupToken, name: 'admin', password: 'a long test password' }) });
    assert.equal(setup.status, 201, await setup.text());
    const cookie = setup.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await res.json()) as { id: number };
      assert.equal(res.status, 201, JSON.stringify(json));
      return json;
    };
    const check = await post('/checks', { name: 'cpu', hostIds: [hostId], plugins: [{ pluginId: PLUGIN }] });
    await post('/schedules', { name: 'every second', checkIds: [check.id], intervals: [{ start: 0, everyMs: 1_000 }] });
    const tokens = join(dir, 'tokens.txt');
    writeFileSync(tokens, added.token);
    const scenario = join(dir, 'scenario.json');
    writeFileSync(scenario, JSON.stringify({ hosts: { '*': { '*': { value: 5 } } } }));
    agent = startAgent(
      ['simulate', '--agents', '1', '--scenario', scenario, '--server', `127.0.0.1:${mqttPort}`, '--ca-fingerprint', caFingerprint, '--tokens', tokens, '--data-dir', join(dir, 'sim')],
      { PROPHASIS_DATA_DIR: join(dir, 'agent'), PROPHASIS_LOG_LEVEL: 'info' },
    );
    const results = () => core!.db.models.Result.count({ where: { hostId, resultType: 'plugin' } });
    await waitFor('results before the backup', async () => (await results()) >= 3, 60_000, () => agent!.output().slice(-2000));

    // The backup, taken while the core runs, by the CLI; the passphrase from a file.
    const passFile = join(dir, 'passphrase');
    writeFileSync(passFile, `${PASSPHRASE}\n`, { mode: 0o600 });
    const file = join(dir, 'backups', 'core.backup');
    const backup = await cli(['backup', file, '--passphrase-file', passFile], env);
    assert.equal(backup.code, 0, backup.output);
    assert.match(backup.output, /written to .*core\.backup: \d+ bytes, encrypted/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(!readFileSync(file).includes(Buffer.from('BEGIN')), 'no key in clear (PEM headers) in the file');
    const before = await results();

    // The machine is lost.
    await core.stop();
    core = undefined;
    rmSync(dataDir, { recursive: true, force: true });

    // A wrong passphrase changes nothing; then the restore onto the fresh directory.
    const wrong = await cli(['restore', file], { ...env, PROPHASIS_BACKUP_PASSPHRASE: 'not the passphrase' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.output, /CORE_BACKUP_DAMAGED: The backup is damaged or the passphrase is wrong: .*nothing was restored/);
    assert.equal(existsSync(join(dataDir, 'pki', 'ca.key')), false, 'nothing written');
    const restored = await cli(['restore', file], { ...env, PROPHASIS_BACKUP_PASSPHRASE: PASSPHRASE });
    assert.equal(restored.code, 0, restored.output);
    assert.equal(statSync(join(dataDir, 'pki', 'ca.key')).mode & 0o777, 0o600, 'the CA key keeps its mode');
    const again = await cli(['restore', file], { ...env, PROPHASIS_BACKUP_PASSPHRASE: PASSPHRASE });
    assert.equal(again.code, 1);
    assert.match(again.output, /CORE_BACKUP_NOT_EMPTY: The target already holds a core: .* has pki\/ca\.key; restore onto a fresh data directory/);

    // The same core again, on the same address: the agent reconnects by itself and delivers.
    core = await startCore(readCoreConfig(env, { ...overrides, mqttPort }), silentLogger());
    assert.equal(core.transport.caFingerprint, caFingerprint, 'the same CA');
    assert.ok((await results()) >= before - 1, 'the history from before the backup is there');
    const atRestart = await results();
    await waitFor('results after the restore', async () => (await results()) >= atRestart + 3, 90_000, () => agent!.output().slice(-2000));
  });

  it('refuses a missing passphrase, a truncated or foreign file, and a backup of another database kind', async () => {
    const base = mkdtempSync(join(tmpdir(), 'prophasis-backup-refusals-'));
    try {
      const config = readCoreConfig({ PROPHASIS_DATA_DIR: join(base, 'a') }, {});
      mkdirSync(config.dataDir, { recursive: true });
      const db = await createDatabase({ url: '', sqlitePath: sqlitePath(config) }, { logger: silentLogger() });
      await db.migrate();
      await db.models.Host.create({ name: 'only-host' });
      await db.close();
      const logger = silentLogger();
      const file = join(base, 'a.backup');
      await assert.rejects(createBackup(config, file, '', { logger }), { code: 'CORE_BACKUP_NO_PASSPHRASE' });
      await assert.rejects(createBackup({ ...config, dataDir: join(base, 'nothing') }, file, PASSPHRASE, { logger }), { code: 'CORE_BACKUP_NO_CORE', message: /nothing\/prophasis\.sqlite does not exist/ });
      assert.equal(existsSync(file), false);
      await createBackup(config, file, PASSPHRASE, { logger });
      const fresh = readCoreConfig({ PROPHASIS_DATA_DIR: join(base, 'b') }, {});
      const truncated = join(base, 'truncated.backup');
      writeFileSync(truncated, readFileSync(file).subarray(0, statSync(file).size - 40));
      await assert.rejects(restoreBackup(fresh, truncated, PASSPHRASE, { logger }), { code: 'CORE_BACKUP_DAMAGED' });
      const altered = Buffer.from(readFileSync(file));
      altered[altered.length - 100]! ^= 1;
      writeFileSync(join(base, 'altered.backup'), altered);
      await assert.rejects(restoreBackup(fresh, join(base, 'altered.backup'), PASSPHRASE, { logger }), { code: 'CORE_BACKUP_DAMAGED' });
      writeFileSync(join(base, 'foreign'), 'hello');
      await assert.rejects(restoreBackup(fresh, join(base, 'foreign'), PASSPHRASE, { logger }), { code: 'CORE_BACKUP_NOT_A_BACKUP' });
      truncateSync(join(base, 'foreign'), 0);
      await assert.rejects(restoreBackup(fresh, join(base, 'foreign'), PASSPHRASE, { logger }), { code: 'CORE_BACKUP_NOT_A_BACKUP' });
      assert.equal(existsSync(join(base, 'b', 'prophasis.sqlite')), false, 'nothing restored from a refused file');
      const pgConfig = { ...fresh, databaseUrl: 'postgres://postgres@127.0.0.1:5432/never_used' };
      await assert.rejects(restoreBackup({ ...pgConfig, dataDir: join(base, 'c') }, file, PASSPHRASE, { logger, force: true }), { code: 'CORE_BACKUP_WRONG_DATABASE' });
      // The good file still restores.
      await restoreBackup(fresh, file, PASSPHRASE, { logger });
      const back = await createDatabase({ url: '', sqlitePath: sqlitePath(fresh) }, { logger });
      assert.deepEqual((await back.models.Host.findAll()).map((h) => h.name), ['only-host']);
      await back.close();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  const pgUrl = process.env.PROPHASIS_TEST_POSTGRES_URL;
  (pgUrl ? it : it.skip)('PostgreSQL: pg_dump into the backup, pg_restore into an empty database; a database with tables is refused', async () => {
    const source = await createPgDatabase(pgUrl!, 'prophasis_test_backup_src');
    const target = await createPgDatabase(pgUrl!, 'prophasis_test_backup_dst');
    const base = mkdtempSync(join(tmpdir(), 'prophasis-backup-pg-'));
    const logger = silentLogger();
    try {
      const config = readCoreConfig({ PROPHASIS_DATA_DIR: join(base, 'a') }, { databaseUrl: source.url });
      const db = await createDatabase({ url: source.url, sqlitePath: '' }, { logger });
      await db.migrate();
      await db.models.Host.create({ name: 'pg-host' });
      await db.close();
      mkdirSync(join(base, 'a', 'pki'), { recursive: true });
      writeFileSync(join(base, 'a', 'pki', 'pepper'), 'pepper-bytes', { mode: 0o600 });
      const file = join(base, 'pg.backup');
      await createBackup(config, file, PASSPHRASE, { logger });
      const fresh = readCoreConfig({ PROPHASIS_DATA_DIR: join(base, 'b') }, { databaseUrl: target.url });
      await restoreBackup(fresh, file, PASSPHRASE, { logger });
      assert.equal(readFileSync(join(base, 'b', 'pki', 'pepper'), 'utf8'), 'pepper-bytes');
      const back = await createDatabase({ url: target.url, sqlitePath: '' }, { logger });
      assert.deepEqual((await back.models.Host.findAll()).map((h) => h.name), ['pg-host']);
      await back.close();
      const elsewhere = readCoreConfig({ PROPHASIS_DATA_DIR: join(base, 'c') }, { databaseUrl: target.url });
      await assert.rejects(restoreBackup(elsewhere, file, PASSPHRASE, { logger }), { code: 'CORE_BACKUP_NOT_EMPTY', message: /has tables; restore into an empty database/ });
    } finally {
      rmSync(base, { recursive: true, force: true });
      await source.drop();
      await target.drop();
    }
  });
});
