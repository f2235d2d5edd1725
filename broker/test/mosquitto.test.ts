import { cmdTopic, resTopic } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { generateSecret } from '../src/index.js';
import { connectAgent, endAll, startTestBroker, subscribeGranted, type TestBroker } from './helpers.js';

const MOSQUITTO_SUB = '/usr/bin/mosquitto_sub';
const MOSQUITTO_PUB = '/usr/bin/mosquitto_pub';

interface Run {
  code: number | null;
  output: string;
}

/** Runs a Debian mosquitto client, killed after `killAfterMs` at the latest. */
function run(bin: string, args: string[], killAfterMs = 8000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const describeIfMosquitto = existsSync(MOSQUITTO_SUB) && existsSync(MOSQUITTO_PUB) ? describe : describe.skip; // skipped only where Debian's mosquitto-clients is not installed

describeIfMosquitto('attacks from Debian mosquitto clients (TLS)', () => {
  let tb: TestBroker;
  let dir: string;
  let caFile: string;
  let b: MqttClient;
  let secretA: string;
  const coreSaw: string[] = [];

  const common = (id: string, username: string, password: string) => ['-h', '127.0.0.1', '-p', String(tb.port), '--cafile', caFile, '-i', id, '-u', username, '-P', password, '-V', 'mqttv311', '-d'];

  beforeEach(async () => {
    tb = await startTestBroker({ offenceLimit: 3 });
    dir = await mkdtemp(join(tmpdir(), 'prophasis-mosquitto-'));
    caFile = join(dir, 'ca.pem');
    await writeFile(caFile, tb.pki.caCertPem);
    coreSaw.length = 0;
    await tb.broker.subscribe('prophasis/v1/agents/+/res', async (t, p) => void coreSaw.push(`${t} ${p.toString()}`));
    secretA = tb.auth.addAgent('agent-a');
    b = await connectAgent(tb, 'agent-b');
    await subscribeGranted(b, [cmdTopic('agent-b')]);
  });
  afterEach(async () => {
    await endAll(b);
    await tb.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function assertBUnaffected(): Promise<void> {
    const got = new Promise<string>((resolve) => b.once('message', (_t, p) => resolve(p.toString())));
    await tb.broker.publish(cmdTopic('agent-b'), Buffer.from('still-here'), { qos: 1 });
    assert.equal(await got, 'still-here');
  }

  it('a wrong password gets CONNACK 4 (bad username or password)', async () => {
    const r = await run(MOSQUITTO_PUB, [...common('agent-a', 'agent-a', generateSecret()), '-t', resTopic('agent-a'), '-m', 'x', '-q', '1']);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /CONNACK \(4\)|bad user name or password/i);
    assert.ok(tb.events.some((e) => e.kind === 'auth_failed' && e.clientId === 'agent-a'));
    await assertBUnaffected();
  });

  it('a client id that differs from the username gets CONNACK 2 (identifier rejected)', async () => {
    const r = await run(MOSQUITTO_PUB, [...common('intruder', 'agent-a', secretA), '-t', resTopic('agent-a'), '-m', 'x', '-q', '1']);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /CONNACK \(2\)|identifier rejected/i);
    await assertBUnaffected();
  });

  it("subscribing to B's cmd, '#' and '$SYS/#' is denied in the SUBACK", async () => {
    // Two denials per connection stay below the offence limit (3), so the SUBACK arrives.
    const r1 = await run(MOSQUITTO_SUB, [...common('agent-a', 'agent-a', secretA), '-t', cmdTopic('agent-b'), '-t', '#', '-q', '1', '-E', '-W', '3']);
    assert.match(r1.output, /received SUBACK/);
    assert.match(r1.output, /Subscribed \(mid: \d+\): 128, 128|All subscription requests were denied/);
    const r2 = await run(MOSQUITTO_SUB, [...common('agent-a', 'agent-a', secretA), '-t', '$SYS/#', '-q', '1', '-E', '-W', '3']);
    assert.match(r2.output, /Subscribed \(mid: \d+\): 128|All subscription requests were denied/);
    assert.deepEqual(
      tb.events.filter((e) => e.kind === 'subscribe_denied' && e.agentId === 'agent-a').map((e) => e.topic),
      [cmdTopic('agent-b'), '#', '$SYS/#'],
    );
    await assertBUnaffected();
  });

  it('three denied subscriptions in one SUBSCRIBE reach the offence limit and disconnect', async () => {
    const r = await run(MOSQUITTO_SUB, [...common('agent-a', 'agent-a', secretA), '-t', cmdTopic('agent-b'), '-t', '#', '-t', '$SYS/#', '-q', '1', '-E', '-W', '3']);
    assert.doesNotMatch(r.output, /received SUBACK/);
    assert.match(r.output, /connection was lost|unexpected eof/i);
    assert.ok(tb.events.some((e) => e.kind === 'offence_limit' && e.agentId === 'agent-a'));
    await assertBUnaffected();
  });

  it("publishing to B's res is dropped and logged; repeated offences disconnect", async () => {
    const r = await run(MOSQUITTO_PUB, [...common('agent-a', 'agent-a', secretA), '-t', resTopic('agent-b'), '-m', 'forged', '-q', '1', '--repeat', '4', '--repeat-delay', '0']);
    assert.ok(!coreSaw.some((l) => l.includes('forged')), 'the core never sees the forged result');
    assert.ok(tb.events.filter((e) => e.kind === 'publish_denied' && e.agentId === 'agent-a').length >= 1);
    assert.ok(tb.events.some((e) => e.kind === 'offence_limit' && e.agentId === 'agent-a'), r.output);
    await assertBUnaffected();
  });

  it('the right agent with its own topic gets through (control)', async () => {
    const r = await run(MOSQUITTO_PUB, [...common('agent-a', 'agent-a', secretA), '-t', resTopic('agent-a'), '-m', 'genuine', '-q', '1']);
    assert.equal(r.code, 0, r.output);
    assert.ok(coreSaw.includes(`${resTopic('agent-a')} genuine`));
  });
});
