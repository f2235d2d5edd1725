import type { CoreEvent } from '../../src/kernel/index.js';
import assert from 'node:assert/strict';
import { silentLogger, type Severity } from '@prophasis/protocol';
import { createServiceMonitor, loadHostHealths, loadServiceDefinitions, SERVICES_DEFAULTS, type ServiceMonitor } from '../../src/services/index.js';
import type { Database } from '../../src/db/index.js';
import { seed, testDialects } from '../alerting/db.js';

for (const dialect of testDialects()) {
  describe(`services: health over the database (${dialect.name})`, function () {
    let db: Database;
    let cleanup: () => Promise<void>;
    let ids: Awaited<ReturnType<typeof seed>>;
    let events: CoreEvent[];
    let monitor: ServiceMonitor;
    let websiteId: number;

    async function setState(host: string, severity: Severity, plugin = 'cpu') {
      await db.models.CurrentState.destroy({ where: { hostId: ids.host[host]!, pluginId: ids.plugin[plugin]! } });
      await db.models.CurrentState.create({ hostId: ids.host[host]!, pluginId: ids.plugin[plugin]!, severity, since: Date.now() });
    }
    const hostTransition = (host: string, from: Severity, to: Severity, late = false) => ({ hostId: ids.host[host]!, serviceId: null, pluginId: null, from, to, at: 1000, late });
    const serviceRows = async () =>
      (await db.models.StateTransition.findAll({ where: { serviceId: websiteId }, order: [['id', 'ASC']] })).map((t) => [t.fromState, t.toState, Boolean(t.late)]);

    beforeEach(async () => {
      ({ db, cleanup } = await dialect.open());
      // The original design's Website: a router dependency and a redundancy group of web
      // servers, given as a group "web" whose web2 sits in a nested group.
      ids = await seed(db, {
        hosts: ['router', 'web1', 'web2', 'lonely'],
        groups: { web: { hosts: ['web1'], groups: ['web-b'] }, 'web-b': { hosts: ['web2'] } },
        plugins: ['cpu', 'disk'],
      });
      const website = await db.models.Service.create({ name: 'Website' });
      websiteId = website.id;
      await db.models.ServiceDependency.create({ serviceId: websiteId, hostId: ids.host.router! });
      const rg = await db.models.RedundancyGroup.create({ serviceId: websiteId, name: 'web servers' });
      await db.models.RedundancyGroupMember.create({ redundancyGroupId: rg.id, groupId: ids.group.web! });
      await db.models.Service.create({ name: 'Empty' });
      for (const h of ['router', 'web1', 'web2']) await setState(h, 'ok');
      events = [];
      monitor = createServiceMonitor(SERVICES_DEFAULTS, { db, logger: silentLogger(), events: { publish: (e) => events.push(e) } });
    });
    afterEach(async () => {
      await monitor.stop();
      await cleanup();
    });

    it('expands groups, nested members included, in the service definitions', async () => {
      const defs = await loadServiceDefinitions(db);
      const site = defs.find((d) => d.name === 'Website')!;
      assert.deepEqual(site.dependencies, [{ name: 'router', hostIds: [ids.host.router] }]);
      assert.equal(site.redundancyGroups[0]!.name, 'web servers');
      assert.deepEqual([...site.redundancyGroups[0]!.hostIds].sort(), [ids.host.web1, ids.host.web2].sort());
    });

    it('computes host health for many hosts at once: worst plugin, unreachable → major, nothing → no_data', async () => {
      await setState('web1', 'minor', 'disk');
      await db.models.Host.update({ unreachableSince: Date.now() }, { where: { id: ids.host.web2! } });
      const all = await loadHostHealths(db);
      assert.equal(all.get(ids.host.router!), 'ok');
      assert.equal(all.get(ids.host.web1!), 'minor');
      assert.equal(all.get(ids.host.web2!), 'major');
      assert.equal(all.get(ids.host.lonely!), 'no_data');
      const some = await loadHostHealths(db, [ids.host.web1!, 999]);
      assert.deepEqual([...some.entries()], [[ids.host.web1, 'minor']]);
    });

    it('Website: all up → ok; router down → critical; one web server down → degraded; recorded as transitions with events', async () => {
      await monitor.start();
      assert.deepEqual(await serviceRows(), [['no_data', 'ok', false]]);
      const health = await monitor.health();
      assert.deepEqual(
        health.map((h) => [h.name, h.severity]),
        [
          ['Website', 'ok'],
          ['Empty', 'no_data'],
        ],
      );
      assert.deepEqual(health[0]!.parts, [
        { kind: 'dependency', name: 'router', severity: 'ok' },
        { kind: 'redundancy', name: 'web servers', severity: 'ok' },
      ]);

      await setState('router', 'major');
      await monitor.handleTransitions([hostTransition('router', 'ok', 'major')]);
      await setState('router', 'ok');
      await setState('web2', 'major');
      await monitor.handleTransitions([hostTransition('router', 'major', 'ok'), hostTransition('web2', 'ok', 'major', true)]);
      assert.deepEqual(await serviceRows(), [
        ['no_data', 'ok', false],
        ['ok', 'critical', false],
        ['critical', 'degraded', true],
      ]);
      const changes = events.flatMap((e) => (e.type === 'state.changed' ? [[e.transition.serviceId, e.transition.from, e.transition.to, e.transition.at]] : []));
      assert.deepEqual(changes, [
        [websiteId, 'no_data', 'ok', changes[0]![3]],
        [websiteId, 'ok', 'critical', 1000],
        [websiteId, 'critical', 'degraded', 1000],
      ]);
    });

    it('an unreachable web server (presence) degrades the service; every web server unreachable makes it critical', async () => {
      await monitor.start();
      await db.models.Host.update({ unreachableSince: Date.now() }, { where: { id: ids.host.web1! } });
      await monitor.handlePresence({ hostId: String(ids.host.web1), at: 2000 });
      await db.models.Host.update({ unreachableSince: Date.now() }, { where: { id: ids.host.web2! } });
      await monitor.handlePresence({ hostId: String(ids.host.web2), at: 3000 });
      assert.deepEqual((await serviceRows()).map((r) => r[1]), ['ok', 'degraded', 'critical']);
    });

    it('a transition of a host in no service recomputes nothing; an unchanged severity records nothing', async () => {
      await monitor.start();
      await setState('lonely', 'major');
      await monitor.handleTransitions([hostTransition('lonely', 'ok', 'major')]);
      await setState('web1', 'degraded', 'disk');
      await setState('web1', 'ok', 'disk');
      await monitor.handleTransitions([hostTransition('web1', 'ok', 'ok')]);
      assert.equal((await serviceRows()).length, 1);
    });

    it('after a restart continues from the last recorded severity (no duplicate transition)', async () => {
      await monitor.start();
      await monitor.stop();
      monitor = createServiceMonitor(SERVICES_DEFAULTS, { db, logger: silentLogger() });
      await monitor.start();
      assert.equal((await serviceRows()).length, 1);
      await setState('router', 'minor');
      await monitor.recomputeAll();
      assert.deepEqual((await serviceRows()).map((r) => r[1]), ['ok', 'critical']);
    });

    it('a burst of requests is merged: every caller resolves after its hosts were considered', async () => {
      await monitor.start();
      await setState('web1', 'major');
      await setState('web2', 'major');
      await Promise.all([monitor.handleTransitions([hostTransition('web1', 'ok', 'major')]), monitor.handleTransitions([hostTransition('web2', 'ok', 'major')]), monitor.recomputeAll()]);
      assert.equal((await serviceRows()).at(-1)![1], 'critical');
    });
  });
}
