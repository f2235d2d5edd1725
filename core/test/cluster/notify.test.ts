import assert from 'node:assert/strict';
import { isProphasisError, silentLogger } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import { checkSchemaForCluster, createEventBridge, type EventBridge } from '../../src/cluster/index.js';
import { MIGRATIONS } from '../../src/db/index.js';
import { createEventBus, type CoreEvent } from '../../src/kernel/index.js';
import { openTestDatabase, type TestDatabase } from '../db/helpers.js';
import { PG_URL, until } from './helpers.js';

(PG_URL ? describe : describe.skip)('cluster: configuration and live events between cores (LISTEN/NOTIFY)', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let url: string;
  const bridges: EventBridge[] = [];

  beforeEach(async () => {
    database = await openTestDatabase('postgres', { prefix: 'prophasis_cluster_events' });
    const u = new URL(PG_URL);
    u.pathname = `/${(database.db.sequelize.config as { database: string }).database}`;
    url = u.toString();
  });
  afterEach(async () => {
    for (const b of bridges.splice(0)) await b.stop();
    await database.cleanup();
  });

  async function core(coreId: string) {
    const events = createEventBus();
    const local: CoreEvent[] = [];
    const seenByConsole: CoreEvent[] = [];
    events.subscribe((e) => local.push(e));
    const bridge = createEventBridge({ coreId, databaseUrl: url }, { events, logger: silentLogger() });
    await bridge.start();
    bridges.push(bridge);
    bridge.consoleEvents.subscribe((e) => seenByConsole.push(e));
    return { events, local, seenByConsole, bridge };
  }

  it('a configuration change on one core reaches the other core’s subsystems and console; results reach only its console', async () => {
    const a = await core('core-a');
    const b = await core('core-b');
    a.bridge.consoleEvents.publish({ type: 'config.changed', ts: 1, resource: 'checks' });
    await until('core-b heard the change', () => b.local.some((e) => e.type === 'config.changed'));
    assert.ok(b.seenByConsole.some((e) => e.type === 'config.changed' && e.resource === 'checks'), 'core-b’s console sees it');
    a.events.publish({ type: 'result.stored', ts: 2, count: 1, latest: [{ hostId: 1, pluginId: 2, checkId: 3, severity: 'ok', value: 4, measuredAt: 5 }] });
    a.events.publish({ type: 'state.changed', ts: 3, transition: { hostId: 1, serviceId: null, pluginId: null, from: 'ok', to: 'critical', at: 3, late: false } });
    await until('core-b’s console saw the transition', () => b.seenByConsole.some((e) => e.type === 'state.changed'));
    assert.ok(b.seenByConsole.some((e) => e.type === 'result.stored' && e.latest[0]?.value === 4));
    assert.ok(!b.local.some((e) => e.type === 'result.stored' || e.type === 'state.changed'), 'core-b’s alerting and services do not see another core’s transitions');
    // Nothing echoes back, however long we wait.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(a.local.filter((e) => e.type === 'config.changed').length, 1);
    assert.equal(b.local.filter((e) => e.type === 'config.changed').length, 1);
  });

  it('a stored batch too large for one notification still arrives, with its count and as many results as fit', async () => {
    const a = await core('core-a');
    const b = await core('core-b');
    const latest = Array.from({ length: 500 }, (_, i) => ({ hostId: i, pluginId: 1, checkId: 1, severity: 'ok' as const, value: 'x'.repeat(20), measuredAt: i }));
    a.events.publish({ type: 'result.stored', ts: 1, count: 500, latest });
    await until('the batch arrived', () => b.seenByConsole.some((e) => e.type === 'result.stored'));
    const got = b.seenByConsole.find((e) => e.type === 'result.stored') as Extract<CoreEvent, { type: 'result.stored' }>;
    assert.equal(got.count, 500);
    assert.ok(got.latest.length > 0 && got.latest.length < 500);
  });

  it('a malformed notification is dropped and the bridge goes on', async () => {
    const b = await core('core-b');
    await database.db.sequelize.query(`SELECT pg_notify('prophasis_events', 'not json')`);
    await database.db.sequelize.query(`SELECT pg_notify('prophasis_events', $1)`, { bind: [JSON.stringify({ o: 'x', e: { type: 'config.changed', ts: 1, resource: 'hosts' } })] });
    await until('the good one arrived', () => b.local.some((e) => e.type === 'config.changed'));
    assert.equal(b.bridge.received(), 1);
  });
});

(PG_URL ? describe : describe.skip)('cluster: two cores with different schema versions', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  beforeEach(async () => {
    database = await openTestDatabase('postgres', { prefix: 'prophasis_cluster_schema' });
  });
  afterEach(async () => database.cleanup());

  const names = MIGRATIONS.map((m) => m.name);
  const liveMember = (id: string, version: string) =>
    database.db.sequelize.query(
      `INSERT INTO cluster_members (core_id, schema_version, started_at, heartbeat_at) VALUES ($1, $2, 0, (extract(epoch from clock_timestamp()) * 1000)::bigint)`,
      { bind: [id, version] },
    );

  it('a newer core refuses to migrate while an older core is alive, and migrates nothing', async () => {
    await liveMember('old-core', names[names.length - 1]!);
    const newer = [...names, '0999-future'];
    await assert.rejects(
      checkSchemaForCluster(database.db.sequelize, newer, 10_000),
      (err: unknown) => isProphasisError(err) && err.code === 'CORE_CLUSTER_OLDER_CORE_RUNNING' && /old-core runs/.test(err.message) && /0999-future/.test(err.message),
    );
    const applied = await database.db.sequelize.query<{ name: string }>(`SELECT name FROM schema_migrations`, { type: QueryTypes.SELECT });
    assert.ok(!applied.some((r) => r.name === '0999-future'));
  });

  it('a newer core migrates once the older core’s heartbeat is stale; the same versions never refuse', async () => {
    await database.db.sequelize.query(`INSERT INTO cluster_members (core_id, schema_version, started_at, heartbeat_at) VALUES ('gone', 'old', 0, 0)`);
    await checkSchemaForCluster(database.db.sequelize, [...names, '0999-future'], 10_000);
    await liveMember('same', names[names.length - 1]!);
    await checkSchemaForCluster(database.db.sequelize, names, 10_000);
  });

  it('an older core refuses a database that has migrations it does not know', async () => {
    await assert.rejects(
      checkSchemaForCluster(database.db.sequelize, names.slice(0, -1), 10_000),
      (err: unknown) => isProphasisError(err) && err.code === 'CORE_CLUSTER_SCHEMA_NEWER' && err.message.includes(names[names.length - 1]!),
    );
  });
});
