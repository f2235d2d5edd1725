import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { cmdTopic, createMessage, encodeMessage, isProphasisError, stateTopic, type CmdMessage } from '@prophasis/protocol';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { captureLogger, LEVEL } from '../test/support/log-capture.js';
import { createConnection, type Timers } from './connection.js';
import { AgentErrors } from './errors.js';

/** Stands in for MQTT.js: records calls, lets the test emit connect/close. */
class FakeClient extends EventEmitter {
  connected = false;
  connects = 0;
  reconnects: unknown[] = [];
  subscriptions: { topic: string; qos: number }[] = [];
  published: { topic: string; payload: Buffer; opts: { qos?: number; retain?: boolean } }[] = [];
  ended: boolean[] = [];
  handleMessage: (packet: IPublishPacket, done: (err?: Error) => void) => void = () => undefined;
  constructor(readonly options: IClientOptions) {
    super();
  }
  connect() {
    this.connects += 1;
  }
  reconnect(stores: unknown) {
    this.reconnects.push(stores);
  }
  subscribe(topic: string, opts: { qos: number }, cb: (err: Error | null, granted: { topic: string; qos: number }[]) => void) {
    this.subscriptions.push({ topic, qos: opts.qos });
    cb(null, [{ topic, qos: opts.qos }]);
  }
  async publishAsync(topic: string, payload: Buffer, opts: { qos?: number; retain?: boolean }) {
    this.published.push({ topic, payload, opts });
  }
  async endAsync(force?: boolean) {
    this.ended.push(force ?? false);
    this.connected = false;
    this.emit('close');
  }
  // Test helpers.
  up(sessionPresent = false) {
    this.connected = true;
    this.emit('connect', { cmd: 'connack', returnCode: 0, sessionPresent });
  }
  down() {
    this.connected = false;
    this.emit('close');
  }
}

function fakeTimers() {
  let now = 0;
  const pending: { fn: () => void; at: number; ms: number }[] = [];
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      const t = { fn, at: now + ms, ms };
      pending.push(t);
      return t;
    },
    clearTimeout: (h) => {
      const i = pending.indexOf(h as (typeof pending)[number]);
      if (i >= 0) pending.splice(i, 1);
    },
    now: () => now,
  };
  return {
    timers,
    pending,
    advance(ms: number) {
      now += ms;
      for (const t of [...pending].sort((a, b) => a.at - b.at)) {
        if (t.at <= now) {
          pending.splice(pending.indexOf(t), 1);
          t.fn();
        }
      }
    },
  };
}

const credentials = { server: '127.0.0.1:18883', agentId: 'agent-7', secret: 's'.repeat(43), caPem: 'PEM' };
const config = { keepaliveSeconds: 30, connectTimeoutMs: 10_000, reconnectInitialMs: 1_000, reconnectMaxMs: 60_000, reconnectResetAfterMs: 60_000 };

function setup(overrides: Partial<typeof config & { reconnectEarlyMaxMs: number; reconnectEarlyWindowMs: number }> = {}) {
  const clock = fakeTimers();
  const { logger, lines } = captureLogger();
  let client: FakeClient | undefined;
  const connection = createConnection({ ...config, ...overrides }, {
    logger,
    credentials,
    timers: clock.timers,
    random: () => 0.5,
    presence: { bundles: () => ['a'.repeat(64)], planRevision: () => 3 },
    connect: (options) => {
      client = new FakeClient(options);
      return client as unknown as MqttClient;
    },
  });
  return { clock, lines, connection, client: () => client as FakeClient };
}

function packet(topic: string, payload: Buffer | string): IPublishPacket {
  return { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false, messageId: 1 };
}

