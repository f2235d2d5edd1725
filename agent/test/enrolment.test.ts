import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stateTopic } from '@prophasis/protocol';
import { finished, runCli, spawnCli } from './support/cli.js';
import { observe, stateStatus } from './support/observer.js';
import { createTestPki } from './support/pki.js';
import { startTestBroker, type TestBroker } from './support/test-broker.js';

describe('enrolment and run, through the real CLI over TLS (test broker fixture)', function () {
  this.timeout(60_000);
  let broker: TestBroker;
  let root: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    broker = await startTestBroker();
    root = await mkdtemp(join(tmpdir(), 'prophasis-agent-enrol-'));
    dataDir = join(root, 'data');
    env = { PROPHASIS_DATA_DIR: dataDir, PROPHASIS_LOG_LEVEL: 'info', PROPHASIS_ENROL_TOKEN: '' };
  });
  afterEach(async () => {
    await broker.stop();
    await rm(root, { recursive: true, force: true });
  });

  const server = () => `127.0.0.1:${broker.port}`;
  const enrollArgs = (token: string, fingerprint = broker.pki.caFingerprint) => ['enroll', '--server', server(), '--token', token, '--ca-fingerprint', fingerprint];

  it('enrols (credentials 0600 with the pinned CA), then run connects and its retained state online is visible; SIGTERM says offline', async () => {
    const token = 'tok-' + 'a'.repeat(40);
    broker.addToken(token);
    const enrolled = await runCli(enrollArgs(token), env);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    assert.match(enrolled.stdout, /Enrolled/);
    const credentialsFile = join(dataDir, 'credentials.json');
    assert.equal((await stat(credentialsFile)).mode & 0o777, 0o600);
    assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
    const credentials = JSON.parse(await readFile(credentialsFile, 'utf8'));
    assert.deepEqual(Object.keys(credentials).sort(), ['agentId', 'caPem', 'secret', 'server']);
    assert.equal(credentials.server, server());
    assert.equal(credentials.caPem.trim(), broker.pki.caCertPem.trim());
    assert.equal(broker.agents.get(credentials.agentId), credentials.secret);
    // The enrolment CONNECT used $enrol and a one-time client id.
    assert.equal(broker.connects.length, 1);
    assert.match(broker.connects[0]!.clientId, /^enrol-[0-9a-f]{24}$/);
    assert.equal(broker.connects[0]!.username, '$enrol');

    const status = await runCli(['status'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(credentials.agentId));
    assert.match(status.stdout, new RegExp(broker.pki.caFingerprint));
    assert.doesNotMatch(status.stdout, new RegExp(credentials.secret), 'status never prints the secret');

    const agent = spawnCli(['run'], env);
    const exited = finished(agent, 30_000);
    try {
      const watcher = await observe(broker, [stateTopic(credentials.agentId)]);
      await watcher.waitFor((m) => stateStatus(m) === 'online', 15_000, 'state online');
      await watcher.close();
      // A subscriber arriving later still sees it: the state is retained.
      const late = await observe(broker, [stateTopic(credentials.agentId)]);
      const retained = await late.waitFor((m) => stateStatus(m) === 'online', 5_000, 'retained online');
      assert.equal(retained.retain, true);
      const body = JSON.parse(retained.payload.toString()).body;
      assert.equal(body.nodeVersion, process.versions.node);
      assert.deepEqual(body.bundles, []);
      const agentConnect = broker.connects.find((c) => c.clientId === credentials.agentId);
      assert.equal(agentConnect?.username, credentials.agentId, 'client id = username = agent id');

      agent.kill('SIGTERM');
      await late.waitFor((m) => stateStatus(m) === 'offline', 10_000, 'state offline after SIGTERM');
      await late.close();
      const result = await exited;
      assert.equal(result.code, 0, result.stderr);
    } finally {
      agent.kill('SIGKILL');
    }
  });

  it('aborts on a wrong CA fingerprint before sending anything: no CONNECT, no token, no credentials; the broker still serves', async () => {
    const token = 'tok-' + 'b'.repeat(40);
    broker.addToken(token);
    const impostor = await createTestPki('Impostor CA');
    const result = await runCli(enrollArgs(token, impostor.caFingerprint), env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /AGENT_CA_FINGERPRINT_MISMATCH/);
    assert.ok(broker.handshakes >= 1, 'the TLS probe reached the server');
    assert.deepEqual(broker.connects, [], 'no MQTT CONNECT, so the token never left the agent');
    await assert.rejects(stat(join(dataDir, 'credentials.json')), { code: 'ENOENT' });
    // Healthy afterwards: the same token still works with the right fingerprint.
    const retry = await runCli(enrollArgs(token), env);
    assert.equal(retry.code, 0, retry.stderr);
  });

  it('a reused token is refused with its reason and exit code 1; a fresh one still works', async () => {
    const token = 'tok-' + 'c'.repeat(40);
    broker.addToken(token);
    assert.equal((await runCli(enrollArgs(token), env)).code, 0);
    const again = await runCli([...enrollArgs(token), '--force'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /AGENT_ENROL_REFUSED.*token already used/);
    const fresh = 'tok-' + 'd'.repeat(40);
    broker.addToken(fresh);
    assert.equal((await runCli([...enrollArgs(fresh), '--force'], env)).code, 0);
  });

  it('an unknown token is refused at CONNACK (not authorized) with exit code 1', async () => {
    const result = await runCli(enrollArgs('tok-' + 'e'.repeat(40)), env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /AGENT_ENROL_REFUSED.*not authorized/);
    await assert.rejects(stat(join(dataDir, 'credentials.json')), { code: 'ENOENT' });
  });

  it('refuses to overwrite existing credentials without --force', async () => {
    const token = 'tok-' + 'f'.repeat(40);
    broker.addToken(token);
    assert.equal((await runCli(enrollArgs(token), env)).code, 0);
    const before = await readFile(join(dataDir, 'credentials.json'), 'utf8');
    const second = 'tok-' + 'g'.repeat(40);
    broker.addToken(second);
    const result = await runCli(enrollArgs(second), env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /AGENT_ALREADY_ENROLLED/);
    assert.equal(await readFile(join(dataDir, 'credentials.json'), 'utf8'), before);
  });

  it('usage errors exit 2 with the usage text; run without credentials exits 1 with a clear message', async () => {
    const usage = await runCli(['enroll', '--server', server()], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--token, --ca-fingerprint/);
    assert.match(usage.stderr, /Usage: prophasis-agent/);
    const badServer = await runCli(enrollArgs('tok-' + 'h'.repeat(40)).map((a) => (a === server() ? 'no-port' : a)), env);
    assert.equal(badServer.code, 1);
    assert.match(badServer.stderr, /AGENT_INVALID_SERVER/);
    const run = await runCli(['run'], env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /AGENT_CREDENTIALS_MISSING/);
    const version = await runCli(['--version'], env);
    assert.equal(version.code, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+/);
  });
});
