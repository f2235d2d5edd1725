import { cmdTopic, resTopic, stateTopic } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { connectClient, endAll, startTestBroker, subscribeGranted, waitFor, type TestBroker } from './helpers.js';

describe('broker sessions, wills and in-process subscribers (TLS, MQTT.js)', () => {
  let tb: TestBroker;
  let clients: MqttClient[] = [];
  afterEach(async () => {
    await endAll(...clients);
    clients = [];
    await tb.stop();
  });

  async function agent(id: string, secret: string, extra: Parameters<typeof connectClient>[1] = {}): Promise<MqttClient> {
    const c = await connectClient(tb, { clientId: id, username: id, password: secret, clean: false, ...extra });
    clients.push(c);
    return c;
  }

  it('delivers QoS 1 commands queued while the agent was away exactly once, in order, after a broker restart', async () => {
    tb = await startTestBroker();
    const secret = tb.auth.addAgent('agent-q');
    const first = await agent('agent-q', secret);
    assert.deepEqual(await subscribeGranted(first, [cmdTopic('agent-q')]), [1]);
    await first.endAsync();

    for (const n of [1, 2, 3]) await tb.broker.publish(cmdTopic('agent-q'), Buffer.from(`cmd-${n}`), { qos: 1 });
    tb = await tb.restart();
    // One more after the restart: it must come after the three queued before it.
    await tb.broker.publish(cmdTopic('agent-q'), Buffer.from('cmd-4'), { qos: 1 });

    const received: string[] = [];
    const again = await agent('agent-q', secret);
    again.on('message', (_t, p) => received.push(p.toString()));
    await waitFor(() => received.length >= 4, 'four queued commands');
    // Nothing more arrives: a fresh round trip after the queue proves no duplicate was pending.
    await tb.broker.publish(cmdTopic('agent-q'), Buffer.from('cmd-5'), { qos: 1 });
    await waitFor(() => received.length >= 5, 'the fifth command');
    assert.deepEqual(received, ['cmd-1', 'cmd-2', 'cmd-3', 'cmd-4', 'cmd-5']);
    assert.equal(again.connected, true);
  });

  it('drops the oldest queued command when the queue is full, with a log line', async () => {
    tb = await startTestBroker({ maxQueuedPerClient: 3 });
    const secret = tb.auth.addAgent('agent-cap');
    const first = await agent('agent-cap', secret);
    await subscribeGranted(first, [cmdTopic('agent-cap')]);
    await first.endAsync();
    for (const n of [1, 2, 3, 4, 5]) await tb.broker.publish(cmdTopic('agent-cap'), Buffer.from(`cmd-${n}`), { qos: 1 });
    const overflow = tb.events.filter((e) => e.kind === 'queue_overflow');
    assert.equal(overflow.length, 2);
    assert.equal(overflow[0]?.agentId, 'agent-cap');
    assert.ok(tb.logs.some((l) => l.event === 'queue_overflow' && l.level === 40 && /dropped the 1 oldest/.test(l.msg)));
    const received: string[] = [];
    const again = await agent('agent-cap', secret);
    again.on('message', (_t, p) => received.push(p.toString()));
    await waitFor(() => received.length >= 3, 'three queued commands');
    await tb.broker.publish(cmdTopic('agent-cap'), Buffer.from('cmd-6'), { qos: 1 });
    await waitFor(() => received.length >= 4, 'the sixth command');
    assert.deepEqual(received, ['cmd-3', 'cmd-4', 'cmd-5', 'cmd-6']);
  });

  it('delivers retained messages to new subscriptions, literal and wildcard, also after a restart', async () => {
    tb = await startTestBroker();
    const { SERVICE_USERNAME } = await import('../src/index.js');
    await tb.broker.publish(stateTopic('agent-k'), Buffer.from('online'), { qos: 1, retain: true });
    tb = await tb.restart();
    const service = await connectClient(tb, { clientId: 'core', username: SERVICE_USERNAME, password: tb.auth.serviceSecret, clean: true });
    clients.push(service);
    const seen: string[] = [];
    service.on('message', (t, p, packet) => seen.push(`${t} ${p.toString()} ${packet.retain}`));
    await subscribeGranted(service, [stateTopic('agent-k')]);
    await subscribeGranted(service, ['prophasis/v1/agents/+/state']);
    await waitFor(() => seen.length === 2, 'two retained deliveries');
    assert.deepEqual(seen, [`${stateTopic('agent-k')} online true`, `${stateTopic('agent-k')} online true`]);
  });

  it("publishes an agent's Last Will when its socket is destroyed", async () => {
    tb = await startTestBroker();
    const wills: string[] = [];
    await tb.broker.subscribe(stateTopic('agent-w'), async (_t, p) => void wills.push(p.toString()));
    const secret = tb.auth.addAgent('agent-w');
    const c = await agent('agent-w', secret, { will: { topic: stateTopic('agent-w'), payload: Buffer.from('offline'), qos: 1, retain: true } });
    await c.publishAsync(stateTopic('agent-w'), 'online', { qos: 1, retain: true });
    c.stream.destroy(); // no DISCONNECT: the broker must treat it as a lost agent
    await waitFor(() => wills.length === 2, 'the will');
    assert.deepEqual(wills, ['online', 'offline']);
  });

  it('disconnect() ends one client\'s connection on request (its Will is published) and leaves the others', async () => {
    tb = await startTestBroker();
    const wills: string[] = [];
    await tb.broker.subscribe(stateTopic('agent-x'), async (_t, p) => void wills.push(p.toString()));
    const secret = tb.auth.addAgent('agent-x');
    const c = await agent('agent-x', secret, { will: { topic: stateTopic('agent-x'), payload: Buffer.from('offline'), qos: 1, retain: true } });
    const other = await agent('agent-y', tb.auth.addAgent('agent-y'));
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    assert.equal(await tb.broker.disconnect('agent-x'), true);
    await closed;
    await waitFor(() => wills.length === 1, 'the will');
    assert.deepEqual(wills, ['offline']);
    assert.equal(await tb.broker.disconnect('agent-x'), false, 'no longer connected');
    assert.equal(await tb.broker.disconnect('nobody'), false);
    assert.equal(other.connected, true);
    assert.equal(tb.broker.clientCount(), 1);
    await other.endAsync();
  });

  it('acknowledges a QoS 1 publish only after the in-process handler resolved', async () => {
    tb = await startTestBroker();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await tb.broker.subscribe('prophasis/v1/agents/+/res', async (_t, p) => {
      order.push(`handler start ${p.toString()}`);
      await gate;
      order.push('handler done');
    });
    const secret = tb.auth.addAgent('agent-r');
    const c = await agent('agent-r', secret);
    const acked = c.publishAsync(resTopic('agent-r'), 'r1', { qos: 1 }).then(() => order.push('puback'));
    await waitFor(() => order.length === 1, 'the handler to start');
    assert.deepEqual(order, ['handler start r1']);
    release();
    await acked;
    assert.deepEqual(order, ['handler start r1', 'handler done', 'puback']);
  });

  it('does not acknowledge when the in-process handler fails, and keeps serving', async () => {
    tb = await startTestBroker();
    let fail = true;
    const stored: string[] = [];
    await tb.broker.subscribe(resTopic('agent-f'), async (_t, p) => {
      if (fail) throw new Error('database down');
      stored.push(p.toString());
    });
    const secret = tb.auth.addAgent('agent-f');
    const c = await agent('agent-f', secret);
    const outcome = new Promise<string>((resolve) => {
      c.publish(resTopic('agent-f'), 'result-1', { qos: 1 }, (err) => resolve(err ? 'no puback' : 'puback'));
      c.once('close', () => resolve('no puback'));
    });
    assert.equal(await outcome, 'no puback');
    assert.ok(tb.logs.some((l) => l.level === 50 && /not acknowledged/.test(l.msg)));
    // The agent's outbox still holds the result and sends it again after reconnecting.
    fail = false;
    const again = await agent('agent-f', secret);
    await again.publishAsync(resTopic('agent-f'), 'result-1', { qos: 1 });
    assert.deepEqual(stored, ['result-1']);
  });

  it('refuses an invalid in-process filter and stops calling an unsubscribed handler', async () => {
    tb = await startTestBroker();
    await assert.rejects(tb.broker.subscribe('a/#/b', async () => undefined), /BROKER_INVALID_FILTER|Invalid topic filter/);
    const seen: string[] = [];
    const off = await tb.broker.subscribe('prophasis/x', async (_t, p) => void seen.push(p.toString()));
    await tb.broker.publish('prophasis/x', Buffer.from('1'));
    await off();
    await tb.broker.publish('prophasis/x', Buffer.from('2'));
    assert.deepEqual(seen, ['1']);
  });
});
