import { createMessage, encodeMessage, silentLogger, type ResMessage } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { partitionOf } from '../../src/cluster/index.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { TRANSPORT_DEFAULTS } from '../../src/transport/config.js';
import { createTransport, type Transport } from '../../src/transport/transport.js';
import { connectClient, randomId } from '../transport/helpers.js';
import { until } from './helpers.js';

// The Mosquitto on 127.0.0.1:1883 (anonymous), as core/test/transport/external.test.ts.
const MOSQUITTO = process.env.PROPHASIS_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const PARTITIONS = 2;

/** Two agent ids per partition, found by hashing. */
function agentsByPartition(): string[][] {
  const out: string[][] = Array.from({ length: PARTITIONS }, () => []);
  for (let i = 0; out.some((a) => a.length < 2); i++) {
    const id = randomId(`a${i}-`);
    const p = partitionOf(id, PARTITIONS);
    if (out[p]!.length < 2) out[p]!.push(id);
  }
  return out;
}

describe('several cores: one broker session per partition, handed over between cores (Mosquitto)', function () {
  this.timeout(60_000);
  const prefix = randomId('pc-');
  const byPartition = agentsByPartition();
  const enrolledLater = new Set<string>();
  let dir: string;
  const transports: Transport[] = [];
  const clients: MqttClient[] = [];
  const received = new Map<string, { core: string; agent: string; n: number }[]>();
  /** While set, core-a's handler never finishes: it "dies" holding unacknowledged messages. */
  let aHangs = false;

  async function core(coreId: string, known: () => string[][]) {
    const systemLog = memorySystemLog();
    const t = createTransport(
      { ...TRANSPORT_DEFAULTS, dataDir: dir, mqttUrl: MOSQUITTO, mqttPort: 0, mqttHost: '127.0.0.1', mqttClientId: prefix },
      {
        logger: silentLogger(),
        systemLog,
        authenticator: { authenticate: async () => ({ ok: false, reason: 'not_authorized', message: 'unused' }) },
        enrolment: { handle: async () => undefined },
        cluster: { coreId, partitionOf: (a) => partitionOf(a, PARTITIONS), agentsOf: async (p) => known()[p]!.filter((a) => !a.startsWith('late-') || enrolledLater.has(a)) },
      },
    );
    t.onResult(async (agent, message: ResMessage) => {
      if (coreId === 'core-a' && aHangs) return new Promise<void>(() => {});
      const n = (message.body as { outboxDepth: number }).outboxDepth;
      const list = received.get(agent) ?? [];
      list.push({ core: coreId, agent, n });
      received.set(agent, list);
    });
    await t.start();
    transports.push(t);
    return t;
  }

  async function agent(id: string): Promise<MqttClient> {
    const c = await connectClient(MOSQUITTO, { clientId: id, clean: true });
    clients.push(c);
    return c;
  }
  const publish = (c: MqttClient, id: string, n: number) =>
    c.publishAsync(`prophasis/v1/agents/${id}/res`, encodeMessage(createMessage('agent.report', { missedSlots: 0, outboxDropped: 0, outboxDepth: n, lastError: null })), { qos: 1 });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-cluster-tr-'));
  });

  after(async () => {
    for (const c of clients) await c.endAsync().catch(() => {});
    for (const t of transports) await t.stop().catch(() => {});
    // Forget the partitions' persistent sessions on the shared broker.
    for (const id of [`${prefix}-p0`, `${prefix}-p1`, `${prefix}-enrol`]) {
      const cleaner = await connectClient(MOSQUITTO, { clientId: id, clean: true });
      await cleaner.endAsync();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a partition’s messages reach only its owner, in order; what the dying owner did not acknowledge, and what arrived meanwhile, reach the next owner', async () => {
    const late = `late-${randomId('x')}`;
    const lateP = partitionOf(late, PARTITIONS);
    const known = () => byPartition.map((list, p) => (p === lateP ? [...list, late] : list));
    const a = await core('core-a', known);
    const b = await core('core-b', known);
    await a.serveLease('p:0');
    await b.serveLease('p:1');
    await a.serveLease('duty:housekeeping'); // not an MQTT lease: nothing happens
    const [x, y] = byPartition[0]!;
    const z = byPartition[1]![0]!;
    const ax = await agent(x!);
    const ay = await agent(y!);
    const az = await agent(z);
    for (let n = 1; n <= 5; n++) {
      await publish(ax, x!, n);
      await publish(az, z, n);
    }
    await until('first results', () => (received.get(x!)?.length ?? 0) === 5 && (received.get(z)?.length ?? 0) === 5);
    assert.ok(received.get(x!)!.every((r) => r.core === 'core-a'), 'p:0 only on core-a');
    assert.ok(received.get(z)!.every((r) => r.core === 'core-b'), 'p:1 only on core-b');

    aHangs = true;
    for (let n = 6; n <= 10; n++) await publish(ax, x!, n); // core-a takes them, never acknowledges
    await new Promise((r) => setTimeout(r, 300));
    await a.leaveLease('p:0'); // the fence: core-a gives up the partition
    for (let n = 11; n <= 15; n++) await publish(ax, x!, n); // nobody serves p:0: the session queues them
    await publish(ay, y!, 1);
    await b.serveLease('p:0');
    await until('core-b got the rest', () => (received.get(x!)?.length ?? 0) >= 15 && (received.get(y!)?.length ?? 0) === 1);
    const xs = received.get(x!)!;
    assert.deepEqual(xs.map((r) => r.n), Array.from({ length: 15 }, (_, i) => i + 1), 'nothing lost, nothing twice, in order');
    assert.deepEqual(xs.slice(5).map((r) => r.core), Array(10).fill('core-b'));

    // An agent enrolled after the partition was taken: subscribed once the owner hears of it.
    enrolledLater.add(late);
    await b.agentsChanged(); // core-b serves both partitions now
    const al = await agent(late);
    await publish(al, late, 1);
    await until('the late agent’s result', () => (received.get(late)?.length ?? 0) === 1);
  });

  it('serves a partition that has no agents yet, and subscribes its first agent when told', async () => {
    let agents: string[] = [];
    const c = await core('core-c', () => [agents, agents]);
    await c.serveLease('p:1'); // used to fail: an empty SUBSCRIBE is a protocol error
    const z = byPartition[1]![1]!;
    agents = [z];
    await c.agentsChanged();
    const az = await agent(z);
    await publish(az, z, 1);
    await until('the first agent’s result', () => (received.get(z) ?? []).some((r) => r.core === 'core-c'));
    await c.leaveLease('p:1');
  });
});
