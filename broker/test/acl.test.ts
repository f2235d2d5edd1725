import { cmdTopic, resTopic, stateTopic } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { closed, connectAgent, endAll, refusedCode, startTestBroker, subscribeGranted, type TestBroker } from './helpers.js';

describe('broker ACLs (TLS, MQTT.js)', () => {
  let tb: TestBroker;
  let a: MqttClient;
  let b: MqttClient;
  const coreSaw: string[] = [];

  beforeEach(async () => {
    tb = await startTestBroker({ offenceLimit: 5 });
    coreSaw.length = 0;
    await tb.broker.subscribe('prophasis/v1/agents/+/res', async (topic, payload) => {
      coreSaw.push(`${topic} ${payload.toString()}`);
    });
    a = await connectAgent(tb, 'agent-a');
    b = await connectAgent(tb, 'agent-b');
    assert.deepEqual(await subscribeGranted(b, [cmdTopic('agent-b')]), [1]);
  });
  afterEach(async () => {
    await endAll(a, b);
    await tb.stop();
  });

  /** Agent B still gets its commands and the core still gets B's results. */
  async function assertBUnaffected(): Promise<void> {
    const got = new Promise<string>((resolve) => b.once('message', (_t, p) => resolve(p.toString())));
    await tb.broker.publish(cmdTopic('agent-b'), Buffer.from('cmd-for-b'), { qos: 1 });
    assert.equal(await got, 'cmd-for-b');
    await b.publishAsync(resTopic('agent-b'), 'from-b', { qos: 1 });
    assert.ok(coreSaw.includes(`${resTopic('agent-b')} from-b`));
  }

  it("refuses agent A subscribing to B's cmd with SUBACK 0x80 and logs it", async () => {
    assert.deepEqual(await subscribeGranted(a, [cmdTopic('agent-b')]), [128]);
    assert.ok(tb.events.some((e) => e.kind === 'subscribe_denied' && e.agentId === 'agent-a' && e.topic === cmdTopic('agent-b')));
    assert.ok(tb.logs.some((l) => l.event === 'subscribe_denied' && l.component === 'broker' && l.level === 40));
    // A is still connected and may use its own topic.
    assert.deepEqual(await subscribeGranted(a, [cmdTopic('agent-a')]), [1]);
    await assertBUnaffected();
  });

  it("drops agent A publishing to B's res, logs it, keeps A connected", async () => {
    await a.publishAsync(resTopic('agent-b'), 'forged', { qos: 1 }); // acknowledged, then dropped [MQTT-3.3.5-2]
    assert.ok(!coreSaw.some((l) => l.includes('forged')));
    assert.ok(tb.events.some((e) => e.kind === 'publish_denied' && e.agentId === 'agent-a' && e.topic === resTopic('agent-b')));
    assert.equal(a.connected, true);
    await a.publishAsync(resTopic('agent-a'), 'own', { qos: 1 });
    assert.ok(coreSaw.includes(`${resTopic('agent-a')} own`));
    await assertBUnaffected();
  });

  it('does not deliver a dropped retained publish to anybody', async () => {
    await a.publishAsync(stateTopic('agent-b'), 'offline', { qos: 1, retain: true });
    const service = tb.broker;
    const seen: string[] = [];
    await service.subscribe(stateTopic('agent-b'), async (_t, p) => void seen.push(p.toString()));
    await b.publishAsync(stateTopic('agent-b'), 'online', { qos: 1, retain: true });
    assert.deepEqual(seen, ['online']);
  });

  it("refuses '#' and '$SYS/#' with SUBACK 0x80", async () => {
    assert.deepEqual(await subscribeGranted(a, ['#', '$SYS/#', 'prophasis/v1/agents/+/cmd']), [128, 128, 128]);
    assert.equal(tb.events.filter((e) => e.kind === 'subscribe_denied').length, 3);
    await assertBUnaffected();
  });

  it('disconnects after repeated offences; other agents are unaffected', async () => {
    const gone = closed(a);
    for (let i = 0; i < 4; i++) assert.deepEqual(await subscribeGranted(a, [`prophasis/v1/agents/agent-b/cmd`]), [128]);
    a.publish(resTopic('agent-b'), 'fifth offence', { qos: 1 });
    await gone;
    assert.ok(tb.events.some((e) => e.kind === 'offence_limit' && e.agentId === 'agent-a'));
    assert.ok(!coreSaw.some((l) => l.includes('fifth offence')));
    await assertBUnaffected();
  });

  it('refuses a Last Will on a topic the agent may not publish to with CONNACK 5', async () => {
    const secret = tb.auth.addAgent('agent-w');
    const code = await refusedCode(tb, {
      clientId: 'agent-w',
      username: 'agent-w',
      password: secret,
      will: { topic: stateTopic('agent-b'), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    assert.equal(code, 5);
    assert.ok(tb.events.some((e) => e.kind === 'will_denied' && e.clientId === 'agent-w'));
    await assertBUnaffected();
  });
});
