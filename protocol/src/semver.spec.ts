import assert from 'node:assert/strict';
import { compareSemver } from './semver.js';

describe('compareSemver', () => {
  it('orders versions by SemVer 2.0.0 precedence', () => {
    // The example chain of semver.org §11.
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.2.0', '1.10.0', '2.0.0'];
    for (let i = 0; i < ordered.length - 1; i++) {
      assert.equal(compareSemver(ordered[i]!, ordered[i + 1]!), -1, `${ordered[i]} < ${ordered[i + 1]}`);
      assert.equal(compareSemver(ordered[i + 1]!, ordered[i]!), 1);
    }
    const shuffled = [...ordered].reverse();
    assert.deepEqual(shuffled.sort(compareSemver), ordered);
  });

  it('ignores build metadata', () => {
    assert.equal(compareSemver('1.0.0+build.1', '1.0.0+build.2'), 0);
    assert.equal(compareSemver('1.0.0-rc.1+x', '1.0.0-rc.1'), 0);
  });
});
