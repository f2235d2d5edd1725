import assert from 'node:assert/strict';
import { isProphasisError } from '@prophasis/protocol';
import { DbErrors, deletePlugin, translateDbError, type Database } from '../../src/db/index.js';
import { dialects } from './helpers.js';

/** What happens to the configuration that referenced a deleted host, group or plugin (docs/storage.md). */
for (const dialect of dialects()) {
  describe(`db delete semantics (${dialect.name})`, function () {
    let db: Database;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ db, cleanup } = await dialect.open());
      await db.migrate();
    });
    afterEach(async () => cleanup());

    async function world() {
      const m = db.models;
      const host = await m.Host.create({ name: 'web1' });
      const other = await m.Host.create({ name: 'web2' });
      const group = await m.HostGroup.create({ name: 'web' });
      const plugin = await m.Plugin.create({ pluginId: 'io.prophasis.load', name: 'Load' });
      const check = await m.Check.create({ name: 'load' });
      await m.HostGroupHost.bulkCreate([{ groupId: group.id, hostId: host.id }, { groupId: group.id, hostId: other.id }]);
      await m.CheckHost.bulkCreate([{ checkId: check.id, hostId: host.id }, { checkId: check.id, hostId: other.id }]);
      await m.CheckGroup.create({ checkId: check.id, groupId: group.id });
      await m.CheckPlugin.create({ checkId: check.id, pluginId: plugin.id, params: { threshold: 2 } });
      const service = await m.Service.create({ name: 'shop' });
      await m.ServiceDependency.bulkCreate([{ serviceId: service.id, hostId: host.id }, { serviceId: service.id, groupId: group.id }]);
      const rg = await m.RedundancyGroup.create({ serviceId: service.id, name: 'frontends' });
      await m.RedundancyGroupMember.bulkCreate([{ redundancyGroupId: rg.id, hostId: host.id }, { redundancyGroupId: rg.id, hostId: other.id }]);
      const alert = await m.Alert.create({ name: 'down', fromStates: ['ok'], toStates: ['major'], module: 'email' });
      await m.AlertScope.bulkCreate([
        { alertId: alert.id, kind: 'host', hostId: host.id },
        { alertId: alert.id, kind: 'group', groupId: group.id },
        { alertId: alert.id, kind: 'plugin', pluginId: plugin.id },
      ]);
      await m.ClassifierOverride.create({ pluginId: plugin.id, scopeKind: 'host', hostId: host.id, code: 'return "ok"' });
      await m.Result.create({
        resultId: 'r1', hostId: host.id, pluginId: plugin.id, checkId: check.id, measuredAt: 1, receivedAt: 2,
        value: 1, resultType: 'plugin', severity: 'ok',
      });
      await m.CurrentState.create({ hostId: host.id, pluginId: plugin.id, severity: 'ok', since: 1 });
      await m.RollupMinute.create({ hostId: host.id, pluginId: plugin.id, bucketStart: 0, valueMin: 1, valueMax: 1, valueSum: 1, valueCount: 1 });
      return { host, other, group, plugin, check, service, rg, alert };
    }

    it('deleting a host removes its memberships, dependencies, scopes, overrides and history, nothing else', async () => {
      const w = await world();
      await w.host.destroy();
      const m = db.models;
      assert.deepEqual((await m.HostGroupHost.findAll()).map((r) => r.hostId), [w.other.id]);
      assert.deepEqual((await m.CheckHost.findAll()).map((r) => r.hostId), [w.other.id]);
      assert.deepEqual((await m.ServiceDependency.findAll()).map((r) => [r.hostId, r.groupId]), [[null, w.group.id]]);
      assert.deepEqual((await m.RedundancyGroupMember.findAll()).map((r) => r.hostId), [w.other.id]);
      assert.deepEqual((await m.AlertScope.findAll({ order: [['id', 'ASC']] })).map((r) => r.kind), ['group', 'plugin']);
      assert.equal(await m.ClassifierOverride.count(), 0);
      assert.equal(await m.Result.count(), 0);
      assert.equal(await m.RollupMinute.count(), 0);
      assert.equal(await m.CurrentState.count(), 0);
      assert.equal(await m.Check.count(), 1);
      assert.equal(await m.Service.count(), 1);
      assert.equal(await m.Alert.count(), 1);
    });

    it('deleting a group removes check, service, alert and nesting references to it', async () => {
      const w = await world();
      const parent = await db.models.HostGroup.create({ name: 'all' });
      await db.models.HostGroupGroup.create({ parentId: parent.id, childId: w.group.id });
      await w.group.destroy();
      const m = db.models;
      assert.equal(await m.HostGroupGroup.count(), 0);
      assert.equal(await m.CheckGroup.count(), 0);
      assert.equal(await m.HostGroupHost.count(), 0);
      assert.deepEqual((await m.ServiceDependency.findAll()).map((r) => r.hostId), [w.host.id]);
      assert.deepEqual((await m.AlertScope.findAll({ order: [['id', 'ASC']] })).map((r) => r.kind), ['host', 'plugin']);
      assert.equal(await m.Host.count(), 2);
    });

    it('refuses to delete a plugin a check uses, naming the check, and changes nothing', async () => {
      const w = await world();
      await assert.rejects(deletePlugin(db, w.plugin.id), (err: unknown) => {
        assert.ok(isProphasisError(err, DbErrors.IN_USE));
        assert.equal(err.status, 409);
        assert.match(err.message, /io\.prophasis\.load is used by check\(s\) load/);
        return true;
      });
      // The database refuses it too, whoever asks.
      const direct = await w.plugin.destroy().then(
        () => undefined,
        (err: unknown) => translateDbError(err),
      );
      assert.ok(isProphasisError(direct, DbErrors.IN_USE), String(direct));
      assert.equal(await db.models.Plugin.count(), 1);
      assert.equal(await db.models.Result.count(), 1);
      // Once no check uses it, it goes with its versions, overrides, scopes and history.
      await db.models.CheckPlugin.destroy({ where: { pluginId: w.plugin.id } });
      await deletePlugin(db, w.plugin.id);
      assert.equal(await db.models.Plugin.count(), 0);
      assert.equal(await db.models.Result.count(), 0);
      assert.equal(await db.models.RollupMinute.count(), 0);
      assert.equal(await db.models.ClassifierOverride.count(), 0);
      assert.deepEqual((await db.models.AlertScope.findAll({ order: [['id', 'ASC']] })).map((r) => r.kind), ['host', 'group']);
      await assert.rejects(deletePlugin(db, w.plugin.id), (err: unknown) => isProphasisError(err, DbErrors.NOT_FOUND));
    });

    it('bulk deletes purge history too, inside the caller\'s transaction', async () => {
      const w = await world();
      await assert.rejects(
        db.sequelize.transaction(async (transaction) => {
          await db.models.Host.destroy({ where: { id: w.host.id }, transaction });
          assert.equal(await db.models.Result.count({ transaction }), 0);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal(await db.models.Result.count(), 1);
      assert.equal(await db.models.RollupMinute.count(), 1);
      await db.models.Host.destroy({ where: { id: w.host.id } });
      assert.equal(await db.models.Result.count(), 0);
      assert.equal(await db.models.RollupMinute.count(), 0);
      assert.equal(await db.models.Host.count(), 1);
    });

    it('deleting a check keeps its results (check id kept as a dangling number) and removes it from schedules', async () => {
      const w = await world();
      const schedule = await db.models.Schedule.create({ name: 'every minute' });
      await db.models.ScheduleCheck.create({ scheduleId: schedule.id, checkId: w.check.id });
      await w.check.destroy();
      assert.equal(await db.models.ScheduleCheck.count(), 0);
      assert.equal(await db.models.CheckPlugin.count(), 0);
      const [result] = await db.models.Result.findAll();
      assert.equal(result?.checkId, w.check.id);
    });

    it('maps constraint errors to stable codes and refuses malformed references', async () => {
      await db.models.Host.create({ name: 'dup' });
      const dup = await db.models.Host.create({ name: 'dup' }).catch((err: unknown) => translateDbError(err));
      assert.ok(isProphasisError(dup, DbErrors.DUPLICATE), String(dup));
      const invalid = await db.models.ServiceDependency.create({ serviceId: 1 }).catch((err: unknown) => translateDbError(err));
      assert.ok(isProphasisError(invalid, DbErrors.INVALID), String(invalid));
      assert.match(invalid.message, /exactly one of hostId, groupId/);
      const wrongKind = await db.models.AlertScope.create({ alertId: 1, kind: 'host', groupId: 1 }).catch((err: unknown) => translateDbError(err));
      assert.ok(isProphasisError(wrongKind, DbErrors.INVALID), String(wrongKind));
      const missing = await db.models.CheckHost.create({ checkId: 999, hostId: 999 }).catch((err: unknown) => translateDbError(err));
      assert.ok(isProphasisError(missing) && ['CORE_DB_NOT_FOUND', 'CORE_DB_IN_USE'].includes(missing.code), String(missing));
      // Still healthy.
      assert.equal(await db.models.Host.count(), 1);
    });
  });
}
