import { isProphasisError, silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCoreConfig } from '../../src/kernel/config.js';
import type { CoreEvent } from '../../src/kernel/index.js';
import { startCore, type Core } from '../../src/main.js';
import { openTestDatabase, type TestDatabase } from '../db/helpers.js';
import { connectClient, randomId } from '../transport/helpers.js';
import { PG_URL, until } from './helpers.js';

const MOSQUITTO = process.env.PROPHASIS_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** Starts a core with the cluster's variables set for the duration of the start (read once, at start). */
async function withEnv<T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('several cores: refusals at start', function () {
  this.timeout(60_000);
  it('refuses PROPHASIS_CLUSTER with SQLite or the embedded broker, naming what is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prophasis-cluster-refusal-'));
    try {
      const config = readCoreConfig({ PROPHASIS_DATA_DIR: dir }, { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' });
      await withEnv({ PROPHASIS_CLUSTER: 'on' }, async () => {
        await assert.rejects(
          startCore(config, silentLogger()),
          (err: unknown) => isProphasisError(err) && err.code === 'CORE_CLUSTER_NEEDS_POSTGRES_AND_BROKER' && /database sqlite, broker embedded/.test(err.message),
        );
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

(PG_URL ? describe : describe.skip)('several cores: two cores on one PostgreSQL and one broker', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let url: string;
  const dirs: string[] = [];
  const cores: Core[] = [];
  const prefix = randomId('tc-');

  before(async () => {
    database = await openTestDatabase('postgres', { prefix: 'prophasis_two_cores', migrate: false });
    const u = new URL(PG_URL);
    u.pathname = `/${(database.db.sequelize.config as { database: string }).database}`;
    url = u.toString();
  });
  after(async () => {
    for (const c of cores) await c.stop().catch(() => {});
    await database.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    for (const id of [...Array.from({ length: 4 }, (_, i) => `${prefix}-p${i}`), `${prefix}-enrol`]) {
      const cleaner = await connectClient(MOSQUITTO, { clientId: id, clean: true });
      await cleaner.endAsync();
    }
  });

  async function start(coreId: string): Promise<Core> {
    const dir = mkdtempSync(join(tmpdir(), `prophasis-${coreId}-`));
    dirs.push(dir);
    const config = readCoreConfig(
      { PROPHASIS_DATA_DIR: dir },
      { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent', databaseUrl: url, mqttUrl: MOSQUITTO },
    );
    const core = await withEnv(
      {
        PROPHASIS_CLUSTER: 'on',
        PROPHASIS_CLUSTER_CORE_ID: coreId,
        PROPHASIS_CLUSTER_PARTITIONS: '4',
        PROPHASIS_CLUSTER_HEARTBEAT_MS: '300',
        PROPHASIS_CLUSTER_LEASE_MS: '1500',
        PROPHASIS_CLUSTER_MARGIN_MS: '500',
        PROPHASIS_MQTT_CLIENT_ID: prefix,
      },
      () => startCore(config, silentLogger()),
    );
    cores.push(core);
    return core;
  }

  const owners = async () =>
    database.db.sequelize.query<{ owner: string | null; n: number }>(
      `SELECT owner, count(*)::int AS n FROM cluster_leases WHERE expires_at > (extract(epoch from clock_timestamp()) * 1000)::bigint GROUP BY owner ORDER BY owner`,
      { type: 'SELECT' as never },
    ) as unknown as Promise<{ owner: string | null; n: number }[]>;

  it('share partitions and duties, pass a configuration change from one to the other, and take over a stopped core’s share', async () => {
    const a = await start('core-a');
    await until('core-a holds all 4 partitions and 5 duties', async () => (await owners()).some((o) => o.owner === 'core-a' && Number(o.n) === 9));
    const b = await start('core-b');
    await until('the leases balanced', async () => {
      const o = await owners();
      return o.length === 2 && o.every((x) => x.owner !== null && Number(x.n) >= 4);
    });
    const seenByB: CoreEvent[] = [];
    b.events.subscribe((e) => seenByB.push(e));
    a.events.publish({ type: 'config.changed', ts: Date.now(), resource: 'checks' });
    await until('core-b heard core-a’s change', () => seenByB.some((e) => e.type === 'config.changed' && e.resource === 'checks'));
    await a.stop();
    cores.splice(cores.indexOf(a), 1);
    await until('core-b holds everything', async () => {
      const o = await owners();
      return o.length === 1 && o[0]!.owner === 'core-b' && Number(o[0]!.n) === 9;
    });
    const health = await fetch(`http://127.0.0.1:${b.httpPort}/api/health`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(health.status, 200);
  });
});
