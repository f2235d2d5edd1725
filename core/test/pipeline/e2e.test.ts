import { createMessage, encodeMessage, resultId, silentLogger, type Result } from '@prophasis/protocol';
import type { MqttClient } from 'mqtt';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgentRegistry } from '../../src/enrolment/cli/host-add.js';
import { hostAdd } from '../../src/enrolment/host-add.js';
import { createClassificationEngine, readClassificationConfig, type ClassificationEngine } from '../../src/classification/index.js';
import { createEnrolmentResponder } from '../../src/enrolment/responder.js';
import { createSequelizeRegistryStore } from '../../src/enrolment/sequelize-store.js';
import { createPipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { TRANSPORT_DEFAULTS } from '../../src/transport/config.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { createTransport, type Transport } from '../../src/transport/transport.js';
import { enrol } from '../transport/helpers.js';
import { config, connectAgent, countingSink, dialects, openDb, seeder, within, type TestDb } from './helpers.js';

const T0 = 1_700_000_000_000;
const CPU = `
  local peak = arrayMax(values)
  if peak > 90 then return "major" end
  if peak > params.warn then return "minor" end
  return "ok"`;
// A fixed port of this suite's range (19700-19799): the agent must find the restarted core again.
const PORTS = { sqlite: 19731, postgres: 19732 };

for (const dialect of dialects()) {
  describe(`result pipeline end to end over TLS (${dialect})`, function () {
    this.timeout(30_000);
    let t: TestDb;
    let dir: string;
    let transport: Transport;
    let pipeline: Pipeline;
    let sink: ReturnType<typeof countingSink>;
    let engine: ClassificationEngine;
    let agent: MqttClient;
    let agentId: string;
    let checkId = 0;
    const systemLog = memorySystemLog();
    let seq = 0;

    async function startCore(): Promise<void> {
      const logger = silentLogger();
      const registry = await openAgentRegistry({ dataDir: dir }, { store: createSequelizeRegistryStore(t.db), logger, systemLog });
      transport = createTransport(
        {
          ...TRANSPORT_DEFAULTS,
          dataDir: dir,
          mqttUrl: '',
          mqttPort: PORTS[dialect],
          mqttHost: '127.0.0.1',
          pkiHostnames: ['localhost'],
          pkiIps: ['127.0.0.1'],
          broker: { persistenceDir: join(dir, 'sessions') },
        },
        { logger, systemLog, authenticator: registry, enrolment: createEnrolmentResponder({ registry, logger, systemLog }) },
      );
      pipeline = createPipeline(config({ batchMaxMs: 10, recomputeMs: 3_600_000, noDataSweepMs: 3_600_000 }), {
        db: t.db,
        sink,
        transport,
        classifier: engine,
        systemLog,
        logger,
      });
      // The wiring main.ts does (docs/pipeline.md).
      transport.onResult((id, message) => pipeline.ingest.handle(id, message));
      transport.onResult((id, message) => pipeline.dispatcher.handleRes(id, message));
      transport.onState((id, message) => pipeline.dispatcher.handleState(id, message));
      await transport.start();
      await pipeline.start();
    }
    async function stopCore(): Promise<void> {
      await pipeline.stop();
      await transport.stop();
    }

    // One minutely slot after another, the id derived as the agent does (the core checks it).
    const result = (): Result => {
      const slot = T0 + ++seq * 60_000;
      return {
        id: resultId(agentId, { entryKey: `${checkId}:io.prophasis.cpu`, slot }),
        checkId: String(checkId),
        pluginId: 'io.prophasis.cpu',
        version: '1.0.0',
        slot,
        measuredAt: Date.now(),
        durationMs: 1,
        value: seq,
        message: null,
        resultType: 'plugin',
      };
    };
    const publish = (...results: Result[]) => agent.publishAsync(`prophasis/v1/agents/${agentId}/res`, encodeMessage(createMessage('result', { results })), { qos: 1 });

    before(async () => {
      t = await openDb(dialect);
      dir = await mkdtemp(join(tmpdir(), 'prophasis-pl-e2e-'));
      sink = countingSink(t.resultStore);
      engine = createClassificationEngine(readClassificationConfig({}), { logger: silentLogger() });
      await engine.start();
      await startCore();
      const registry = await openAgentRegistry({ dataDir: dir }, { store: createSequelizeRegistryStore(t.db), logger: silentLogger(), systemLog });
      const printed = await hostAdd({ registry, caFingerprint: transport.caFingerprint, httpPort: 8080, mqttPort: transport.mqttPort }, { name: 'e2e', server: '127.0.0.1' });
      const accepted = await enrol(transport.mqttPort, printed.token, transport.caFingerprint);
      agentId = accepted.agentId!;
      const host = (await t.db.models.Host.findOne({ where: { agentId } }))!;
      const s = seeder(t.db);
      const { plugin } = await s.plugin('io.prophasis.cpu', { classifier: CPU, history: 3 });
      const check = await s.check('cpu', { hosts: [host.id], plugins: [{ id: plugin.id, params: { warn: 75 } }] });
      await s.schedule('minutely', [check.id], [{ start: T0, everyMs: 60_000 }]);
      checkId = check.id;
      await pipeline.dispatcher.recompute();
      agent = await connectAgent(`mqtts://127.0.0.1:${transport.mqttPort}`, {
        clientId: agentId,
        username: agentId,
        password: accepted.secret!,
        clean: false,
        ca: await readFile(join(dir, 'pki', 'ca.crt'), 'utf8'),
        reconnectPeriod: 100, // like the agent: reconnect and resend unacknowledged QoS 1 publishes
      });
    });
    after(async () => {
      await agent?.endAsync();
      await stopCore().catch(() => {});
      await engine?.stop();
      await t?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('sends config.set, the bundle and then the plan to a connecting agent, in that order on the wire', async () => {
      const received: string[] = [];
      const three = new Promise<void>((resolve) => {
        agent.on('message', (_topic, payload) => {
          received.push((JSON.parse(payload.toString()) as { type: string }).type);
          if (received.length === 3) resolve();
        });
      });
      await agent.subscribeAsync(`prophasis/v1/agents/${agentId}/cmd`, { qos: 1 });
      await agent.publishAsync(`prophasis/v1/agents/${agentId}/state`, encodeMessage(createMessage('state', { status: 'online', bundles: [] })), { qos: 1, retain: true });
      await within('three commands', three);
      assert.deepEqual(received, ['config.set', 'bundle.install', 'plan.set']);
    });

    it('acknowledges a result only after it is stored: a failing database withholds the PUBACK', async () => {
      const r = result();
      sink.state.failing = true;
      const calls = sink.state.calls;
      let acknowledged = false;
      const puback = publish(r).then(() => (acknowledged = true));
      await within('the failed insert', (async () => {
        while (sink.state.calls === calls) await new Promise((resolve) => setTimeout(resolve, 5));
      })());
      assert.equal(acknowledged, false);
      assert.equal(await t.db.models.Result.count({ where: { resultId: r.id } }), 0);
      sink.state.failing = false;
      await within('the PUBACK after the resend', puback, 10_000);
      const row = await t.db.models.Result.findOne({ where: { resultId: r.id } });
      assert.equal(row?.severity, 'ok', 'classified by the Lua classifier (value 1)');
    });

    it('loses and duplicates nothing when the core restarts mid-stream', async () => {
      const N = 400;
      const sent: string[] = [];
      const acks: Promise<unknown>[] = [];
      let restart: Promise<void> | undefined;
      for (let m = 0; m < N / 10; m++) {
        const batch = Array.from({ length: 10 }, () => result());
        sent.push(...batch.map((r) => r.id));
        acks.push(publish(...batch));
        if (m === 10) {
          await acks[acks.length - 1];
          restart = stopCore().then(startCore);
        }
      }
      await within('the restart', restart!, 15_000);
      await within('every PUBACK', Promise.all(acks), 15_000);
      const stored = await t.db.models.Result.findAll({ where: { resultId: sent }, attributes: ['resultId'] });
      assert.equal(stored.length, N);
      assert.equal(new Set(stored.map((r) => r.resultId)).size, N);
      const last = await t.db.models.Result.findOne({ where: { resultId: sent[N - 1] } });
      assert.equal(last?.severity, 'major', 'the Lua classifier saw the last 3 values (> 90)');
    });
  });
}
