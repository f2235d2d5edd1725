import assert from 'node:assert/strict';
import { isProphasisError, silentLogger } from '@prophasis/protocol';
import { createDatabase, DbErrors, readSettings, writeSettings, DEFAULT_SETTINGS } from '../../src/db/index.js';
import { dialects } from './helpers.js';

describe('db createDatabase', function () {
  it('refuses a URL that is neither empty nor postgres://, hiding credentials', async () => {
    await assert.rejects(createDatabase({ url: 'mysql://user:pw@host/db', sqlitePath: '' }, { logger: silentLogger() }), (err: unknown) => {
      assert.ok(isProphasisError(err, DbErrors.UNSUPPORTED_URL));
      assert.doesNotMatch(err.message, /pw/);
      return true;
    });
  });

  it('reports an unreachable PostgreSQL as CORE_DB_CONNECT_FAILED', async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    await assert.rejects(
      createDatabase({ url: 'postgres://nobody@127.0.0.1:1/none', sqlitePath: '' }, { logger: silentLogger() }),
      (err: unknown) => isProphasisError(err, DbErrors.CONNECT_FAILED),
    );
  });
});

for (const dialect of dialects()) {
  describe(`db database (${dialect.name})`, function () {
    it('returns BIGINT times as JS numbers and JSON as values', async () => {
      const { db, cleanup } = await dialect.open();
      try {
        await db.migrate();
        const t = Date.UTC(2030, 0, 1);
        const host = await db.models.Host.create({ name: 'n', lastSeen: t, bundles: ['a'.repeat(64)] });
        const read = await db.models.Host.findByPk(host.id);
        assert.equal(read?.lastSeen, t);
        assert.equal(typeof read?.createdAt, 'number');
        assert.deepEqual(read?.bundles, ['a'.repeat(64)]);
        const [row] = (await db.sequelize.query('SELECT count(*) AS n, max(last_seen) AS m FROM hosts'))[0] as { n: unknown; m: unknown }[];
        assert.equal(Number(row?.n), 1);
        assert.equal(row?.m, t);
      } finally {
        await cleanup();
      }
    });

    it('reads settings with defaults, writes valid ones and refuses invalid ones', async () => {
      const { db, cleanup } = await dialect.open();
      try {
        await db.migrate();
        assert.deepEqual(await readSettings(db), DEFAULT_SETTINGS);
        await writeSettings(db, { retentionRawDays: 7 });
        assert.equal((await readSettings(db)).retentionRawDays, 7);
        await assert.rejects(writeSettings(db, { retentionRawDays: 0 }), (err: unknown) => isProphasisError(err, DbErrors.INVALID));
        await assert.rejects(
          writeSettings(db, { nope: 1 } as unknown as Parameters<typeof writeSettings>[1]),
          (err: unknown) => isProphasisError(err, DbErrors.INVALID),
        );
        assert.deepEqual(await readSettings(db), { ...DEFAULT_SETTINGS, retentionRawDays: 7 });
      } finally {
        await cleanup();
      }
    });
  });
}
