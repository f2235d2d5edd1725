import assert from 'node:assert/strict';
import { buildPlans, plannableVersions, type PlanInput } from '../../src/scheduler/plan.js';
import { loadConfigRows } from '../../src/scheduler/load.js';
import { ROLLOUTS_SETTING, type PluginRollouts } from '../../src/marketplace/rollout.js';
import { dialects, loadPlans, openDb, seeder, type TestDb } from './helpers.js';

const T0 = 1_700_000_000_000;
const DISK = 'io.prophasis.disk';
const G = 20;

/**
 * Host 1 is a direct member of G, host 3 a member of group 21 nested in G, host 2 in no group.
 * One check on all three runs the disk plugin, whose 1.0.0 and 1.1.0 are both approved.
 */
function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    hosts: [
      { id: 1, agentId: 'a1' },
      { id: 2, agentId: 'a2' },
      { id: 3, agentId: 'a3' },
    ],
    groupHosts: [
      { groupId: G, hostId: 1 },
      { groupId: 21, hostId: 3 },
    ],
    groupGroups: [{ parentId: G, childId: 21 }],
    checkHosts: [1, 2, 3].map((hostId) => ({ checkId: 100, hostId })),
    checkGroups: [],
    checkPlugins: [{ checkId: 100, pluginRowId: 7, params: {} }],
    plugins: [{ id: 7, pluginId: DISK }],
    versions: [
      { pluginRowId: 7, version: '1.0.0', sha256: 'a'.repeat(64), approvedCapabilities: ['os.info'], historyCount: 3, defaultClassifier: 'x' },
      { pluginRowId: 7, version: '1.1.0', sha256: 'b'.repeat(64), approvedCapabilities: ['os.info'], historyCount: 3, defaultClassifier: 'x' },
    ],
    schedules: [{ id: 1, enabled: true }],
    intervals: [{ scheduleId: 1, start: T0, everyMs: 60_000 }],
    scheduleChecks: [{ scheduleId: 1, checkId: 100 }],
    maxLatenessMs: 300_000,
    usable: () => true,
    ...overrides,
  };
}

const versionsByHost = (build: ReturnType<typeof buildPlans>) =>
  Object.fromEntries([...build.plans].map(([hostId, plan]) => [hostId, plan.entries.map((e) => e.entry.version)]));

describe('plans under a staged rollout', () => {
  const ROLLOUT: PluginRollouts = { [DISK]: { version: '1.1.0', groups: [G] } };

  it('a staged rollout reaches the chosen group only (nested members included); promotion reaches everyone', () => {
    const staged = buildPlans(input({ rollouts: ROLLOUT }));
    assert.deepEqual(versionsByHost(staged), { 1: ['1.1.0'], 2: ['1.0.0'], 3: ['1.1.0'] });
    assert.equal(staged.plans.get(2)!.entries[0]!.entry.sha256, 'a'.repeat(64), 'the outside host gets the old bundle, not only the old version label');
    assert.deepEqual(staged.excluded, []);

    const promoted = buildPlans(input({ rollouts: {} }));
    assert.deepEqual(versionsByHost(promoted), { 1: ['1.1.0'], 2: ['1.1.0'], 3: ['1.1.0'] });
    assert.notEqual(promoted.plans.get(2)!.hash, staged.plans.get(2)!.hash, 'promotion changes the outside host plan, so it is re-sent');
    assert.equal(promoted.plans.get(1)!.hash, staged.plans.get(1)!.hash, 'promotion leaves the rollout hosts untouched');
  });

  it('a rollout of another plugin, or no rollouts at all, changes nothing', () => {
    const plain = buildPlans(input());
    assert.deepEqual(versionsByHost(plain), { 1: ['1.1.0'], 2: ['1.1.0'], 3: ['1.1.0'] });
    const other = buildPlans(input({ rollouts: { 'io.prophasis.cpu': { version: '9.0.0', groups: [G] } } }));
    assert.deepEqual([...other.plans].map(([, p]) => p.hash), [...plain.plans].map(([, p]) => p.hash));
  });

  it('leaves the plugin out for outside hosts when there is no older version (a plugin new to the site)', () => {
    const build = buildPlans(input({ rollouts: { [DISK]: { version: '1.0.0', groups: [G] } }, versions: input().versions.slice(0, 1) }));
    assert.deepEqual(versionsByHost(build), { 1: ['1.0.0'], 2: [], 3: ['1.0.0'] });
    assert.deepEqual(build.excluded, [], 'absent by rollout is not an exclusion');
  });

  it('keeps a version published after the rolled-out one away from outside hosts', () => {
    const versions = [...input().versions, { pluginRowId: 7, version: '1.2.0', sha256: 'c'.repeat(64), approvedCapabilities: ['os.info'], historyCount: 3, defaultClassifier: 'x' }];
    assert.deepEqual(versionsByHost(buildPlans(input({ versions, rollouts: ROLLOUT }))), { 1: ['1.2.0'], 2: ['1.0.0'], 3: ['1.2.0'] });
  });

  it('a rolled-out version not yet approved: everyone keeps the old one', () => {
    const versions = input().versions.map((v) => (v.version === '1.1.0' ? { ...v, approvedCapabilities: null } : v));
    assert.deepEqual(versionsByHost(buildPlans(input({ versions, rollouts: ROLLOUT }))), { 1: ['1.0.0'], 2: ['1.0.0'], 3: ['1.0.0'] });
  });

  it('asks usability only for the versions it may plan, and leaves an unusable one out only where it was picked', () => {
    assert.deepEqual(plannableVersions(input({ rollouts: ROLLOUT })).map((p) => p.version).sort(), ['1.0.0', '1.1.0']);
    assert.deepEqual(plannableVersions(input()).map((p) => p.version), ['1.1.0']);

    const asked: string[] = [];
    const build = buildPlans(
      input({
        rollouts: ROLLOUT,
        usable: (_p, v) => {
          asked.push(v);
          return v !== '1.0.0';
        },
      }),
    );
    assert.deepEqual(asked.sort(), ['1.0.0', '1.1.0']);
    assert.deepEqual(versionsByHost(build), { 1: ['1.1.0'], 2: [], 3: ['1.1.0'] });
    assert.deepEqual(build.excluded.map((e) => [e.pluginId, e.version]), [[DISK, '1.0.0']]);
    assert.match(build.excluded[0]!.reason, /outside the staged rollout/);
  });
});

