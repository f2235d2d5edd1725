import assert from 'node:assert/strict';
import { topicFilterProblem, topicMatches } from './topic-filter.js';

describe('topic filters', () => {
  const cases: [string, string, boolean][] = [
    ['a/b/c', 'a/b/c', true],
    ['a/b/c', 'a/b', false],
    ['a/b', 'a/b/c', false],
    ['a/+/c', 'a/x/c', true],
    ['a/+/c', 'a/x/y/c', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', 'a/b', true],
    ['#', '$SYS/x', false],
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['prophasis/v1/agents/+/res', 'prophasis/v1/agents/a1/res', true],
    ['prophasis/v1/agents/+/res', 'prophasis/v1/agents/a1/state', false],
  ];
  for (const [filter, topic, expected] of cases) {
    it(`${filter} ${expected ? 'matches' : 'does not match'} ${topic}`, () => {
      assert.equal(topicMatches(filter, topic), expected);
    });
  }

  it('validates filters', () => {
    assert.equal(topicFilterProblem('a/+/#'), undefined);
    assert.match(topicFilterProblem('') ?? '', /empty/);
    assert.match(topicFilterProblem('a/#/b') ?? '', /last level/);
    assert.match(topicFilterProblem('a/b#') ?? '', /last level/);
    assert.match(topicFilterProblem('a/b+') ?? '', /whole level/);
  });
});
