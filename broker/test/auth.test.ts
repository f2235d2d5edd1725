import { cmdTopic, ENROL_USERNAME, resTopic } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { generateSecret, SERVICE_USERNAME } from '../src/index.js';
import { connectAgent, connectClient, endAll, refusedCode, startTestBroker, subscribeGranted, waitFor, type TestBroker } from './helpers.js';

describe('broker authentication (TLS, MQTT.js)', () => {
  let tb: TestBroker;
  beforeEach(async () => {
    tb = await startTestBroker();
  });
  afterEach(async () => {
    await tb.stop();
  });

  /** A good agent can still connect and exchange a message with the core after a refusal. */
  async function assertStillServing(): Promise<void> {
    const received: string[] = [];
    const off = await tb.broker.subscribe(resTopic('healthy'), async (_t, payload) => {
      received.push(payload.toString());
    });
    const good = await connectAgent(tb, 'healthy');
    await good.publishAsync(resTopic('healthy'), 'ok', { qos: 1 });
    assert.deepEqual(received, ['ok']);
    await good.endAsync();
    await off();
  }

  it('refuses a wrong secret with CONNACK 4, logs it and keeps serving', async () => {
    tb.auth.addAgent('agent-1');
    const code = await refusedCode(tb, { clientId: 'agent-1', username: 'agent-1', password: generateSecret() });
    assert.equal(code, 4);
    assert.ok(tb.events.some((e) => e.kind === 'auth_failed' && e.agentId === 'agent-1' && /bad_credentials/.test(e.reason)));
    assert.ok(tb.logs.some((l) => l.component === 'broker' && l.level === 40 && /refused/.test(l.msg) && l.clientId === 'agent-1'));
    await assertStillServing();
  });

  it('refuses an unknown agent with CONNACK 4 and keeps serving', async () => {
    const code = await refusedCode(tb, { clientId: 'ghost', username: 'ghost', password: generateSecret() });
    assert.equal(code, 4);
    assert.ok(tb.events.some((e) => e.kind === 'auth_failed' && e.clientId === 'ghost'));
    await assertStillServing();
  });

  it('refuses a revoked agent with CONNACK 5 and keeps serving', async () => {
    const secret = tb.auth.addAgent('revoked-1');
    tb.auth.revoke('revoked-1');
    assert.equal(await refusedCode(tb, { clientId: 'revoked-1', username: 'revoked-1', password: secret }), 5);
    assert.ok(tb.events.some((e) => e.kind === 'auth_failed' && /revoked/.test(e.reason)));
    await assertStillServing();
  });

  it('refuses a client id that differs from the username with CONNACK 2, before checking the secret', async () => {
    const secret = tb.auth.addAgent('agent-2');
    const code = await refusedCode(tb, { clientId: 'agent-3', username: 'agent-2', password: secret });
    assert.equal(code, 2);
    assert.ok(tb.events.some((e) => e.kind === 'identifier_rejected' && e.clientId === 'agent-3'));
    await assertStillServing();
  });

  it('refuses a connection without credentials with CONNACK 4', async () => {
    assert.equal(await refusedCode(tb, { clientId: 'anon' }), 4);
    await assertStillServing();
  });

  it('refuses an enrolment client id that is not enrol-… with CONNACK 2, accepts a good one', async () => {
    const token = tb.auth.addEnrolToken();
    assert.equal(await refusedCode(tb, { clientId: 'agent-x', username: ENROL_USERNAME, password: token, clean: true }), 2);
    assert.equal(await refusedCode(tb, { clientId: 'enrol-abc', username: ENROL_USERNAME, password: 'forged', clean: true }), 5);
    const client = await connectClient(tb, { clientId: 'enrol-abc', username: ENROL_USERNAME, password: token, clean: true });
    const granted = await client.subscribeAsync('prophasis/v1/enrol/enrol-abc/resp', { qos: 1 });
    assert.equal(granted[0]?.qos, 1);
    await client.endAsync();
  });

  it('accepts the service credential with prophasis/# rights and no more', async () => {
    const service = await connectClient(tb, { clientId: 'core-1', username: SERVICE_USERNAME, password: tb.auth.serviceSecret, clean: true });
    assert.deepEqual(await subscribeGranted(service, ['prophasis/#', '$SYS/#']), [1, 128]);
    const agent = await connectAgent(tb, 'agent-s');
    await agent.subscribeAsync(cmdTopic('agent-s'), { qos: 1 });
    const got = new Promise<string>((resolve) => agent.once('message', (_t, p) => resolve(p.toString())));
    await service.publishAsync(cmdTopic('agent-s'), 'hello', { qos: 1 });
    assert.equal(await got, 'hello');
    await endAll(agent, service);
  });

  it('reports connects and disconnects with the identity', async () => {
    const seen: string[] = [];
    tb.broker.on('clientConnected', (c) => seen.push(`+${c.clientId}:${c.identity.role}`));
    tb.broker.on('clientDisconnected', (c) => seen.push(`-${c.clientId}`));
    const agent = await connectAgent(tb, 'agent-e');
    await waitFor(() => tb.broker.clientCount() === 1, 'client count 1');
    await agent.endAsync();
    await waitFor(() => seen.length === 2, 'disconnect event');
    assert.deepEqual(seen, ['+agent-e:agent', '-agent-e']);
    assert.equal(tb.broker.clientCount(), 0);
  });

  it('refuses connections over the rate limit with CONNACK 3 and logs them once per second', async () => {
    await tb.stop();
    tb = await startTestBroker({ maxConnectionsPerSecond: 1, connectionBurst: 2, connectionWaitMs: 0 });
    const a = await connectAgent(tb, 'rate-a');
    const b = await connectAgent(tb, 'rate-b');
    const secret = tb.auth.addAgent('rate-c');
    assert.equal(await refusedCode(tb, { clientId: 'rate-c', username: 'rate-c', password: secret }), 3);
    assert.ok(tb.events.some((e) => e.kind === 'connection_rate_limited'));
    await endAll(a, b);
  });

  it('lets a CONNECT over the rate wait for its turn (up to connectionWaitMs) instead of refusing it', async () => {
    await tb.stop();
    tb = await startTestBroker({ maxConnectionsPerSecond: 5, connectionBurst: 1, connectionWaitMs: 2_000 });
    // Four at once: one from the burst, three served 200, 400 and 600 ms later; none refused.
    const clients = await Promise.all(['wait-a', 'wait-b', 'wait-c', 'wait-d'].map((id) => connectAgent(tb, id)));
    assert.equal(tb.broker.clientCount(), 4);
    assert.ok(!tb.events.some((e) => e.kind === 'connection_rate_limited'));
    await endAll(...clients);
  });
});