describe('createConnection (fake MQTT client, fake clock)', () => {
  it('connects with the contract 3 options: pinned TLS, id = username, persistent session, Will offline, no MQTT.js retry', async () => {
    const { connection, client } = setup();
    await connection.start();
    const o = client().options;
    assert.equal(client().connects, 1);
    assert.equal(o.protocol, 'mqtts');
    assert.equal(o.host, '127.0.0.1');
    assert.equal(o.port, 18883);
    assert.equal(o.clientId, 'agent-7');
    assert.equal(o.username, 'agent-7');
    assert.equal(o.password, credentials.secret);
    assert.equal(o.clean, false);
    assert.equal(o.keepalive, 30);
    assert.equal(o.reconnectPeriod, 0);
    assert.equal(o.rejectUnauthorized, true);
    const tls = o as IClientOptions & { secureContext?: unknown; ca?: unknown };
    assert.ok(tls.secureContext, 'one shared secure context for the pinned CA');
    assert.equal(tls.ca, undefined, 'no per-connection CA parsing');
    assert.equal(o.will?.topic, stateTopic('agent-7'));
    assert.equal(o.will?.qos, 1);
    assert.equal(o.will?.retain, true);
    assert.equal(JSON.parse(String(o.will?.payload)).body.status, 'offline');
  });

  it('on every connect subscribes cmd (QoS 1) and publishes state online, retained, with the facts', async () => {
    const { connection, client } = setup();
    const statuses: string[] = [];
    connection.onStatus((s) => statuses.push(s));
    await connection.start();
    client().up();
    client().down();
    client().up();
    assert.deepEqual(client().subscriptions, [
      { topic: cmdTopic('agent-7'), qos: 1 },
      { topic: cmdTopic('agent-7'), qos: 1 },
    ]);
    assert.equal(client().published.length, 2);
    const { topic, payload, opts } = client().published[0]!;
    assert.equal(topic, stateTopic('agent-7'));
    assert.deepEqual(opts, { qos: 1, retain: true });
    const body = JSON.parse(payload.toString()).body;
    assert.equal(body.status, 'online');
    assert.deepEqual(body.bundles, ['a'.repeat(64)]);
    assert.equal(body.planRevision, 3);
    assert.equal(body.nodeVersion, process.versions.node);
    assert.deepEqual(statuses, ['connected', 'disconnected', 'connected']);
  });

  it('does not subscribe again when the broker kept the session (CONNACK session present), but still publishes its state', async () => {
    const { connection, client } = setup();
    await connection.start();
    client().up(false);
    client().down();
    client().up(true);
    assert.deepEqual(client().subscriptions, [{ topic: cmdTopic('agent-7'), qos: 1 }]);
    assert.equal(client().published.length, 2, 'state online after each connect');
  });

  it('reconnects on its own timer with doubling, jittered delays up to the cap', async () => {
    const { connection, client, clock, lines } = setup();
    await connection.start();
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      client().down(); // e.g. ECONNREFUSED: MQTT.js closes, we schedule
      assert.equal(clock.pending.length, 1, 'exactly one reconnect timer');
      delays.push(clock.pending[0]!.ms);
      clock.advance(clock.pending[0]!.ms);
      assert.equal(client().reconnects.length, i + 1);
    }
    // random() = 0.5 → half of 1, 2, 4, … 60 s.
    assert.deepEqual(delays, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    const stores = client().reconnects[0] as { incomingStore: unknown; outgoingStore: unknown };
    assert.ok(stores.outgoingStore, 'the outgoing store is kept across reconnects');
    assert.equal(client().reconnects[1], stores);
    assert.ok(lines.some((l) => l.msg === 'reconnecting after backoff' && l.attempt === 9 && l.delayMs === 30_000));
  });

  it('keeps the delay bound at the early cap during the first minute of an outage', async () => {
    const { connection, client, clock } = setup({ reconnectEarlyMaxMs: 5_000, reconnectEarlyWindowMs: 60_000 });
    await connection.start();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      client().down();
      delays.push(clock.pending[0]!.ms);
      clock.advance(clock.pending[0]!.ms);
    }
    // random() = 0.5 → half of 1, 2, 4 s, then half of the 5 s cap.
    assert.deepEqual(delays, [500, 1_000, 2_000, 2_500, 2_500, 2_500, 2_500, 2_500]);
  });

  it('a double close schedules one reconnect only', async () => {
    const { connection, client, clock } = setup();
    await connection.start();
    client().down();
    client().down();
    assert.equal(clock.pending.length, 1);
  });

  it('resets the backoff after a connection that lasted longer than 60 s, not after a short one', async () => {
    const { connection, client, clock } = setup();
    await connection.start();
    for (let i = 0; i < 4; i++) {
      client().down();
      clock.advance(clock.pending[0]!.ms);
    }
    client().up();
    clock.advance(10_000); // short-lived
    client().down();
    assert.equal(clock.pending[0]!.ms, 8_000, 'a 10 s connection does not reset');
    clock.advance(8_000);
    client().up();
    clock.advance(61_000); // stable
    client().down();
    assert.equal(clock.pending[0]!.ms, 500, 'a 61 s connection resets to the first step');
  });

  it('validates every cmd payload: invalid ones are logged and acknowledged, valid ones reach the handler in order', async () => {
    const { connection, client, lines } = setup();
    const seen: CmdMessage[] = [];
    connection.onCommand(async (m) => {
      seen.push(m);
    });
    await connection.start();
    client().up();
    const deliver = (p: IPublishPacket) => new Promise<void>((resolve, reject) => client().handleMessage(p, (err) => (err ? reject(err) : resolve())));
    const topic = cmdTopic('agent-7');
    await deliver(packet(topic, '{not json'));
    await deliver(packet(topic, JSON.stringify({ v: 1, type: 'config.set', id: 'x1', ts: 1, body: { logLevel: 'loud' } })));
    await deliver(packet(topic, encodeMessage(createMessage('state', { status: 'online' }))));
    await deliver(packet(cmdTopic('agent-8'), encodeMessage(createMessage('config.set', { logLevel: 'debug' }))));
    assert.equal(seen.length, 0);
    const warnings = lines.filter((l) => l.level === LEVEL.warn).map((l) => `${l.msg} ${l.code ?? ''}`);
    assert.deepEqual(warnings, [
      'invalid command ignored PROTO_MALFORMED_JSON',
      'invalid command ignored PROTO_INVALID_MESSAGE',
      'invalid command ignored PROTO_WRONG_CHANNEL',
      'ignoring a message on a topic this agent did not subscribe to ',
    ]);
    await deliver(packet(topic, encodeMessage(createMessage('config.set', { logLevel: 'debug' }, { id: 'c1' }))));
    await deliver(packet(topic, encodeMessage(createMessage('config.set', { logLevel: 'info' }, { id: 'c2' }))));
    assert.deepEqual(seen.map((m) => m.id), ['c1', 'c2']);
  });

  it('a throwing handler is logged and the command still acknowledged', async () => {
    const { connection, client, lines } = setup();
    connection.onCommand(() => {
      throw new Error('boom');
    });
    await connection.start();
    await new Promise<void>((resolve) => client().handleMessage(packet(cmdTopic('agent-7'), encodeMessage(createMessage('config.set', {}))), () => resolve()));
    assert.ok(lines.some((l) => l.msg === 'command handler failed' && l.level === LEVEL.error));
  });

  it('publish: only res and state, each with its own message types; refused when stopped', async () => {
    const { connection, client } = setup();
    await connection.start();
    client().up();
    await connection.publish('state', createMessage('state', { status: 'online' }));
    assert.deepEqual(client().published.at(-1)!.opts, { qos: 1, retain: true });
    await connection.publish('res', createMessage('agent.report', { missedSlots: 0, outboxDropped: 0, outboxDepth: 0, lastError: null }));
    assert.equal(client().published.at(-1)!.topic, 'prophasis/v1/agents/agent-7/res');
    assert.deepEqual(client().published.at(-1)!.opts, { qos: 1, retain: false });
    await assert.rejects(connection.publish('res', createMessage('state', { status: 'online' })), (e) => isProphasisError(e, AgentErrors.PUBLISH_REFUSED));
    await assert.rejects(connection.publish('cmd' as 'res', createMessage('state', { status: 'online' })), (e) => isProphasisError(e, AgentErrors.PUBLISH_REFUSED));
    await connection.stop();
    await assert.rejects(connection.publish('state', createMessage('state', { status: 'online' })), (e) => isProphasisError(e, AgentErrors.NOT_CONNECTED));
  });

  it('stop() publishes state offline before a clean disconnect and never reconnects afterwards', async () => {
    const { connection, client, clock } = setup();
    await connection.start();
    const c = client();
    c.up();
    await connection.stop();
    const last = c.published.at(-1)!;
    assert.equal(JSON.parse(last.payload.toString()).body.status, 'offline');
    assert.deepEqual(last.opts, { qos: 1, retain: true });
    assert.deepEqual(c.ended, [false], 'graceful DISCONNECT, not a forced close');
    assert.equal(clock.pending.length, 0);
  });

  it('stop() stays bounded when the broker no longer answers: gives up on the PUBACK, then closes hard', async () => {
    const { connection, client, clock } = setup();
    await connection.start();
    const c = client();
    c.up();
    c.publishAsync = () => new Promise(() => undefined);
    const end = c.endAsync.bind(c);
    c.endAsync = (force?: boolean) => (force ? end(true) : new Promise(() => undefined));
    const flush = () => new Promise((resolve) => setImmediate(resolve));
    const stopped = connection.stop();
    await flush();
    clock.advance(5_000); // no PUBACK for state offline
    await flush();
    clock.advance(5_000); // DISCONNECT never flushed
    await stopped;
    assert.deepEqual(c.ended, [true]);
    assert.equal(clock.pending.length, 0, 'no timer left behind');
  });
});
