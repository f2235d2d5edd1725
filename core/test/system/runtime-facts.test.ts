import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetTokenCreateCommand } from '../../src/enrolment/cli/fleet-token.js';
import { hostAddCommand } from '../../src/enrolment/cli/host-add.js';
import { readCoreConfig } from '../../src/kernel/config.js';
import type { RuntimeFacts } from '../../src/kernel/index.js';
import { startCore, type Core } from '../../src/main.js';
import { createPgDatabase } from '../db/helpers.js';

const INSTALL_SH = fileURLToPath(new URL('../../../agent/scripts/install.sh', import.meta.url));

/** A TCP port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** curl's exit code and output, or undefined where curl is not installed. */
function curl(args: string[]): Promise<{ code: number; stdout: string } | undefined> {
  if (spawnSync('curl', ['--version']).error) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile('curl', args, { timeout: 10_000 }, (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout }));
  });
}

describe('one effective configuration: the CLI prints what the running core uses', function () {
  this.timeout(90_000);
  let dir: string;
  let core: Core | undefined;
  const logger = silentLogger();
  const sums = 'cd'.repeat(32);
  const packages = { get: async () => ({ sums: { sha256: sums } }) };
  // The shell the CLI runs in knows only the data directory: no MQTT port, no HTTPS, no HTTP port.
  const shell = () => ({ PROPHASIS_DATA_DIR: dir });
  const cli = (environment: NodeJS.ProcessEnv = shell()) => ({ config: readCoreConfig(environment), logger, environment, packages });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-runtime-'));
  });
  after(async () => {
    await core?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('host add and fleet-token create print the running core\'s MQTT port, CA, HTTP port and HTTPS pin; --server wins; the file goes with a clean stop', async () => {
    const mqttPort = await freePort();
    core = await startCore(
      readCoreConfig({ PROPHASIS_DATA_DIR: dir, PROPHASIS_MQTT_PORT: String(mqttPort), PROPHASIS_HTTPS: '1' }, { httpPort: 0, httpHost: '127.0.0.1', mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' }),
      logger,
    );
    assert.equal(core.transport.mqttPort, mqttPort);
    const file = join(dir, 'runtime.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const facts = JSON.parse(await readFile(file, 'utf8')) as RuntimeFacts;
    assert.equal(facts.pid, process.pid);
    assert.deepEqual([facts.http.port, facts.http.certificate, facts.mqtt.port, facts.mqtt.caFingerprint], [core.httpPort, 'own-ca', mqttPort, core.transport.caFingerprint]);
    assert.match(facts.http.publicKeyPin, /^sha256\/\/[A-Za-z0-9+/]{43}=$/);
    assert.equal(facts.baseUrl, core.baseUrl);

    assert.equal(readCoreConfig(shell()).mqttPort, 8883, 'the shell alone would say 8883');
    const added = await hostAddCommand(['web-1', '--server', '127.0.0.1'], cli());
    const url = `https://127.0.0.1:${core.httpPort}`;
    const pin = facts.http.publicKeyPin;
    assert.equal(
      added.installCommand,
      `curl -fsSL --insecure --pinnedpubkey ${pin} ${url}/install.sh | sudo sh -s -- --url ${url} --pinned-pubkey ${pin} --server 127.0.0.1:${mqttPort} --ca-fingerprint ${core.transport.caFingerprint} --token ${added.token} --sha256 ${sums}`,
    );
    assert.equal(added.enrolCommand, `prophasis-agent enroll --server 127.0.0.1:${mqttPort} --token ${added.token} --ca-fingerprint ${core.transport.caFingerprint}`);
    assert.ok(added.text.startsWith(`Addresses of the core running as process ${process.pid} (${file}).`), added.text);
    // The host is in the database the core reads.
    const host = await core.db.sequelize.query<{ name: string }>('SELECT name FROM hosts', { type: 'SELECT' as never });
    assert.deepEqual(host, [{ name: 'web-1' }]);

    // The pin in the line is the key the console presents: curl fetches with it, and refuses another.
    const pinned = await curl(['-fsS', '--insecure', '--pinnedpubkey', pin, `${url}/api/health`]);
    if (pinned) {
      assert.deepEqual([pinned.code, pinned.stdout], [0, '{"status":"ok"}']);
      const wrong = await curl(['-fsS', '--insecure', '--pinnedpubkey', `sha256//${'A'.repeat(43)}=`, `${url}/api/health`]);
      assert.equal(wrong?.code, 90, 'CURLE_SSL_PINNEDPUBKEYNOTMATCH');
    }

    // install.sh downloads with the same pin: with it, the download goes through (under a --url
    // with no packages the console answers its page, which the --sha256 check then refuses, so
    // nothing is built or installed); with another, curl refuses before any byte.
    const installer = async (pinned: string) =>
      new Promise<{ code: number; stderr: string }>((resolve) => {
        const args = [INSTALL_SH, '--url', `${url}/no-console-here`, '--pinned-pubkey', pinned, '--sha256', '0'.repeat(64), '--server', '127.0.0.1:1', '--ca-fingerprint', '0'.repeat(64), '--token', 't'];
        execFile('sh', args, { timeout: 20_000, env: { ...process.env, TMPDIR: dir } }, (err, _stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stderr }));
      });
    if (pinned) {
      const through = await installer(pin);
      assert.equal(through.code, 1);
      assert.match(through.stderr, /no-console-here\/downloads\/SHA256SUMS does not have the SHA-256 given with --sha256 .*Nothing was installed/);
      const refused = await installer(`sha256//${'A'.repeat(43)}=`);
      assert.match(refused.stderr, /presented another public key than --pinned-pubkey names \(curl exit 90\).*Nothing was installed/);
    }

    // A shell that sets another MQTT port explicitly: the core's port is printed, and the line says why.
    const explicit = await hostAddCommand(['web-6', '--server', '127.0.0.1'], cli({ ...shell(), PROPHASIS_MQTT_PORT: '9999' }));
    assert.ok(explicit.installCommand.includes(`--server 127.0.0.1:${mqttPort} `), explicit.installCommand);
    assert.match(explicit.text, /^Addresses of the core running as process \d+ \(.*\)\. This shell's PROPHASIS_MQTT_PORT=9999 is not what it uses, so not printed\.\n/);

    // Without --server: the name the core tells agents by default.
    const fleet = await fleetTokenCreateCommand(['rollout'], cli());
    assert.ok(fleet.installCommand.includes(` --server ${facts.mqtt.server}:${mqttPort} `), fleet.installCommand);
    assert.ok(fleet.installCommand.includes(`https://${facts.mqtt.server}:${core.httpPort}`), fleet.installCommand);
    assert.ok(fleet.text.startsWith('Addresses of the core running as process'), fleet.text);

    // A shell configured for another database is refused before anything is written.
    await assert.rejects(hostAddCommand(['web-2'], cli({ ...shell(), DATABASE_URL: 'postgres://someone:secret@db.invalid:5432/other' })), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'CORE_RUNTIME_OTHER_DATABASE');
      assert.match(err.message, /uses sqlite:.*prophasis\.sqlite, this command postgres:\/\/someone@db\.invalid:5432\/other/);
      assert.ok(!err.message.includes('secret'), 'no password in the message');
      return true;
    });
    assert.deepEqual(await core.db.sequelize.query('SELECT name FROM hosts ORDER BY name', { type: 'SELECT' as never }), [{ name: 'web-1' }, { name: 'web-6' }]);

    await core.stop();
    core = undefined;
    assert.equal(existsSync(file), false, 'removed on a clean stop');
  });

  const pgUrl = process.env.PROPHASIS_TEST_POSTGRES_URL;
  (pgUrl ? it : it.skip)('PostgreSQL: a shell with the core\'s DATABASE_URL is accepted, one without it refused', async () => {
    const pg = await createPgDatabase(pgUrl!, 'prophasis_test_runtime');
    const pgDir = await mkdtemp(join(tmpdir(), 'prophasis-runtime-pg-'));
    let pgCore: Core | undefined;
    try {
      pgCore = await startCore(
        readCoreConfig({ PROPHASIS_DATA_DIR: pgDir, DATABASE_URL: pg.url }, { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' }),
        logger,
      );
      const environment = { PROPHASIS_DATA_DIR: pgDir, DATABASE_URL: pg.url };
      const added = await hostAddCommand(['pg-1', '--server', '127.0.0.1'], { config: readCoreConfig(environment), logger, environment, packages });
      assert.ok(added.text.startsWith('Addresses of the core running as process'), added.text);
      assert.ok(added.installCommand.includes(`--server 127.0.0.1:${pgCore.transport.mqttPort} `), added.installCommand);
      assert.equal((await pgCore.db.sequelize.query('SELECT name FROM hosts', { type: 'SELECT' as never })).length, 1);
      const sqliteShell = { PROPHASIS_DATA_DIR: pgDir };
      await assert.rejects(hostAddCommand(['pg-2'], { config: readCoreConfig(sqliteShell), logger, environment: sqliteShell, packages }), { code: 'CORE_RUNTIME_OTHER_DATABASE' });
    } finally {
      await pgCore?.stop();
      await pg.drop();
      await rm(pgDir, { recursive: true, force: true });
    }
  });

  it('a file left by a core that died (its pid gone) is ignored, and the CLI says so', async () => {
    const child = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
    assert.equal(child.status, 0);
    const dead: RuntimeFacts = {
      v: 1,
      pid: child.pid!,
      startedAt: new Date().toISOString(),
      baseUrl: 'http://localhost:9999',
      publicUrl: '',
      http: { port: 9999, host: '0.0.0.0', certificate: 'none', publicKeyPin: '' },
      mqtt: { port: 9998, host: '0.0.0.0', externalUrl: '', caFingerprint: 'ab'.repeat(32), server: 'old-core' },
      database: `sqlite:${join(dir, 'prophasis.sqlite')}`,
    };
    await writeFile(join(dir, 'runtime.json'), JSON.stringify(dead), { mode: 0o600 });
    const added = await hostAddCommand(['web-3', '--server', 'core.lan'], cli());
    assert.ok(added.text.startsWith(`Note: ${join(dir, 'runtime.json')} names process ${child.pid}, which is not running`), added.text);
    assert.ok(added.installCommand.startsWith('curl -fsSL http://core.lan:8080/install.sh '), added.installCommand);
    assert.ok(added.installCommand.includes('--server core.lan:8883 '), 'the shell\'s own configuration');
    assert.ok(!added.installCommand.includes('ab'.repeat(32)), 'not the dead core\'s CA');

    // This shell says PROPHASIS_HTTPS=1: the console would present the server certificate of the data directory's CA.
    const selfSigned = await hostAddCommand(['web-5', '--server', 'core.lan'], cli({ ...shell(), PROPHASIS_HTTPS: '1' }));
    const spki = new X509Certificate(await readFile(join(dir, 'pki', 'server.crt'))).publicKey.export({ type: 'spki', format: 'der' });
    const pin = `sha256//${createHash('sha256').update(spki).digest('base64')}`;
    assert.ok(selfSigned.installCommand.startsWith(`curl -fsSL --insecure --pinnedpubkey ${pin} https://core.lan:8080/install.sh | sudo sh -s -- --url https://core.lan:8080 --pinned-pubkey ${pin} `), selfSigned.installCommand);

    await writeFile(join(dir, 'runtime.json'), '{"v":1,"pid":"nope"}');
    const invalid = await hostAddCommand(['web-4', '--server', 'core.lan'], cli());
    assert.match(invalid.text, /^Note: .*runtime\.json cannot be used \(\/\w+: Expected /);
  });
});
