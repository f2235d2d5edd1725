import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import { createResultStore, DEFAULT_SETTINGS, readSettings, type ResultStore } from '../../src/db/index.js';
import { createHousekeeper, HOUSEKEEPING_DEFAULTS } from '../../src/housekeeping/index.js';
import { RETENTION_RULES } from '../../src/housekeeping/rules.js';
import { memorySystemLog } from '../../src/kernel/index.js';
import { call, createTestApi, type TestApi } from '../api/helpers.js';
import { DIALECTS } from '../db/helpers.js';

for (const dialect of DIALECTS) {
  describe(`housekeeping API (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    let store: ResultStore;
    before(async () => {
      api = await createTestApi(dialect, {
        dbPrefix: 'prophasis_test_housekeeping_api',
        deps: (db) => {
          store = createResultStore(db, { logger: silentLogger() });
          return { housekeeping: createHousekeeper(HOUSEKEEPING_DEFAULTS, { db, store, systemLog: memorySystemLog(), logger: silentLogger() }) };
        },
      });
    });
    after(async () => {
      await store?.close();
      await api?.close();
    });

    it('shows every table and the last run to viewers; only administrators run it, and the run is audited', async () => {
      assert.equal((await call(api, undefined, 'GET', '/api/housekeeping')).statusCode, 401);
      const before = await call(api, 'viewer', 'GET', '/api/housekeeping');
      assert.equal(before.statusCode, 200, before.body);
      assert.equal(before.json().lastRun, null);
      assert.equal(before.json().tables.length, RETENTION_RULES.length);

      assert.equal((await call(api, 'viewer', 'POST', '/api/housekeeping/run', {})).statusCode, 403);
      assert.equal((await call(api, 'operator', 'POST', '/api/housekeeping/run', {})).statusCode, 403);
      const run = await call(api, 'admin', 'POST', '/api/housekeeping/run', {});
      assert.equal(run.statusCode, 200, run.body);
      assert.equal(run.json().trigger, 'manual');
      assert.deepEqual(run.json().errors, []);

      const after = await call(api, 'viewer', 'GET', '/api/housekeeping');
      assert.deepEqual(after.json().lastRun, run.json());
      const audit = await api.db.models.AuditLog.findAll({ where: { action: 'housekeeping.run' } });
      assert.deepEqual(audit.map((a) => a.userName), ['admin']);
    });

    it('the new retention settings are validated: a bad value is refused naming the field, and nothing changes', async () => {
      const initial = await call(api, 'viewer', 'GET', '/api/settings');
      for (const key of ['retentionTransitionsDays', 'retentionAuditDays', 'retentionAlertDeliveriesDays', 'retentionEnrolmentTokensDays'] as const) {
        assert.equal(initial.json()[key], DEFAULT_SETTINGS[key]);
        for (const bad of [0, 1.5, 'ten', 40_000]) {
          const res = await call(api, 'admin', 'PUT', '/api/settings', { [key]: bad, retentionRawDays: 5 });
          assert.equal(res.statusCode, 400, `${key} = ${bad}`);
          assert.equal(res.json().details.field, key);
        }
      }
      assert.deepEqual(await readSettings(api.db), DEFAULT_SETTINGS, 'no refused change was stored, not even its valid part');
      const ok = await call(api, 'admin', 'PUT', '/api/settings', { retentionAuditDays: 400, retentionEnrolmentTokensDays: 1 });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json().retentionAuditDays, 400);
      assert.equal((await readSettings(api.db)).retentionEnrolmentTokensDays, 1);
    });
  });
}
