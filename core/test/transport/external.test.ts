import { createMessage, encodeMessage, silentLogger, type CmdMessage, type ResMessage, type StateMessage } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryRegistryStore } from '../../src/enrolment/memory-store.js';
import { createAgentRegistry } from '../../src/enrolment/registry.js';
import { createEnrolmentResponder } from '../../src/enrolment/responder.js';
import { createSecretHasher } from '@prophasis/broker';
import { TRANSPORT_DEFAULTS } from '../../src/transport/config.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { createTransport, type Transport } from '../../src/transport/transport.js';
import { connectClient, inbox, randomId, within } from './helpers.js';

// The Mosquitto every developer machine and CI runs on 127.0.0.1:1883 (anonymous). Parallel
// runs share it, so every run uses its own core client id and agent id, and ignores traffic
// of other agents.
const MOSQUITTO = process.env.PROPHASIS_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

describe('core transport, external broker (Mosquitto)', function () {
  const agentId = randomId('a-ext');
  const coreClientId = randomId('prophasis-core-test-');
  let dir: string;
  let transport: Transport;
  const systemLog = memorySystemLog();
  const results = inbox<ResMessage>();
  const states = inbox<StateMessage>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-tr-ext-'));
    const logger = silentLogger();
    const registry = createAgentRegistry({ store: createMemoryRegistryStore(), hasher: createSecretHasher(Buffer.alloc(32, 7)), logger, systemLog });
    transport = createTransport(
      { ...TRANSPORT_DEFAULTS, dataDir: dir, mqttUrl: MOSQUITTO, mqttPort: 0, mqttHost: '127.0.0.1', mqttClientId: coreClientId },
      { logger, systemLog, authenticator: registry, enrolment: createEnrolmentResponder({ registry, logger, systemLog }) },
    );
    transport.onResult(async (id, message) => {
      if (id === agentId) results.push(message);
    });
    transport.onState(async (id, message) => {
      if (id === agentId) states.push(message);
    });
    await transport.start();
  });

  after(async () => {
    await transport?.stop();
    // Forget the core's persistent session on the shared broker.
    const cleaner = await connectClient(MOSQUITTO, { clientId: coreClientId, clean: true });
    await cleaner.endAsync();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports the external port and no embedded CA', () => {
    assert.equal(transport.mqttPort, Number(new URL(MOSQUITTO).port || 1883));
    assert.equal(transport.caFingerprint, '');
  });

  it('receives a state and a result from an MQTT.js agent and delivers a command to it', async () => {
    const agent = await connectClient(MOSQUITTO, { clientId: agentId, clean: true });
    try {
      const command = new Promise<Buffer>((resolve) => agent.once('message', (_t, payload) => resolve(payload)));
      await agent.subscribeAsync(`prophasis/v1/agents/${agentId}/cmd`, { qos: 1 });

      await agent.publishAsync(`prophasis/v1/agents/${agentId}/state`, encodeMessage(createMessage('state', { status: 'online', hostname: 'ext-1' })), { qos: 1 });
      const state = await states.next('state via Mosquitto');
      assert.deepEqual([state.body.status, state.body.hostname], ['online', 'ext-1']);

      await agent.publishAsync(`prophasis/v1/agents/${agentId}/res`, Buffer.from('not json'), { qos: 1 });
      const sent = createMessage('agent.report', { missedSlots: 0, outboxDropped: 0, outboxDepth: 3, lastError: null });
      await agent.publishAsync(`prophasis/v1/agents/${agentId}/res`, encodeMessage(sent), { qos: 1 });
      const received = await results.next('result via Mosquitto');
      assert.deepEqual([received.type, received.id], ['agent.report', sent.id]);
      assert.ok(systemLog.entries.some((e) => e.context.publisher === agentId && e.context.code === 'PROTO_MALFORMED_JSON'));

      const cmd = createMessage('check.run', {
        requestId: 'req-1',
        checkId: null,
        pluginId: 'io.prophasis.cpu-load',
        version: '1.0.0',
        sha256: 'a'.repeat(64),
        params: {},
        capabilities: ['os.info'],
      }) as CmdMessage;
      await transport.publishCommand(agentId, cmd);
      const got = JSON.parse((await within('command via Mosquitto', command)).toString('utf8')) as { id: string; type: string };
      assert.deepEqual([got.type, got.id], ['check.run', cmd.id]);
    } finally {
      await agent.endAsync();
    }
  });

  it('refuses to start against a broker that does not answer, with a stable code', async () => {
    const dead = createTransport(
      { ...TRANSPORT_DEFAULTS, dataDir: dir, mqttUrl: 'mqtt://127.0.0.1:1', mqttPort: 0, mqttHost: '127.0.0.1', mqttClientId: randomId('dead-') },
      {
        logger: silentLogger(),
        systemLog,
        authenticator: { authenticate: async () => ({ ok: false, reason: 'not_authorized', message: 'unused' }) },
        enrolment: { handle: async () => undefined },
      },
    );
    await assert.rejects(dead.start(), { code: 'CORE_TRANSPORT_CONNECT_FAILED' });
    await assert.rejects(dead.publishCommand(agentId, createMessage('config.set', {}) as CmdMessage), { code: 'CORE_TRANSPORT_NOT_STARTED' });
  });
});
