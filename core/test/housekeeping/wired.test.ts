import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryTypes } from 'sequelize';
import { createDatabase, createResultStore } from '../../src/db/index.js';
import { readCoreConfig, sqlitePath } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';
import { RETENTION_RULES } from '../../src/housekeeping/rules.js';
import { createPgDatabase, DIALECTS } from '../db/helpers.js';

const DAY = 86_400_000;

/*
 * Issue 14, defect 3: "the retention settings in the console change nothing". A real core (HTTP,
 * the settings route, the composition root) on a database holding old rows: an administrator
 * shortens retention through the API, and the rows go on the next scheduled run — no call into
 * the housekeeper from the test. Before the housekeeper existed nothing ever deleted them.
 */
for (const dialect of DIALECTS) {
  describe(`housekeeping in a running core (${dialect})`, function () {
    this.timeout(90_000);
    let dir: string;
    let core: Core | undefined;
    let dropPg: (() => Promise<void>) | undefined;
    const saved = { ...process.env };

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'prophasis-housekeeping-'));
      // The first run at once, then every second.
      process.env.PROPHASIS_HOUSEKEEPING_FIRST_RUN_MS = '0';
      process.env.PROPHASIS_HOUSEKEEPING_INTERVAL_MS = '1000';
    });
    after(async () => {
      await core?.stop();
      await dropPg?.();
      rmSync(dir, { recursive: true, force: true });
      for (const key of ['PROPHASIS_HOUSEKEEPING_FIRST_RUN_MS', 'PROPHASIS_HOUSEKEEPING_INTERVAL_MS']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    });

    it('shortening retention in the settings removes the old rows on the next scheduled run', async () => {
      let databaseUrl = '';
      if (dialect === 'postgres') {
        const pg = await createPgDatabase(process.env.PROPHASIS_TEST_POSTGRES_URL ?? '', 'prophasis_test_housekeeping_core');
        databaseUrl = pg.url;
        dropPg = pg.drop;
      }
      const config = readCoreConfig(
        { PROPHASIS_DATA_DIR: dir },
        { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent', databaseUrl },
      );

      // A database that has been in use for ten days.
      const now = Date.now();
      const seeded = await createDatabase({ url: databaseUrl, sqlitePath: sqlitePath(config) }, { logger: silentLogger() });
      await seeded.migrate();
      const hostId = (await seeded.models.Host.create({ name: 'h' })).id;
      const pluginId = (await seeded.models.Plugin.create({ pluginId: 'io.prophasis.test', name: 'Test' })).id;
      const store = createResultStore(seeded, { logger: silentLogger() });
      const result = (t: number, n: number) => ({
        resultId: `r-${n}`, hostId, pluginId, checkId: null, slotAt: t, measuredAt: t, receivedAt: t, value: n, message: null, resultType: 'plugin' as const, severity: 'ok' as const, late: false,
      });
      assert.equal(await store.insertBatch([result(now - 10 * DAY, 1), result(now - 5 * DAY, 2), result(now - 60_000, 3)]), 3);
      await store.close();
      await seeded.models.SystemLog.bulkCreate([
        { at: now - 10 * DAY, level: 'info', component: 'test', message: 'ten days old' },
        { at: now - 60_000, level: 'info', component: 'test', message: 'a minute old' },
      ]);
      await seeded.close();

      core = await startCore(config, silentLogger());
      const base = `http://127.0.0.1:${core.httpPort}`;
      const http = async (method: string, path: string, body?: unknown, cookie?: string) => {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(cookie ? { cookie } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(10_000),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown>, cookie: res.headers.getSetCookie()[0]?.split(';')[0] };
      };
      const token = new URL(core.setupLink()!).searchParams.get('token');
      const admin = await http('POST', '/api/setup', { token, name: 'owner', password: 'a sturdy first password' });
      assert.equal(admin.status, 201);
      const cookie = admin.cookie!;

      const count = async (sql: string) => Number((await core!.db.sequelize.query<{ n: number }>(sql, { type: QueryTypes.SELECT }))[0]?.n);
      const oldRows = () => count(`SELECT count(*) AS n FROM results WHERE measured_at < ${now - DAY}`);
      const oldLog = () => count(`SELECT count(*) AS n FROM system_log WHERE at < ${now - DAY}`);
      // The defaults (30 and 90 days) keep everything.
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(await oldRows(), 2);
      assert.equal(await oldLog(), 1);

      const changed = await http('PUT', '/api/settings', { retentionRawDays: 3, retentionSystemLogDays: 1 }, cookie);
      assert.equal(changed.status, 200);
      const deadline = Date.now() + 20_000;
      while ((await oldRows()) + (await oldLog()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      // On SQLite rows go at the cutoff; on PostgreSQL the core's start moved both into day partitions
      // (they were within the default 30 days), and both days are now wholly expired: dropped.
      assert.equal(await oldRows(), 0, 'results older than 3 days are gone');
      assert.equal(await oldLog(), 0, 'system-log lines older than 1 day are gone');
      assert.equal(await count('SELECT count(*) AS n FROM results'), 1, 'the newer result stays');
      assert.equal(await count(`SELECT count(*) AS n FROM system_log WHERE message = 'a minute old'`), 1);

      // The settings page's view: the last run, what it removed, every table's size.
      const status = await http('GET', '/api/housekeeping', undefined, cookie);
      assert.equal(status.status, 200);
      const lastRun = status.body.lastRun as { trigger: string; removed: { table: string; rows: number }[] };
      assert.equal(lastRun.trigger, 'schedule');
      const tables = status.body.tables as { table: string; rows: number }[];
      assert.equal(tables.length, RETENTION_RULES.length);
      assert.equal(tables.find((t) => t.table === 'results')?.rows !== undefined, true);
      const logged = await count(`SELECT count(*) AS n FROM system_log WHERE component = 'housekeeping' AND message LIKE 'housekeeping removed %'`);
      assert.ok(logged >= 1, 'each run writes a system-log line');
    });
  });
}
