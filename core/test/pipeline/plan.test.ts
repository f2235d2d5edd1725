import assert from 'node:assert/strict';
import { expandGroups } from '../../src/inventory/index.js';
import { buildPlans, type PlanInput } from '../../src/scheduler/plan.js';
import { resolveClassifier, type ClassifierOverrides } from '../../src/classification/overrides.js';
import { dialects, loadPlans, openDb, seeder, type TestDb } from './helpers.js';

const T0 = 1_700_000_000_000;

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    hosts: [
      { id: 1, agentId: 'a1' },
      { id: 2, agentId: 'a2' },
      { id: 3, agentId: 'a3' },
      { id: 4, agentId: null },
    ],
    // group 10 ⊃ group 11 ⊃ group 12 ∋ host 3; group 10 ∋ host 1; group 11 ∋ host 1 again
    groupHosts: [
      { groupId: 10, hostId: 1 },
      { groupId: 11, hostId: 1 },
      { groupId: 12, hostId: 3 },
    ],
    groupGroups: [
      { parentId: 10, childId: 11 },
      { parentId: 11, childId: 12 },
    ],
    checkHosts: [{ checkId: 100, hostId: 1 }],
    checkGroups: [{ checkId: 100, groupId: 10 }],
    checkPlugins: [
      { checkId: 100, pluginRowId: 7, params: { path: '/' } },
      { checkId: 100, pluginRowId: 8, params: {} },
    ],
    plugins: [
      { id: 7, pluginId: 'io.prophasis.disk' },
      { id: 8, pluginId: 'io.prophasis.cpu' },
    ],
    versions: [
      { pluginRowId: 7, version: '1.0.0', sha256: 'a'.repeat(64), approvedCapabilities: ['fs.read:/'], historyCount: 3, defaultClassifier: 'x' },
      { pluginRowId: 7, version: '1.10.0', sha256: 'b'.repeat(64), approvedCapabilities: ['fs.read:/', 'os.info'], historyCount: 5, defaultClassifier: 'y' },
      { pluginRowId: 7, version: '2.0.0', sha256: 'c'.repeat(64), approvedCapabilities: null, historyCount: 5, defaultClassifier: 'z' },
      { pluginRowId: 8, version: '1.0.0', sha256: 'd'.repeat(64), approvedCapabilities: [], historyCount: 1, defaultClassifier: 'x' },
    ],
    schedules: [
      { id: 1, enabled: true },
      { id: 2, enabled: true },
      { id: 3, enabled: false },
    ],
    intervals: [
      { scheduleId: 1, start: T0, everyMs: 60_000 },
      { scheduleId: 2, start: T0, everyMs: 300_000 },
      { scheduleId: 2, start: T0, everyMs: 60_000 },
      { scheduleId: 3, start: T0, everyMs: 1_000 },
    ],
    scheduleChecks: [
      { scheduleId: 1, checkId: 100 },
      { scheduleId: 2, checkId: 100 },
      { scheduleId: 3, checkId: 100 },
    ],
    maxLatenessMs: 300_000,
    usable: () => true,
    ...overrides,
  };
}

describe('plan builder', () => {
  it('expands nested groups, deduplicates hosts and records the nearest group distance', () => {
    const { hostsOfGroup, groupsOfHost } = expandGroups(input().groupHosts, input().groupGroups);
    assert.deepEqual([...hostsOfGroup.get(10)!].sort(), [1, 3]);
    assert.deepEqual([...hostsOfGroup.get(12)!], [3]);
    assert.deepEqual([...groupsOfHost.get(3)!].sort(), [[10, 3], [11, 2], [12, 1]]);
    assert.equal(groupsOfHost.get(1)!.get(10), 1, 'host 1 is a direct member of 10 although also reached through 11');
  });

  it('survives a group cycle in the rows', () => {
    const { hostsOfGroup } = expandGroups([{ groupId: 1, hostId: 5 }], [{ parentId: 1, childId: 2 }, { parentId: 2, childId: 1 }]);
    assert.deepEqual([...hostsOfGroup.get(2)!], [5]);
  });

  it('builds one entry per check × plugin on every host reached directly or through groups', () => {
    const { plans, excluded } = buildPlans(input());
    assert.deepEqual(excluded, []);
    assert.deepEqual(plans.get(1)!.entries.map((e) => e.entry.key), ['100:io.prophasis.cpu', '100:io.prophasis.disk']);
    assert.equal(plans.get(3)!.entries.length, 2, 'host 3 through three levels of groups');
    assert.equal(plans.get(2)!.entries.length, 0);
    const disk = plans.get(1)!.entries.find((e) => e.entry.pluginId === 'io.prophasis.disk')!;
    // newest APPROVED version by semver (1.10.0 > 1.0.0; 2.0.0 is not approved)
    assert.equal(disk.entry.version, '1.10.0');
    assert.deepEqual(disk.entry.capabilities, ['fs.read:/', 'os.info']);
    assert.deepEqual(disk.entry.params, { path: '/' });
    assert.equal(disk.historyCount, 5);
    // two enabled schedules merged into one entry, their shared interval once; the disabled one ignored
    assert.deepEqual(disk.entry.intervals, [
      { start: T0, everyMs: 60_000 },
      { start: T0, everyMs: 300_000 },
    ]);
  });

  it('leaves out a plugin whose newest approved version is not usable, and reports it', () => {
    const { plans, excluded } = buildPlans(input({ usable: (p) => p !== 'io.prophasis.disk' }));
    assert.deepEqual(plans.get(1)!.entries.map((e) => e.entry.pluginId), ['io.prophasis.cpu']);
    assert.deepEqual(excluded.map((e) => [e.pluginId, e.version]), [['io.prophasis.disk', '1.10.0']]);
  });

  it('hashes the content: equal input, equal hash; a changed parameter changes only the affected hosts', () => {
    const a = buildPlans(input());
    const b = buildPlans(input());
    assert.equal(a.plans.get(1)!.hash, b.plans.get(1)!.hash);
    const changed = buildPlans(input({ checkHosts: [], groupHosts: input().groupHosts.filter((g) => g.hostId !== 1) }));
    assert.notEqual(changed.plans.get(1)!.hash, a.plans.get(1)!.hash);
    assert.equal(changed.plans.get(3)!.hash, a.plans.get(3)!.hash);
    assert.equal(changed.plans.get(2)!.hash, a.plans.get(2)!.hash);
  });
});

