import { createSecretHasher } from '@prophasis/broker';
import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequelize } from 'sequelize';
import { createDatabase, type Database } from '../../src/db/index.js';
import { createAgentRegistry, hashToken, type AgentRegistry } from '../../src/enrolment/registry.js';
import { createSequelizeRegistryStore } from '../../src/enrolment/sequelize-store.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { FACTS } from './helpers.js';

const PG_URL = process.env.PROPHASIS_TEST_POSTGRES_URL;

interface Target {
  name: string;
  open(): Promise<{ db: Database; cleanup(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'prophasis-tr-db-'));
      const db = await createDatabase({ url: '', sqlitePath: join(dir, 'test.sqlite') }, { logger: silentLogger() });
      return { db, cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const name = `prophasis_test_tr_${randomBytes(6).toString('hex')}`;
      const admin = new Sequelize(PG_URL!, { logging: false });
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.close();
      const url = new URL(PG_URL!);
      url.pathname = `/${name}`;
      const db = await createDatabase({ url: url.toString(), sqlitePath: '' }, { logger: silentLogger() });
      return {
        db,
        async cleanup() {
          const drop = new Sequelize(PG_URL!, { logging: false });
          await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await drop.close();
        },
      };
    },
  },
];

for (const target of targets) {
  describe(`enrolment registry and presence store over the database (${target.name})`, function () {
    let db: Database;
    let cleanup: () => Promise<void>;
    let registry: AgentRegistry;
    let clock = Date.now();
    const store = () => createSequelizeRegistryStore(db);

    before(async function () {
      if (target.name === 'postgres' && !PG_URL) return this.skip(); // PROPHASIS_TEST_POSTGRES_URL unset
      ({ db, cleanup } = await target.open());
      await db.migrate();
      registry = createAgentRegistry({ store: store(), hasher: createSecretHasher(randomBytes(32)), logger: silentLogger(), systemLog: memorySystemLog(), now: () => clock });
    });
    after(async () => {
      await db?.close();
      await cleanup?.();
    });

    it('creates hosts and hashed tokens, enrols once, stores facts and only the secret hash', async () => {
      const host = await registry.addHost('db-web-1');
      assert.equal((await registry.addHost('db-web-1')).hostId, host.hostId, 'pending host reused');
      const { token } = await registry.createEnrolmentToken(host.hostId, 60 * 60 * 1000, 'alice');
      const [tokenRow] = await db.sequelize.query<{ token_hash: string; created_by: string }>('SELECT token_hash, created_by FROM enrolment_tokens', { type: 'SELECT' as never });
      assert.deepEqual(tokenRow, { token_hash: hashToken(token), created_by: 'alice' });
      const first = await registry.consumeToken(token, FACTS);
      assert.ok(first.ok);
      const [row] = await db.sequelize.query<Record<string, unknown>>('SELECT * FROM hosts WHERE id = :id', { replacements: { id: Number(host.hostId) }, type: 'SELECT' as never });
      assert.equal(row!.agent_id, first.agentId);
      assert.equal(row!.enrolment_state, 'enrolled');
      assert.equal(row!.agent_hostname, 'web-1');
      assert.ok(String(row!.secret_hash).startsWith('v1$'));
      assert.ok(!JSON.stringify(row).includes(first.secret));
      const again = await registry.consumeToken(token, FACTS);
      assert.equal(again.ok === false && again.reason, 'token_used');
      assert.ok((await registry.authenticate({ clientId: first.agentId, username: first.agentId, password: Buffer.from(first.secret) })).ok);
    });

    it('lets exactly one of many concurrent redemptions of a token win', async () => {
      const host = await registry.addHost('db-race');
      const { token } = await registry.createEnrolmentToken(host.hostId);
      // A separate registry per request: no shared memory, only the database decides.
      const registries = Array.from({ length: 12 }, () =>
        createAgentRegistry({ store: store(), hasher: createSecretHasher(randomBytes(32)), logger: silentLogger(), systemLog: memorySystemLog() }),
      );
      const results = await Promise.all(registries.map((r) => r.consumeToken(token, FACTS)));
      assert.equal(results.filter((r) => r.ok).length, 1);
      assert.ok(results.every((r) => r.ok || r.reason === 'token_used'));
    });

    it('refuses expired and unknown tokens, and revokes', async () => {
      const host = await registry.addHost('db-exp');
      const { token } = await registry.createEnrolmentToken(host.hostId, 60_000);
      clock += 60_000;
      const expired = await registry.consumeToken(token, FACTS);
      assert.equal(expired.ok === false && expired.reason, 'token_expired');
      const unknown = await registry.consumeToken(randomBytes(32).toString('base64url'), FACTS);
      assert.equal(unknown.ok === false && unknown.reason, 'unknown_token');
      const fresh = await registry.createEnrolmentToken(host.hostId);
      const ok = await registry.consumeToken(fresh.token, FACTS);
      assert.ok(ok.ok);
      assert.equal(await registry.revoke(ok.agentId), true);
      const refused = await registry.authenticate({ clientId: ok.agentId, username: ok.agentId, password: Buffer.from(ok.secret) });
      assert.equal(refused.ok === false && refused.reason, 'not_authorized');
      const reloaded = createAgentRegistry({ store: store(), hasher: createSecretHasher(randomBytes(32)), logger: silentLogger(), systemLog: memorySystemLog() });
      assert.ok((await reloaded.warm()) >= 2);
    });

    it('maintains connected_since, last_seen and unreachable_since', async () => {
      const host = await registry.addHost('db-presence');
      const { token } = await registry.createEnrolmentToken(host.hostId);
      const enrolled = await registry.consumeToken(token, FACTS);
      assert.ok(enrolled.ok);
      const s = store();
      const id = enrolled.agentId;
      const online = await s.recordOnline(id, new Date(1000), { agentVersion: '2.0.0', bundles: ['b'.repeat(64)] });
      assert.deepEqual(online, { hostId: host.hostId, hostName: 'db-presence', clearedUnreachableSince: null, wasConnected: false, lastSeenBefore: null });
      assert.equal((await s.recordOnline(id, new Date(1500), {}))?.wasConnected, true, 'the second online finds it connected');
      await s.recordOnline(id, new Date(2000), {});
      const read = async () =>
        (await db.sequelize.query<Record<string, unknown>>('SELECT * FROM hosts WHERE agent_id = :id', { replacements: { id }, type: 'SELECT' as never }))[0]!;
      let row = await read();
      assert.deepEqual([Number(row.connected_since), Number(row.last_seen), row.agent_version], [1000, 2000, '2.0.0']);
      const bundles: unknown = typeof row.bundles === 'string' ? JSON.parse(row.bundles) : row.bundles;
      assert.deepEqual(bundles, ['b'.repeat(64)]);
      assert.equal(await s.markUnreachable(id, new Date(2500)), undefined, 'a connected host is never marked');
      assert.deepEqual(await s.recordOffline(id, new Date(3000)), { hostId: host.hostId, hostName: 'db-presence', wasConnected: true });
      assert.equal((await s.recordOffline(id, new Date(3000)))?.wasConnected, false, 'a second goodbye finds it disconnected');
      assert.ok((await s.listAwaitingGrace()).some((w) => w.agentId === id && w.lastSeen?.getTime() === 3000));
      assert.deepEqual(await s.markUnreachable(id, new Date(4000)), { hostId: host.hostId, hostName: 'db-presence', lastSeen: new Date(3000) });
      assert.equal(await s.markUnreachable(id, new Date(5000)), undefined, 'only once');
      const back = await s.recordOnline(id, new Date(6000), {});
      assert.equal(back?.clearedUnreachableSince?.getTime(), 4000);
      assert.equal(back?.lastSeenBefore?.getTime(), 3000);
      assert.equal(back?.wasConnected, false);
      row = await read();
      assert.deepEqual([row.unreachable_since, Number(row.connected_since)], [null, 6000]);
      assert.equal(await s.recordOnline('a-nobody', new Date(), {}), undefined);
    });
  });
}
