import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cmdTopic, createMessage, encodeMessage, silentLogger, stateTopic } from '@prophasis/protocol';
import { createAgent, type Agent } from '../src/agent.js';
import { readAgentConfig } from '../src/config.js';
import { enrol } from '../src/enrol.js';
import { finished, spawnCli } from './support/cli.js';
import { captureLogger, LEVEL } from './support/log-capture.js';
import { observe, stateStatus, type Observer } from './support/observer.js';
import { startTestBroker, type TestBroker } from './support/test-broker.js';

describe('agent connection over TLS (test broker fixture)', function () {
  this.timeout(60_000);
  let broker: TestBroker;
  let root: string;
  let dataDir: string;
  let agentId: string;
  let agent: Agent | undefined;
  let watcher: Observer | undefined;

  beforeEach(async () => {
    broker = await startTestBroker();
    root = await mkdtemp(join(tmpdir(), 'prophasis-agent-conn-'));
    dataDir = join(root, 'data');
    const token = 'tok-' + Math.random().toString(16).slice(2).padEnd(40, '0');
    broker.addToken(token);
    const outcome = await enrol(
      { server: `127.0.0.1:${broker.port}`, token, caFingerprint: broker.pki.caFingerprint, dataDir, timeoutMs: 10_000 },
      { logger: silentLogger() },
    );
    agentId = outcome.agentId;
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await watcher?.close();
    watcher = undefined;
    await broker.stop();
    await rm(root, { recursive: true, force: true });
  });

  function config() {
    // Short backoff so the test sees several attempts in well under a second.
    return readAgentConfig({ PROPHASIS_DATA_DIR: dataDir }, { reconnectInitialMs: 100, reconnectMaxMs: 400, connectTimeoutMs: 2_000 });
  }

  it('publishes the Last Will (state offline, retained) when the agent process is killed with SIGKILL', async () => {
    watcher = await observe(broker, [stateTopic(agentId)]);
    const child = spawnCli(['run'], { PROPHASIS_DATA_DIR: dataDir, PROPHASIS_LOG_LEVEL: 'warn' });
    const exited = finished(child, 30_000);
    try {
      await watcher.waitFor((m) => stateStatus(m) === 'online', 15_000, 'state online');
      const before = watcher.messages.length;
      child.kill('SIGKILL');
      const result = await exited;
      assert.equal(result.signal, 'SIGKILL');
      const will = await watcher.waitFor((m) => watcher!.messages.indexOf(m) >= before && stateStatus(m) === 'offline', 10_000, 'Last Will');
      assert.equal(JSON.parse(will.payload.toString()).type, 'state');
      // Retained: a subscriber arriving now learns the agent is offline.
      const late = await observe(broker, [stateTopic(agentId)]);
      const retained = await late.waitFor(() => true, 5_000, 'retained state');
      await late.close();
      assert.equal(retained.retain, true);
      assert.equal(stateStatus(retained), 'offline');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reconnects with growing, jittered delays after the broker goes away and comes back', async () => {
    const log = captureLogger('info');
    agent = await createAgent(config(), { logger: log.logger, random: () => 0.99 });
    const statuses: string[] = [];
    agent.connection.onStatus((s) => statuses.push(s));
    await agent.start();
    await log.waitFor((l) => l.msg === 'connected', 10_000, 'first connect');

    await broker.stop();
    // With the broker down, each refused attempt is followed by a longer delay, capped.
    const fourth = await log.waitFor((l) => l.msg === 'reconnecting after backoff' && l.attempt === 4, 10_000, 'four attempts');
    const delays = log.lines.filter((l) => l.msg === 'reconnecting after backoff').map((l) => l.delayMs as number);
    assert.deepEqual(delays.slice(0, 4), [99, 198, 396, 396]);
    assert.equal(fourth.delayMs, 396);
    assert.equal(agent.connection.connected, false);

    await broker.restart();
    watcher = await observe(broker, [stateTopic(agentId)]);
    await watcher.waitFor((m) => stateStatus(m) === 'online', 10_000, 'state online after the restart');
    // MQTT.js resends the packets left unacknowledged (the first state online, the agent.report)
    // before it emits 'connect', so the observer may see "online" a moment before that.
    await log.waitFor(() => log.lines.filter((l) => l.msg === 'connected').length === 2, 10_000, 'second connect');
    assert.equal(agent.connection.connected, true);
    assert.deepEqual(statuses, ['connected', 'disconnected', 'connected']);
    assert.equal(log.lines.filter((l) => l.msg === 'connected').length, 2);
    // The second connection resumed the first one's TLS session (the broker kept its ticket keys).
    assert.equal(broker.resumedHandshakes, 1);
  });

  it('logs and ignores invalid cmd payloads, and keeps serving the next valid config.set', async () => {
    const log = captureLogger('info');
    agent = await createAgent(config(), { logger: log.logger });
    await agent.start();
    watcher = await observe(broker, [stateTopic(agentId)]);
    await watcher.waitFor((m) => stateStatus(m) === 'online', 10_000, 'online');

    const cmd = cmdTopic(agentId);
    await watcher.publish(cmd, 'this is not json');
    await watcher.publish(cmd, JSON.stringify({ v: 1, type: 'config.set', id: 'bad-1', ts: Date.now(), body: { logLevel: 'verbose' } }));
    await watcher.publish(cmd, JSON.stringify({ v: 1, type: 'self.destruct', id: 'bad-2', ts: Date.now(), body: {} }));
    await watcher.publish(cmd, encodeMessage(createMessage('state', { status: 'online' }, { id: 'bad-3' })));
    await watcher.publish(cmd, encodeMessage(createMessage('config.set', { logLevel: 'debug' }, { id: 'good-1' })));

    const changed = await log.waitFor((l) => l.msg === 'log level changed', 10_000, 'config.set applied');
    assert.equal(changed.id, 'good-1');
    assert.equal(agent.connection.connected, true);
    const invalid = log.lines.filter((l) => l.msg === 'invalid command ignored');
    // QoS 1 on one topic from one publisher: in order, each logged before the valid one ran.
    assert.deepEqual(
      invalid.map((l) => l.code),
      ['PROTO_MALFORMED_JSON', 'PROTO_INVALID_MESSAGE', 'PROTO_UNKNOWN_MESSAGE_TYPE', 'PROTO_WRONG_CHANNEL'],
    );
    assert.ok(invalid.every((l) => l.level === LEVEL.warn));
    // The level really changed: debug lines now come through.
    log.logger.child({ component: 'probe' }).debug('debug is on');
    assert.ok(log.lines.some((l) => l.msg === 'debug is on'));
  });

  it('keeps retrying (with backoff, logged as an error) when the broker refuses its credentials, and recovers when they are valid again', async () => {
    const log = captureLogger('info');
    const secret = broker.agents.get(agentId) as string;
    broker.agents.set(agentId, 'revoked');
    agent = await createAgent(config(), { logger: log.logger });
    await agent.start();
    await log.waitFor((l) => l.level === LEVEL.error && /refused our credentials/.test(l.msg), 10_000, 'credential refusal');
    await log.waitFor((l) => l.msg === 'reconnecting after backoff' && (l.attempt as number) >= 2, 10_000, 'second attempt');
    broker.agents.set(agentId, secret);
    await log.waitFor((l) => l.msg === 'connected', 10_000, 'connected once the secret is accepted');
  });
});