describe('classifier override precedence', () => {
  const overrides: ClassifierOverrides = {
    byCheck: new Map([['100:7', 'check code']]),
    byHost: new Map([['1:7', 'host code']]),
    byGroup: new Map([
      ['10:7', 'outer group code'],
      ['11:7', 'inner group code'],
      ['12:7', 'innermost group code'],
    ]),
  };
  const ctx = { pluginRowId: 7, pluginKey: 'io.prophasis.disk@1.0.0', hostId: 1, checkId: 100 as number | null, hostGroups: new Map([[10, 2], [11, 1]]), defaultClassifier: 'default code' };

  it('check > host > nearest group > plugin default', () => {
    assert.deepEqual(resolveClassifier(ctx, overrides), { code: 'check code', source: 'check', key: 'check:100' });
    assert.equal(resolveClassifier({ ...ctx, checkId: 101 }, overrides).source, 'host');
    assert.deepEqual(resolveClassifier({ ...ctx, checkId: 101, hostId: 2 }, overrides), { code: 'inner group code', source: 'group', key: 'group:11' });
    assert.equal(resolveClassifier({ ...ctx, checkId: null, hostId: 2, hostGroups: new Map([[12, 1], [11, 1]]) }, overrides).key, 'group:11', 'equal distance: lowest group id');
    assert.deepEqual(resolveClassifier({ ...ctx, checkId: 101, hostId: 2, hostGroups: undefined }, overrides), { code: 'default code', source: 'plugin', key: 'plugin:io.prophasis.disk@1.0.0' });
  });
});

for (const dialect of dialects()) {
  describe(`plan loader (${dialect})`, function () {
    let t: TestDb;
    before(async () => {
      t = await openDb(dialect);
    });
    after(async () => t?.cleanup());

    it('reads the configuration tables into the same plans', async () => {
      const s = seeder(t.db);
      const h1 = await s.host('l1');
      const h2 = await s.host('l2');
      const h3 = await s.host('l3', null);
      const inner = await s.group('inner', [h2.id]);
      const outer = await s.group('outer', [h1.id], [inner.id]);
      const { plugin } = await s.plugin('io.prophasis.load', { history: 4 });
      await s.version(plugin.id, '1.1.0', { approved: false });
      const c = await s.check('load', { groups: [outer.id], hosts: [h1.id], plugins: [{ id: plugin.id, params: { warn: 2 }, classifier: 'return "ok"' }] });
      await s.schedule('every minute', [c.id], [{ start: T0, everyMs: 60_000 }]);
      await t.db.models.ClassifierOverride.create({ pluginId: plugin.id, scopeKind: 'group', groupId: inner.id, code: 'return "minor"' });

      const { rows, plans, hostGroups } = await loadPlans(t.db);
      assert.deepEqual(plans.get(h1.id)!.entries.map((e) => [e.entry.key, e.entry.version, e.historyCount]), [[`${c.id}:io.prophasis.load`, '1.0.0', 4]]);
      assert.equal(plans.get(h2.id)!.entries.length, 1);
      assert.equal(plans.get(h3.id)!.entries.length, 0);
      assert.equal(rows.overrides.byCheck.get(`${c.id}:${plugin.id}`), 'return "ok"');
      assert.equal(rows.overrides.byGroup.get(`${inner.id}:${plugin.id}`), 'return "minor"');
      assert.deepEqual([...hostGroups.get(h2.id)!].sort(), [[inner.id, 1], [outer.id, 2]].sort());
      assert.equal(rows.hosts.get(h3.id)!.enrolled, false);
      assert.equal(rows.input.maxLatenessMs, 300_000);
    });
  });
}
