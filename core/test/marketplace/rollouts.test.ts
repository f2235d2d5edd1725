// Staged rollouts as the console's page uses them (docs/marketplace.md, "Staged rollouts"):
// progress per rollout (stage hosts through nested groups, the plugin's state on each, the
// bundle the agents reported), abort (the stage goes back to the previous version) and promote,
// on the real API app and each database.
import { compareSemver } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { versionForHost } from '../../src/marketplace/index.js';
import { call } from '../api/helpers.js';
import { DIALECTS } from '../db/helpers.js';
import { signedBundle, upload } from '../plugins/helpers.js';
import { createMarketFixture, type MarketFixture } from './helpers.js';

const ID = 'com.acme.raid';

for (const dialect of DIALECTS) {
  describe(`marketplace: staged rollouts, progress and abort (${dialect})`, function () {
    this.timeout(120_000);
    let f: MarketFixture;
    let inner: number;
    let outer: number;
    const hosts: Record<string, number> = {};
    let newSha: string;

    before(async () => {
      f = await createMarketFixture(dialect, () => undefined);
      for (const version of ['1.0.0', '1.1.0']) {
        const res = await upload(f, signedBundle(f.siteKey, { id: ID, version, capabilities: ['os.info'] }));
        assert.ok(res.statusCode === 201 || res.statusCode === 200, res.body);
        const stored = res.json();
        if (!stored.usable) {
          const ok = await call(f, 'admin', 'POST', `/api/plugins/${stored.id}/versions/${version}/approve`, { capabilities: stored.requestedCapabilities });
          assert.equal(ok.statusCode, 200, ok.body);
        }
        if (version === '1.1.0') newSha = stored.sha256;
      }
      for (const name of ['canary-1', 'canary-2', 'web-1']) hosts[name] = (await call(f, 'admin', 'POST', '/api/hosts', { name })).json().id;
      inner = (await call(f, 'admin', 'POST', '/api/groups', { name: 'inner', hostIds: [hosts['canary-1']] })).json().id;
      outer = (await call(f, 'admin', 'POST', '/api/groups', { name: 'outer', hostIds: [hosts['canary-2']], groupIds: [inner] })).json().id;
      // canary-1's agent reported the new bundle and the plugin is major there.
      await f.db.models.Host.update({ bundles: [newSha] }, { where: { id: hosts['canary-1'] } });
      const row = (await f.db.models.Plugin.findOne({ where: { pluginId: ID } }))!.id;
      await f.db.models.CurrentState.create({ hostId: hosts['canary-1']!, pluginId: row, severity: 'major', since: 1_767_225_600_000 });
    });
    after(async () => f?.close());

    it('lists a rollout with its stage through nested groups, worst first, and what the agents reported', async () => {
      const before = Date.now();
      const res = await call(f, 'admin', 'PUT', `/api/marketplace/rollouts/${ID}`, { version: '1.1.0', groups: [outer] });
      assert.equal(res.statusCode, 200, res.body);
      const [item] = res.json().items;
      assert.equal(item.pluginId, ID);
      assert.deepEqual(item.groups, [outer]);
      assert.ok(item.startedAt >= before);
      assert.equal(item.abortedAt, null);
      assert.deepEqual(item.progress, {
        usable: true,
        hostsTotal: 3,
        stageTotal: 2,
        reportedTotal: 1,
        severities: { major: 1, no_data: 1 },
        stage: [
          { hostId: hosts['canary-1'], name: 'canary-1', severity: 'major', since: 1_767_225_600_000, reported: true },
          { hostId: hosts['canary-2'], name: 'canary-2', severity: 'no_data', since: null, reported: false },
        ],
      });
      const viewer = await call(f, 'viewer', 'GET', '/api/marketplace/rollouts');
      assert.equal(viewer.statusCode, 200);
      assert.equal(viewer.json().items[0].progress.stageTotal, 2);
    });

    it('aborts: the groups are emptied, so the stage runs the previous version and nobody the rolled-out one', async () => {
      assert.equal((await call(f, 'operator', 'POST', `/api/marketplace/rollouts/${ID}/abort`, {})).statusCode, 403);
      const missing = await call(f, 'admin', 'POST', '/api/marketplace/rollouts/com.acme.other/abort', {});
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'CORE_MARKET_ROLLOUT_NOT_FOUND');
      const res = await call(f, 'admin', 'POST', `/api/marketplace/rollouts/${ID}/abort`, {});
      assert.equal(res.statusCode, 200, res.body);
      const [item] = res.json().items;
      assert.deepEqual(item.groups, []);
      assert.equal(typeof item.abortedAt, 'number');
      assert.equal(item.progress.stageTotal, 0);
      // What the plan builder reads: a host of the former stage now gets 1.0.0, as everyone else.
      const stored = (await f.db.models.Setting.findByPk('pluginRollouts'))!.value as Parameters<typeof versionForHost>[2];
      assert.equal(versionForHost(ID, [outer, inner], stored, ['1.0.0', '1.1.0'], compareSemver), '1.0.0');
      const audit = await call(f, 'admin', 'GET', `/api/audit?targetKind=plugin&targetId=${ID}&action=marketplace.abort`);
      assert.equal(audit.json().total, 1);
    });

    it('rolls out again (no longer aborted) and promotes to everyone', async () => {
      const again = await call(f, 'admin', 'PUT', `/api/marketplace/rollouts/${ID}`, { version: '1.1.0', groups: [inner] });
      assert.equal(again.json().items[0].abortedAt, null);
      assert.equal(again.json().items[0].progress.stageTotal, 1);
      const promoted = await call(f, 'admin', 'DELETE', `/api/marketplace/rollouts/${ID}`);
      assert.deepEqual(promoted.json().items, []);
    });
  });
}
