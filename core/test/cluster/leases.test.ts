import assert from 'node:assert/strict';
import { isProphasisError, silentLogger } from '@prophasis/protocol';
import type { Sequelize } from 'sequelize';
import { createLeaseManager, readClusterConfig, type LeaseManager } from '../../src/cluster/index.js';
import { openTestDatabase, type TestDatabase } from '../db/helpers.js';
import { manager, PG_URL, pgProxy, pgSequelize, servingBook, testConfig, until } from './helpers.js';

const ALL_PARTITIONS = Array.from({ length: 8 }, (_, i) => `p:${i}`).sort();

(PG_URL ? describe : describe.skip)('cluster leases (PostgreSQL)', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let url: string;
  const opened: Sequelize[] = [];
  const managers: LeaseManager[] = [];

  beforeEach(async () => {
    database = await openTestDatabase('postgres', { prefix: 'prophasis_cluster' });
    url = (() => {
      const u = new URL(PG_URL);
      u.pathname = `/${(database.db.sequelize.config as { database: string }).database}`;
      return u.toString();
    })();
  });

  afterEach(async () => {
    for (const m of managers.splice(0)) await m.stop().catch(() => {});
    for (const s of opened.splice(0)) await s.close().catch(() => {});
    await database.cleanup();
  });

  const connect = (u = url) => {
    const s = pgSequelize(u);
    opened.push(s);
    return s;
  };
  const started = async (m: LeaseManager) => {
    await m.start();
    managers.push(m);
    return m;
  };

  it('one core takes every partition and duty; a second core gets half after a heartbeat each, never overlapping', async () => {
    const book = servingBook();
    const a = await started(manager(connect(), testConfig('core-a'), book));
    assert.deepEqual(a.owned().filter((n) => n.startsWith('p:')).sort(), ALL_PARTITIONS);
    assert.ok(a.owns('duty:alerting') && a.owns('duty:housekeeping'));
    const b = await started(manager(connect(), testConfig('core-b'), book));
    assert.equal(b.owned().length, 0, 'nothing is free yet');
    await a.tick(); // sees two live cores: sheds down to ⌈8/2⌉ partitions and ⌈2/2⌉ duties
    await b.tick(); // takes what was shed
    assert.equal(a.owned().filter((n) => n.startsWith('p:')).length, 4);
    assert.equal(b.owned().filter((n) => n.startsWith('p:')).length, 4);
    assert.equal(a.owned().filter((n) => n.startsWith('duty:')).length, 1);
    assert.equal(b.owned().filter((n) => n.startsWith('duty:')).length, 1);
    assert.deepEqual([...a.owned(), ...b.owned()].sort(), [...ALL_PARTITIONS, 'duty:alerting', 'duty:housekeeping'].sort());
    assert.deepEqual(book.violations, []);
    const epoch = b.epochOf(b.owned()[0]!)!;
    assert.equal(await b.confirm(b.owned()[0]!, epoch), true);
    assert.equal(await b.confirm(b.owned()[0]!, epoch - 1), false, 'an older epoch is refused at commit');
    assert.deepEqual((await a.members()).map((m) => m.coreId), ['core-a', 'core-b']);
  });

  it('a core that stops renewing (killed) gives up each lease before it expires; another takes it after expiry', async () => {
    const book = servingBook();
    const a = await started(manager(connect(), testConfig('core-a'), book));
    const b = await started(manager(connect(), testConfig('core-b'), book));
    const killedAt = Date.now();
    // core-a no longer ticks (as if SIGKILLed, except that its fence timer still runs, as it would
    // in a core whose event loop lives but whose database calls hang).
    await until('core-b owns everything', async () => {
      await b.tick();
      return b.owned().length === 10;
    });
    const took = Date.now() - killedAt;
    assert.ok(took >= 1_400, `taken after expiry (${took} ms)`);
    assert.ok(took < 4_000, `taken soon after expiry (${took} ms)`);
    for (const lease of [...ALL_PARTITIONS, 'duty:alerting', 'duty:housekeeping']) {
      const lost = book.log.find((e) => e.core === 'core-a' && e.lease === lease && e.what === 'lost');
      const acquired = book.log.find((e) => e.core === 'core-b' && e.lease === lease && e.what === 'acquired');
      assert.ok(lost && acquired, lease);
      assert.equal(lost.reason, 'expired');
      assert.ok(lost.at <= acquired.at, `${lease}: core-a stopped before core-b started`);
    }
    assert.deepEqual(book.violations, []);
    assert.deepEqual(a.owned(), []);
  });

  it('a stopping core gives its leases back at once', async () => {
    const book = servingBook();
    const a = await started(manager(connect(), testConfig('core-a'), book));
    const b = await started(manager(connect(), testConfig('core-b'), book));
    await a.stop();
    managers.splice(managers.indexOf(a), 1);
    await b.tick();
    assert.equal(b.owned().length, 10, 'no waiting for expiry');
    assert.deepEqual(book.violations, []);
  });

  it('a core that loses PostgreSQL stops serving before the lease expires and resumes without double ownership', async () => {
    const book = servingBook();
    const proxy = await pgProxy(url);
    try {
      const a = await started(manager(connect(proxy.url), testConfig('core-a'), book));
      const b = await started(manager(connect(), testConfig('core-b'), book));
      await a.tick();
      await b.tick();
      assert.equal(a.owned().length, 5);
      await proxy.cut();
      const cutAt = Date.now();
      await a.tick(); // fails: nothing renewed
      await until('core-a fenced itself', () => a.owned().length === 0, 5_000);
      assert.ok(Date.now() - cutAt < 1_500, 'fenced before the leases could expire');
      await until('core-b took over', async () => {
        await b.tick();
        return b.owned().length === 10;
      });
      assert.deepEqual(book.violations, []);
      await proxy.restore();
      await until('core-a rejoined', async () => {
        await a.tick().catch(() => {});
        await b.tick();
        await a.tick();
        return a.owned().length === 5 && b.owned().length === 5;
      }, 15_000, 100);
      assert.deepEqual(book.violations, []);
      assert.deepEqual([...a.owned(), ...b.owned()].sort(), [...ALL_PARTITIONS, 'duty:alerting', 'duty:housekeeping'].sort());
    } finally {
      await proxy.close();
    }
  });

  it('keeps renewing while taking leases is slow (connecting 64 broker sessions outlasts a lease)', async () => {
    const book = servingBook();
    const slow = book.handlers('core-a');
    const m = createLeaseManager(testConfig('core-a', { heartbeatMs: 200 }), {
      sequelize: connect(),
      logger: silentLogger(),
      duties: ['alerting', 'housekeeping'],
      schemaVersion: 'test',
      handlers: {
        acquired: async (name) => {
          await new Promise((r) => setTimeout(r, 300)); // 10 leases × 300 ms = 3 s > the 1.5 s lease
          await slow.acquired(name);
        },
        lost: slow.lost,
      },
    });
    await m.start();
    managers.push(m);
    await until('every lease served', () => book.ownedBy('core-a').length === 10, 10_000);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(m.owned().length, 10);
    assert.deepEqual(book.log.filter((e) => e.what === 'lost'), [], 'nothing given up: used to expire while the first ones were served');
  });

  it('refuses a core configured with another partition count', async () => {
    const book = servingBook();
    await started(manager(connect(), testConfig('core-a'), book));
    const other = manager(connect(), testConfig('core-b', { partitions: 16 }), book);
    await assert.rejects(other.start(), (err: unknown) => isProphasisError(err) && err.code === 'CORE_CLUSTER_PARTITIONS_MISMATCH' && /8 partitions/.test(err.message));
  });
});

describe('cluster configuration', () => {
  it('is off by default and refuses a lease shorter than two heartbeats plus the margin', () => {
    assert.equal(readClusterConfig({}).enabled, false);
    assert.throws(
      () => readClusterConfig({ PROPHASIS_CLUSTER: 'on', PROPHASIS_CLUSTER_HEARTBEAT_MS: '5000', PROPHASIS_CLUSTER_LEASE_MS: '8000' }),
      (err: unknown) => isProphasisError(err) && err.code === 'CORE_CLUSTER_BAD_TIMINGS',
    );
    assert.throws(() => readClusterConfig({ PROPHASIS_CLUSTER: 'maybe' }), /PROPHASIS_CLUSTER/);
  });
});
