import assert from 'node:assert/strict';
import { isProphasisError } from '@prophasis/protocol';
import { parse } from 'yaml';
import { createConfigAsCode, type ConfigAsCode } from '../../src/config-as-code/index.js';
import { configAsCodeParts } from '../../src/config-as-code-parts.js';
import { setParents } from '../../src/dependencies/index.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../db/helpers.js';

for (const dialect of DIALECTS) {
  describe(`configuration as code carries host parents (${dialect})`, function () {
    this.timeout(60_000);
    let t: TestDatabase;
    let cac: ConfigAsCode;
    const id: Record<string, number> = {};
    const parentsOf = async (name: string) =>
      (
        await t.db.sequelize.query<{ name: string }>('SELECT p.name FROM host_parents hp JOIN hosts h ON h.id = hp.host_id JOIN hosts p ON p.id = hp.parent_id WHERE h.name = ? ORDER BY p.name', {
          type: 'SELECT' as never,
          replacements: [name],
        })
      ).map((r) => (r as { name: string }).name);

    beforeEach(async () => {
      t = await openTestDatabase(dialect, { prefix: 'prophasis_test_dep_cac' });
      for (const name of ['router-1', 'switch-1', 'web-1']) id[name] = (await t.db.models.Host.create({ name })).id;
      await setParents(t.db, id['switch-1']!, [id['router-1']!]);
      await setParents(t.db, id['web-1']!, [id['switch-1']!]);
      cac = createConfigAsCode(configAsCodeParts(t.db), { env: {} });
    });
    afterEach(async () => t?.cleanup());

    it('exports parents by name (none: no field), and an unchanged file changes nothing', async () => {
      const yaml = await cac.exportYaml();
      const hosts = (parse(yaml) as { hosts: { name: string; parents?: string[] }[] }).hosts;
      assert.deepEqual(
        hosts.map((h) => [h.name, h.parents]),
        [
          ['router-1', undefined],
          ['switch-1', ['router-1']],
          ['web-1', ['switch-1']],
        ],
      );
      const again = await cac.apply(yaml, { dryRun: false, prune: false, actor: 'admin' });
      assert.deepEqual(again.changes, []);
    });

    it('applies parents: a chain turned around as a whole, a host left without parents by leaving the field out', async () => {
      const file = `version: 1
hosts:
  - name: router-1
    parents: [switch-1]
  - name: switch-1
  - name: web-1
    parents: [router-1, switch-1]
`;
      const dry = await cac.apply(file, { dryRun: true, prune: false, actor: 'admin' });
      assert.ok(dry.changes.length > 0);
      assert.deepEqual(await parentsOf('switch-1'), ['router-1'], 'a dry run writes nothing');
      await cac.apply(file, { dryRun: false, prune: false, actor: 'admin' });
      assert.deepEqual(await parentsOf('router-1'), ['switch-1']);
      assert.deepEqual(await parentsOf('switch-1'), []);
      assert.deepEqual(await parentsOf('web-1'), ['router-1', 'switch-1']);
    });

    it('refuses a cycle at hosts[i].parents and an unknown parent at hosts[i].parents[j], and changes nothing', async () => {
      const refused = async (file: string, path: RegExp) => {
        await assert.rejects(cac.apply(file, { dryRun: false, prune: false, actor: 'admin' }), (err: unknown) => {
          assert.ok(isProphasisError(err), String(err));
          assert.match(err.message, path);
          return true;
        });
      };
      await refused('version: 1\nhosts:\n  - name: router-1\n    parents: [web-1]\n  - name: switch-1\n    parents: [router-1]\n  - name: web-1\n    parents: [switch-1]\n', /: hosts\[0\]\.parents: .*would make a cycle \(router-1 → web-1 → switch-1 → router-1\)/);
      await refused('version: 1\nhosts:\n  - name: web-1\n    parents: [switch-1, core-9]\n', /: hosts\[0\]\.parents\[1\]: no host named "core-9"/);
      await refused('version: 1\nhosts:\n  - name: web-1\n    parents: [web-1]\n', /: hosts\[0\]\.parents: .*own parent/);
      assert.deepEqual(await parentsOf('router-1'), []);
      assert.deepEqual(await parentsOf('switch-1'), ['router-1']);
      assert.deepEqual(await parentsOf('web-1'), ['switch-1']);
    });
  });
}
