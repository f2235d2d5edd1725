import { generatePublisherKeys, silentLogger } from '@prophasis/protocol';
import { signedTestBundle, testManifest } from '@prophasis/protocol/testing';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostAdd } from '../../src/enrolment/host-add.js';
import { readCoreConfig } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';
import { createFileTrustStore, loadOrCreateSiteKey, trustDirectory } from '../../src/plugins/index.js';
import { startAgent, waitFor, type AgentProcess } from '../system/agent-process.js';

const ACTOR = { name: 'device-test' };
const PLUGIN = 'com.example.device-port';

/**
 * A collector checks a device, nothing stubbed: the real core (embedded broker over TLS), a real
 * enrolled `prophasis-agent` process as the collector, and a device whose address is 127.0.0.1,
 * where the test listens on a TCP port. The check names only the port: the agent fills the
 * plugin's `host` with the device's address and gives the sandbox the target; the results are
 * stored as the device's, none as the collector's.
 */
describe('a collector checks a device over TLS (system)', function () {
  this.timeout(90_000);
  const publisher = generatePublisherKeys();
  let dir: string;
  let core: Core | undefined;
  let agent: AgentProcess | undefined;
  let server: Server;
  let port = 0;
  let connections = 0;
  const ids = { collector: 0, device: 0, plugin: 0 };
  const agentOutput = () => `agent output: ${agent?.output().slice(-3000) ?? '(none)'}`;

  before(async () => {
    server = createServer((socket) => {
      connections++;
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;

    dir = mkdtempSync(join(tmpdir(), 'prophasis-device-system-'));
    const dataDir = join(dir, 'core');
    const logger = silentLogger();
    const siteKey = loadOrCreateSiteKey(dataDir, { logger });
    const trust = createFileTrustStore({ dir: trustDirectory(dataDir), siteKey: siteKey.privateKey }, { logger });
    await trust.add({ name: 'device tests', publicKeyPem: publisher.publicKey.export({ format: 'pem', type: 'spki' }).toString() }, 'device-test');
    core = await startCore(
      readCoreConfig({ PROPHASIS_DATA_DIR: dataDir }, { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' }),
      logger,
    );
    const added = await hostAdd(
      { registry: core.registry, caFingerprint: core.transport.caFingerprint, httpPort: core.httpPort, mqttPort: core.transport.mqttPort },
      { name: 'collector', server: '127.0.0.1' },
    );
    const collector = await core.db.models.Host.findOne({ where: { name: 'collector' } });
    assert.ok(collector);
    ids.collector = collector.id;
    const env = { PROPHASIS_DATA_DIR: join(dir, 'agent'), PROPHASIS_LOG_LEVEL: 'info' };
    const enrol = startAgent(['enroll', '--server', `127.0.0.1:${core.transport.mqttPort}`, '--ca-fingerprint', core.transport.caFingerprint], { ...env, PROPHASIS_ENROL_TOKEN: added.token });
    assert.equal(await enrol.exited(30_000), 0, `enroll failed: ${enrol.output()}`);
    agent = startAgent(['run'], env);
    await waitFor('the collector online', async () => (await collector.reload()).connectedSince != null, 30_000, agentOutput);

    // A TCP probe like tcp-port: `host` and `port` parameters; it reports the target it was given.
    const code = [
      'export async function measure(host, params) {',
      '  const target = host.target();',
      '  const r = await host.tcpConnect(params.host, params.port, { timeoutMs: 2000 });',
      "  if (!r.connected) return { resultType: 'connection_error', message: String(r.error) };",
      "  return { value: 1, message: `${params.host}:${params.port} open for ${target ? target.name + ' at ' + target.address : 'no target'}` };",
      '}',
      '',
    ].join('\n');
    const files = { 'plugin.js': Buffer.from(code), 'classifier.lua': Buffer.from('return "ok"\n'), 'README.md': Buffer.from('# device port\n') };
    const manifest = testManifest(files, {
      id: PLUGIN,
      name: 'Device port',
      readme: 'README.md',
      capabilities: ['net.connect:*:*'],
      parameters: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer' } } },
    });
    const uploaded = await core.plugins.upload(signedTestBundle(publisher, manifest, files), ACTOR);
    await core.plugins.approve(PLUGIN, '1.0.0', ['net.connect:*:*'], ACTOR);
    ids.plugin = uploaded.id;

    const device = await core.db.models.Host.create({ name: 'printer-lab', kind: 'device', address: '127.0.0.1', deviceType: 'printer', collectorId: ids.collector });
    ids.device = device.id;
    const check = await core.db.models.Check.create({ name: 'printer port' });
    await core.db.models.CheckHost.create({ checkId: check.id, hostId: device.id });
    await core.db.models.CheckPlugin.create({ checkId: check.id, pluginId: uploaded.id, params: { port }, classifierOverride: null });
    const schedule = await core.db.models.Schedule.create({ name: 'every second', enabled: true });
    await core.db.models.ScheduleInterval.create({ scheduleId: schedule.id, startAt: 0, everyMs: 1_000 });
    await core.db.models.ScheduleCheck.create({ scheduleId: schedule.id, checkId: check.id });
    await core.pipeline.dispatcher.recompute();
  });

  after(async () => {
    agent?.kill();
    await agent?.exited(10_000).catch(() => undefined);
    await core?.stop();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("stores the collector's measurement of the device as the device's result", async () => {
    const row = await waitFor(
      'a stored result of the device',
      () => core!.db.models.Result.findOne({ where: { hostId: ids.device, pluginId: ids.plugin, resultType: 'plugin' } }),
      30_000,
      agentOutput,
    );
    assert.equal(row.value, 1);
    assert.equal(row.message, `127.0.0.1:${port} open for printer-lab at 127.0.0.1`);
    assert.ok(connections > 0, 'the agent really connected to the device address');
    assert.equal(await core!.db.models.Result.count({ where: { hostId: ids.collector, pluginId: ids.plugin } }), 0, 'nothing stored as the collector');
    const state = await waitFor('the device state', () => core!.db.models.CurrentState.findOne({ where: { hostId: ids.device, pluginId: ids.plugin } }), 10_000);
    assert.equal(state.severity, 'ok');
  });
});
