import assert from 'node:assert/strict';
import { ancestors, causes, checkParents, children } from '../../src/dependencies/index.js';

/** router(1) → switch(2) → web(3), db(4); a second uplink router-b(5) → switch-b(6); nas(7) behind both switches. */
const graph = () =>
  new Map<number, number[]>([
    [2, [1]],
    [3, [2]],
    [4, [2]],
    [6, [5]],
    [7, [2, 6]],
  ]);
const all = new Set([1, 2, 3, 4, 5, 6, 7, 8]);
const exists = (id: number) => all.has(id);

describe('dependencies: the parent/child graph', () => {
  it('refuses a host as its own parent, an id twice and an unknown id', () => {
    assert.deepEqual(checkParents(graph(), 3, [3], exists), { kind: 'self' });
    assert.deepEqual(checkParents(graph(), 3, [2, 2], exists), { kind: 'duplicate', id: 2 });
    assert.deepEqual(checkParents(graph(), 3, [99], exists), { kind: 'unknown', id: 99 });
    assert.equal(checkParents(graph(), 8, [3, 7], exists), null);
  });

  it('refuses a parent that closes a cycle, naming the chain; a direct back edge too', () => {
    // The router behind the web server: web → switch → router → web.
    assert.deepEqual(checkParents(graph(), 1, [3], exists), { kind: 'cycle', path: [1, 3, 2, 1] });
    assert.deepEqual(checkParents(graph(), 2, [4], exists), { kind: 'cycle', path: [2, 4, 2] });
    // Replacing a host's own parents is not a cycle with its old ones.
    assert.equal(checkParents(graph(), 3, [6], exists), null);
  });

  it('lists ancestors nearest first, each once (a diamond too), and children', () => {
    assert.deepEqual(ancestors(graph(), 3), [2, 1]);
    assert.deepEqual(ancestors(graph(), 7), [2, 6, 1, 5]);
    assert.deepEqual(ancestors(graph(), 1), []);
    assert.deepEqual(children(graph(), 2), [3, 4, 7]);
    assert.deepEqual(children(graph(), 3), []);
  });

  it('the router down: every host behind it is caused by the router, the switch down or not; the router itself by nothing', () => {
    const c = causes(graph(), (id) => id === 1);
    assert.equal(c.get(2), 1);
    assert.equal(c.get(3), 1);
    assert.equal(c.get(4), 1);
    assert.equal(c.has(1), false);
    const withSwitchDown = causes(graph(), (id) => id === 1 || id === 2);
    assert.equal(withSwitchDown.get(3), 1, 'the top of the chain, not the switch');
    assert.equal(withSwitchDown.get(2), 1);
  });

  it('only the switch down: its hosts are caused by the switch, the switch has its own problem', () => {
    const c = causes(graph(), (id) => id === 2);
    assert.equal(c.get(3), 2);
    assert.equal(c.has(2), false);
    assert.equal(c.has(6), false);
  });

  it('several parents: a host is cut off only when EVERY parent is down or cut off (one path up is enough)', () => {
    assert.equal(causes(graph(), (id) => id === 1).has(7), false, 'nas still reached through switch-b');
    assert.equal(causes(graph(), (id) => id === 6).has(7), false, 'nas still reached through switch');
    assert.equal(causes(graph(), (id) => id === 1 || id === 5).get(7), 1, 'both uplinks down: the first parent’s cause');
    assert.equal(causes(graph(), (id) => id === 2 || id === 6).get(7), 2);
  });

  it('nothing down: no causes; a cycle written by hand cuts nothing off and does not hang', () => {
    assert.equal(causes(graph(), () => false).size, 0);
    const cyclic = new Map<number, number[]>([
      [1, [2]],
      [2, [1]],
      [3, [1]],
    ]);
    const c = causes(cyclic, (id) => id === 1);
    assert.equal(c.get(3), 1);
    assert.equal(c.get(2), 1);
    assert.equal(c.has(1), false, 'the down host is not its own cause');
  });
});
