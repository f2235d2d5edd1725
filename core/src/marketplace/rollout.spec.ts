import assert from 'node:assert/strict';
import { compareSemver } from '@prophasis/protocol';
import { versionForHost, type PluginRollouts } from './rollout.js';

const ID = 'com.example.raid';
const ROLLOUT: PluginRollouts = { [ID]: { version: '1.1.0', groups: [7, 9] } };

describe('versionForHost (staged rollout)', () => {
  // [case, host groups, rollouts, usable versions, expected]
  const table: [string, number[], PluginRollouts, string[], string | undefined][] = [
    ['no rollout: newest usable for everyone', [1], {}, ['1.0.0', '1.1.0'], '1.1.0'],
    ['no rollout, nothing usable', [1], {}, [], undefined],
    ['rollout of another plugin changes nothing', [1], { 'com.example.other': { version: '2.0.0', groups: [1] } }, ['1.0.0', '1.1.0'], '1.1.0'],
    ['host in a rollout group gets the new version', [3, 7], ROLLOUT, ['1.0.0', '1.1.0'], '1.1.0'],
    ['host in the second rollout group too', [9], ROLLOUT, ['1.0.0', '1.1.0'], '1.1.0'],
    ['host outside the groups stays on the previous version', [3], ROLLOUT, ['1.0.0', '1.1.0'], '1.0.0'],
    ['host in no group at all stays too', [], ROLLOUT, ['1.0.0', '1.1.0'], '1.0.0'],
    ['new version not approved yet: the group keeps the old one', [7], ROLLOUT, ['1.0.0'], '1.0.0'],
    ['a version newer than the rollout does not leak to others', [3], ROLLOUT, ['1.0.0', '1.1.0', '1.2.0'], '1.0.0'],
    ['the group gets even newer versions', [7], ROLLOUT, ['1.0.0', '1.1.0', '1.2.0'], '1.2.0'],
    ['pre-releases order below their release', [3], { [ID]: { version: '1.1.0', groups: [7] } }, ['1.0.0', '1.1.0-rc.1', '1.1.0'], '1.1.0-rc.1'],
    ['a plugin new to the site runs only in the group', [3], ROLLOUT, ['1.1.0'], undefined],
    ['…and in the group', [7], ROLLOUT, ['1.1.0'], '1.1.0'],
    ['unsorted input is fine', [3], ROLLOUT, ['0.9.0', '1.1.0', '1.0.0', '0.10.0'], '1.0.0'],
    ['promoted (rollout removed): everyone gets it', [3], {}, ['1.0.0', '1.1.0'], '1.1.0'],
  ];
  for (const [name, groups, rollouts, versions, expected] of table) {
    it(name, () => assert.equal(versionForHost(ID, groups, rollouts, versions, compareSemver), expected));
  }

  it('does not read inherited object keys as rollouts', () => {
    assert.equal(versionForHost('constructor', [1], {}, ['1.0.0'], compareSemver), '1.0.0');
  });
});
