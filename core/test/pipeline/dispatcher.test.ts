import { createMessage, silentLogger, type StateMessage } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { createDispatcher, type Dispatcher } from '../../src/scheduler/dispatcher.js';
import { databaseBundleSource } from '../../src/scheduler/bundle-source.js';
import { loadConfigRows } from '../../src/scheduler/load.js';
import { settingsRevisionStore } from '../../src/scheduler/revisions.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { config, dialects, openDb, recordingTransport, seeder, within, type TestDb } from './helpers.js';

const T0 = 1_700_000_000_000;
const KEY = { keyId: 'e'.repeat(64), publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(60)}\n-----END PUBLIC KEY-----\n`, name: 'site' };

const online = (planRevision?: number, bundles: string[] = []): StateMessage =>
  createMessage('state', { status: 'online', bundles, ...(planRevision !== undefined ? { planRevision } : {}) }) as StateMessage;

for (const dialect of dialects()) {
  describe(`dispatcher (${dialect})`, function () {
    let t: TestDb;
    let transport: ReturnType<typeof recordingTransport>;
    let systemLog: ReturnType<typeof memorySystemLog>;
    let dispatcher: Dispatcher;
    let trusted = [KEY];
    const ids = { h1: 0, h2: 0, checkA: 0, plugin: 0, unusable: 0 };

    const make = () =>
      createDispatcher(config({ recomputeMs: 3_600_000, recomputeDebounceMs: 10 }), {
        loadRows: () => loadConfigRows(t.db),
        transport,
        bundles: databaseBundleSource(t.db, { trustedPublishers: () => trusted }),
        revisions: settingsRevisionStore(t.db),
        logger: silentLogger(),
        systemLog,
      });

    before(async () => {
      t = await openDb(dialect);
      const s = seeder(t.db);
      const h1 = await s.host('d1');
      const h2 = await s.host('d2');
      await s.host('pending', null);
      const { plugin } = await s.plugin('io.prophasis.cpu');
      // requested capabilities not all approved: not usable
      const unusable = await t.db.models.Plugin.create({ pluginId: 'io.prophasis.half', name: 'half' });
      const v = await s.version(unusable.id, '1.0.0', { capabilities: ['os.info'] });
      await v.update({ requestedCapabilities: ['os.info', 'exec:/bin/sh'] });
      const checkA = await s.check('A', { hosts: [h1.id], plugins: [{ id: plugin.id, params: { n: 1 } }, { id: unusable.id }] });
      const checkB = await s.check('B', { hosts: [h2.id], plugins: [{ id: plugin.id }] });
      await s.schedule('minutely', [checkA.id, checkB.id], [{ start: T0, everyMs: 60_000 }]);
      Object.assign(ids, { h1: h1.id, h2: h2.id, checkA: checkA.id, plugin: plugin.id, unusable: unusable.id });
    });
    after(async () => {
      await dispatcher?.stop();
      await t?.cleanup();
    });

    it('publishes config.set, then the bundle, then plan.set to each enrolled agent on start', async () => {
      transport = recordingTransport();
      systemLog = memorySystemLog();
      dispatcher = make();
      await dispatcher.start();
      assert.deepEqual(transport.types('a-d1'), ['config.set', 'bundle.install', 'plan.set']);
      assert.deepEqual(transport.types('a-d2'), ['config.set', 'bundle.install', 'plan.set']);
      assert.equal(transport.sent.filter((s) => s.agentId.startsWith('a-pending')).length, 0);
      const [config1, bundle, plan] = transport.to('a-d1');
      assert.deepEqual(config1!.type === 'config.set' && config1!.body.trustedPublishers, [KEY]);
      assert.ok(plan!.type === 'plan.set' && bundle!.type === 'bundle.install');
      if (plan!.type !== 'plan.set' || bundle!.type !== 'bundle.install') return;
      assert.equal(plan!.body.revision, 1);
      assert.deepEqual(plan!.body.entries.map((e) => e.key), [`${ids.checkA}:io.prophasis.cpu`], 'the unusable plugin is left out');
      assert.equal(plan!.body.entries[0]!.sha256, bundle!.body.sha256);
      assert.match(Buffer.from(bundle!.body.bundle, 'base64').toString(), /^bundle /);
      const excluded = systemLog.entries.filter((e) => e.message === 'plugin left out of plans');
      assert.deepEqual(excluded.map((e) => e.context.pluginId), ['io.prophasis.half']);
    });

    it('sends a changed plan only to the affected agent, without the bundle it already has', async () => {
      transport.clear();
      await t.db.models.CheckPlugin.update({ params: { n: 2 } }, { where: { checkId: ids.checkA, pluginId: ids.plugin } });
      const report = await dispatcher.recompute();
      assert.deepEqual(report.changed, [ids.h1]);
      assert.deepEqual(transport.types('a-d1'), ['plan.set']);
      assert.deepEqual(transport.types('a-d2'), []);
      const plan = transport.to('a-d1')[0]!;
      assert.ok(plan.type === 'plan.set' && plan.body.revision === 2 && plan.body.entries[0]!.params.n === 2);
      // unchanged configuration: nothing at all, and the unusable plugin is not reported again
      transport.clear();
      assert.deepEqual((await dispatcher.recompute()).changed, []);
      assert.equal(transport.sent.length, 0);
      assert.equal(systemLog.entries.filter((e) => e.message === 'plugin left out of plans').length, 1);
    });

    it('recomputes after notifyConfigChanged (debounced) and sends config.set alone when only the trusted keys changed', async () => {
      transport.clear();
      trusted = [KEY, { ...KEY, keyId: 'f'.repeat(64), name: 'other' }];
      dispatcher.notifyConfigChanged();
      dispatcher.notifyConfigChanged();
      await within('config.set to both agents', (async () => {
        while (transport.sent.length < 2) await new Promise((r) => setTimeout(r, 5));
      })());
      assert.deepEqual(transport.types('a-d1'), ['config.set']);
      assert.deepEqual(transport.types('a-d2'), ['config.set']);
    });

    it('keeps revisions across a restart and resends to a reconnecting agent only what it lacks', async () => {
      await dispatcher.stop();
      transport = recordingTransport();
      dispatcher = make();
      await dispatcher.start();
      assert.equal(transport.sent.length, 0, 'unchanged plans are not sent again after a restart');

      // d2 reconnects with the current revision and its bundle: only config.set (new process)
      const d2Plan = (await t.db.models.Setting.findByPk(`plan:${ids.h2}`))!.value as { revision: number };
      const sha = (await t.db.models.PluginVersion.findOne({ where: { pluginId: ids.plugin } }))!.bundleSha256;
      await dispatcher.handleState('a-d2', online(d2Plan.revision, [sha]));
      assert.deepEqual(transport.types('a-d2'), ['config.set']);
      // d1 reconnects having lost everything: config, bundle, plan at the persisted revision 2
      await dispatcher.handleState('a-d1', online(undefined, []));
      assert.deepEqual(transport.types('a-d1'), ['config.set', 'bundle.install', 'plan.set']);
      const plan = transport.to('a-d1')[2]!;
      assert.ok(plan.type === 'plan.set' && plan.body.revision === 2);
    });

    it('runs a plugin now: bundle first when missing, then check.run with a request id', async () => {
      transport.clear();
      const requestId = await dispatcher.runNow(ids.h1, ids.checkA, 'io.prophasis.cpu');
      assert.deepEqual(transport.types('a-d1'), ['check.run'], 'd1 has the bundle since the previous test');
      const run = transport.to('a-d1')[0]!;
      assert.ok(run.type === 'check.run' && run.body.requestId === requestId && run.body.checkId === String(ids.checkA));
      assert.equal(dispatcher.runRequest(requestId)?.hostId, ids.h1);

      await dispatcher.handleRes('a-d1', createMessage('bundle.status', { pluginId: 'io.prophasis.cpu', version: '1.0.0', sha256: run.body.sha256, status: 'refused', reason: 'bad signature' }) as never);
      transport.clear();
      await dispatcher.runNow(ids.h1, null, 'io.prophasis.cpu');
      assert.deepEqual(transport.types('a-d1'), ['bundle.install', 'check.run'], 'a refused bundle is sent again before the run');

      await assert.rejects(dispatcher.runNow(ids.h1, ids.checkA, 'io.prophasis.none'), { code: 'CORE_DISPATCH_NOT_IN_PLAN' });
      await assert.rejects(dispatcher.runNow(ids.h1, null, 'io.prophasis.half'), { code: 'CORE_DISPATCH_PLUGIN_NOT_USABLE' });
      const pending = (await t.db.models.Host.findOne({ where: { name: 'pending' } }))!;
      await assert.rejects(dispatcher.runNow(pending.id, null, 'io.prophasis.cpu'), { code: 'CORE_DISPATCH_HOST_NOT_ENROLLED' });
      // still healthy
      assert.deepEqual((await dispatcher.recompute()).changed, []);
    });

    it('retries an agent whose publication failed on the next pass', async () => {
      await dispatcher.stop();
      let fail = true;
      transport = recordingTransport();
      const inner = transport.publishCommand;
      transport.publishCommand = async (agentId, message) => {
        if (fail) throw new Error('broker down');
        return inner(agentId, message);
      };
      dispatcher = make();
      await dispatcher.start();
      await t.db.models.CheckPlugin.update({ params: { n: 3 } }, { where: { checkId: ids.checkA, pluginId: ids.plugin } });
      assert.deepEqual((await dispatcher.recompute()).published, []);
      fail = false;
      const report = await dispatcher.recompute();
      assert.deepEqual(report.changed, []);
      assert.deepEqual(report.published, ['a-d1']);
      assert.ok(transport.types('a-d1').includes('plan.set'));
    });
  });
}