for (const dialect of dialects()) {
  describe(`rollout loading (${dialect})`, function () {
    let t: TestDb;
    before(async () => {
      t = await openDb(dialect);
    });
    after(async () => t?.cleanup());

    it('reads the rollouts from the marketplace setting, so the plans follow them; a malformed value means none', async () => {
      const s = seeder(t.db);
      const inG = await s.host('r-in');
      const nested = await s.host('r-nested');
      const out = await s.host('r-out');
      const child = await s.group('r-child', [nested.id]);
      const g = await s.group('r-G', [inG.id], [child.id]);
      const { plugin } = await s.plugin(DISK, { version: '1.0.0' });
      await s.version(plugin.id, '1.1.0');
      const c = await s.check('r-disk', { hosts: [inG.id, nested.id, out.id], plugins: [{ id: plugin.id }] });
      await s.schedule('r-every minute', [c.id], [{ start: T0, everyMs: 60_000 }]);
      const plan = async () => {
        const { plans } = await loadPlans(t.db);
        return [inG, nested, out].map((h) => plans.get(h.id)!.entries.map((e) => e.entry.version));
      };
      // Written the way the marketplace service writes it.
      const setRollouts = (value: unknown) => t.db.models.Setting.upsert({ key: ROLLOUTS_SETTING, value, updatedAt: Date.now() });

      assert.deepEqual(await plan(), [['1.1.0'], ['1.1.0'], ['1.1.0']], 'no setting row: everyone gets the newest');

      await setRollouts({ [DISK]: { version: '1.1.0', groups: [g.id] } });
      assert.deepEqual((await loadConfigRows(t.db)).input.rollouts, { [DISK]: { version: '1.1.0', groups: [g.id] } });
      assert.deepEqual(await plan(), [['1.1.0'], ['1.1.0'], ['1.0.0']]);

      await setRollouts({}); // promotion removes the entry
      assert.deepEqual(await plan(), [['1.1.0'], ['1.1.0'], ['1.1.0']]);

      await setRollouts({ [DISK]: { version: 1, groups: 'all' } });
      assert.deepEqual((await loadConfigRows(t.db)).input.rollouts, {});
      assert.deepEqual(await plan(), [['1.1.0'], ['1.1.0'], ['1.1.0']], 'still planning after a malformed value');
    });
  });
}
