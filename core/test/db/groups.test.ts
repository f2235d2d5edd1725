import assert from 'node:assert/strict';
import { isProphasisError } from '@prophasis/protocol';
import type { Database } from '../../src/db/index.js';
import { addGroupToGroup, loadGroupHosts } from '../../src/inventory/index.js';
import { CoreErrors } from '../../src/kernel/index.js';
import { dialects } from './helpers.js';

for (const dialect of dialects()) {
  describe(`db host groups (${dialect.name})`, function () {
    let db: Database;
    let cleanup: () => Promise<void>;
    let ids: Record<string, number>;

    beforeEach(async () => {
      ({ db, cleanup } = await dialect.open());
      await db.migrate();
      ids = {};
      for (const name of ['a', 'b', 'c', 'd']) ids[name] = (await db.models.HostGroup.create({ name })).id;
    });
    afterEach(async () => cleanup());

    const id = (name: string): number => ids[name] as number;
    const edges = async () =>
      (await db.models.HostGroupGroup.findAll({ order: [['id', 'ASC']] })).map((e) => [e.parentId, e.childId]);

    const refusesCycle = (path: string) => (err: unknown) => {
      assert.ok(isProphasisError(err, CoreErrors.GROUP_CYCLE), String(err));
      assert.equal(err.code, 'CORE_GROUP_CYCLE');
      assert.ok(err.message.endsWith(`: ${path}`), err.message);
      return true;
    };

    it('refuses a group inside itself', async () => {
      await assert.rejects(addGroupToGroup(db, id('a'), id('a')), refusesCycle('a → a'));
      assert.deepEqual(await edges(), []);
      // Still healthy: a legal edge goes in afterwards.
      await addGroupToGroup(db, id('a'), id('b'));
      assert.deepEqual(await edges(), [[id('a'), id('b')]]);
    });

    it('refuses a direct cycle (b in a, then a in b)', async () => {
      await addGroupToGroup(db, id('a'), id('b'));
      await assert.rejects(addGroupToGroup(db, id('b'), id('a')), refusesCycle('b → a → b'));
      assert.deepEqual(await edges(), [[id('a'), id('b')]]);
    });

    it('refuses an indirect cycle and names the whole path', async () => {
      await addGroupToGroup(db, id('a'), id('b'));
      await addGroupToGroup(db, id('b'), id('c'));
      await addGroupToGroup(db, id('c'), id('d'));
      await assert.rejects(addGroupToGroup(db, id('d'), id('a')), refusesCycle('d → a → b → c → d'));
      assert.equal((await edges()).length, 3);
      // A diamond is not a cycle: a → d directly as well as through b and c.
      await addGroupToGroup(db, id('a'), id('d'));
      // Adding an existing edge again is a no-op.
      await addGroupToGroup(db, id('a'), id('d'));
      assert.equal((await edges()).length, 4);
    });

    it('expands nested groups to their hosts', async () => {
      const [h1, h2, h3] = await Promise.all(['h1', 'h2', 'h3'].map((name) => db.models.Host.create({ name })));
      await db.models.HostGroupHost.bulkCreate([
        { groupId: id('b'), hostId: h1!.id },
        { groupId: id('c'), hostId: h2!.id },
        { groupId: id('c'), hostId: h1!.id },
        { groupId: id('d'), hostId: h3!.id },
      ]);
      await addGroupToGroup(db, id('a'), id('b'));
      await addGroupToGroup(db, id('b'), id('c'));
      const hostsOf = await loadGroupHosts(db);
      const sorted = (ids: Iterable<number>) => [...ids].sort((x, y) => x - y);
      assert.deepEqual(sorted(hostsOf([id('a')])), [h1!.id, h2!.id].sort((x, y) => x - y));
      assert.deepEqual(sorted(hostsOf([id('d')])), [h3!.id]);
      assert.deepEqual(sorted(hostsOf([])), []);
    });
  });
}
