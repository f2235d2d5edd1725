import type { AgentPresence } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { call, createTestApi, type TestApi } from '../api/helpers.js';
import { DIALECTS } from '../db/helpers.js';

interface Health {
  id: number;
  presence: AgentPresence;
  online: boolean;
  lastSeen: number | null;
}

/**
 * A device has no agent, so its own enrolment columns stay `pending` for ever. The reports
 * (`/api/reports/hosts`, `/api/reports/hosts/:id`), which the dashboard and the host pages read,
 * give it its collector's presence instead (docs/devices.md, "Collectors"): connected while the
 * collector is, unreachable while the collector is; never "pending" ("Waiting for enrolment").
 */
for (const dialect of DIALECTS) {
  describe(`reports: a device's presence follows its collector (${dialect})`, function () {
    this.timeout(30_000);
    let api: TestApi;
    const ids = { up: 0, down: 0, onUp: 0, onDown: 0, viaGroup: 0, none: 0 };
    const T = 1_767_225_600_000;

    before(async () => {
      api = await createTestApi(dialect);
      const m = api.db.models;
      ids.up = (await m.Host.create({ name: 'gw-up', agentId: 'a-up', enrolmentState: 'enrolled', connectedSince: T, lastSeen: T + 5 })).id;
      ids.down = (await m.Host.create({ name: 'gw-down', agentId: 'a-down', enrolmentState: 'enrolled', connectedSince: null, lastSeen: T, unreachableSince: T + 60_000 })).id;
      ids.onUp = (await m.Host.create({ name: 'ups-1', kind: 'device', address: '192.0.2.1', deviceType: 'ups', collectorId: ids.up })).id;
      ids.onDown = (await m.Host.create({ name: 'switch-1', kind: 'device', address: '192.0.2.2', deviceType: 'switch', collectorId: ids.down })).id;
      // A device whose collector comes from its group.
      ids.viaGroup = (await m.Host.create({ name: 'printer-1', kind: 'device', address: '192.0.2.3', deviceType: 'printer' })).id;
      const group = await call(api, 'admin', 'POST', '/api/groups', { name: 'office', hostIds: [ids.viaGroup], collectorId: ids.up });
      assert.equal(group.statusCode, 201, group.body);
      ids.none = (await m.Host.create({ name: 'nas-1', kind: 'device', address: '192.0.2.4', deviceType: 'nas' })).id;
    });
    after(async () => {
      await api?.close();
    });

    it('the host list gives each device its collector\'s presence, never pending', async () => {
      const res = await call(api, 'viewer', 'GET', '/api/reports/hosts');
      assert.equal(res.statusCode, 200, res.body);
      const byId = new Map((JSON.parse(res.body) as Health[]).map((h) => [h.id, h]));
      assert.deepEqual(byId.get(ids.onUp)!.presence, { state: 'connected', since: T, lastSeen: T + 5 });
      assert.equal(byId.get(ids.onUp)!.online, true);
      assert.equal(byId.get(ids.onUp)!.lastSeen, T + 5);
      assert.deepEqual(byId.get(ids.onDown)!.presence, { state: 'unreachable', since: T + 60_000, lastSeen: T });
      assert.equal(byId.get(ids.onDown)!.online, false);
      assert.deepEqual(byId.get(ids.viaGroup)!.presence, byId.get(ids.up)!.presence, 'the group\'s collector');
      // No collector at all: nothing measures it; it never connected, and is not waiting for an enrolment.
      assert.deepEqual(byId.get(ids.none)!.presence, { state: 'disconnected', since: null, lastSeen: null });
      for (const h of byId.values()) assert.notEqual(h.presence.state, 'pending', `host ${h.id}`);
    });

    it('the host report says the same', async () => {
      for (const [id, state] of [
        [ids.onUp, 'connected'],
        [ids.onDown, 'unreachable'],
        [ids.viaGroup, 'connected'],
        [ids.none, 'disconnected'],
      ] as const) {
        const res = await call(api, 'viewer', 'GET', `/api/reports/hosts/${id}`);
        assert.equal(res.statusCode, 200, res.body);
        assert.equal((JSON.parse(res.body) as { presence: AgentPresence }).presence.state, state, `host ${id}`);
      }
    });

    it('a collector going away turns its devices unreachable without a problem of their own on the dashboard', async () => {
      await api.db.models.Host.update({ connectedSince: null, unreachableSince: T + 90_000 }, { where: { id: ids.up } });
      const res = await call(api, 'viewer', 'GET', `/api/reports/hosts/${ids.onUp}`);
      assert.equal((JSON.parse(res.body) as { presence: AgentPresence }).presence.state, 'unreachable');
      const problems = await call(api, 'viewer', 'GET', '/api/reports/problems');
      assert.equal(problems.statusCode, 200, problems.body);
      const hostsInProblem = (JSON.parse(problems.body) as { items: { kind: string; hostId: number | null }[] }).items.filter((p) => p.kind === 'host').map((p) => p.hostId);
      assert.deepEqual(hostsInProblem.sort(), [ids.up, ids.down].sort(), 'the collectors only, not each device');
      await api.db.models.Host.update({ connectedSince: T, unreachableSince: null }, { where: { id: ids.up } });
    });
  });
}
