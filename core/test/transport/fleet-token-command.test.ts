import { ensurePki } from '@prophasis/broker';
import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryTypes } from 'sequelize';
import { createDatabase, type Database } from '../../src/db/index.js';
import { fleetTokenCreateCommand } from '../../src/enrolment/cli/fleet-token.js';
import { hashToken } from '../../src/enrolment/registry.js';
import { readCoreConfig } from '../../src/kernel/config.js';

describe('prophasis fleet-token create (command function)', function () {
  this.timeout(30_000);
  let dir: string;
  const environment = () => ({ PROPHASIS_DATA_DIR: dir, PROPHASIS_PKI_HOSTNAMES: 'localhost', PROPHASIS_PKI_IPS: '127.0.0.1' });
  const sums = 'cd'.repeat(32);
  const packages = { get: async () => ({ sums: { sha256: sums } }) };
  const logger = silentLogger();
  const run = (args: string[]) => fleetTokenCreateCommand(args, { config: readCoreConfig(environment()), logger, environment: environment(), packages });
  const withDb = async <T>(work: (db: Database) => Promise<T>): Promise<T> => {
    const db = await createDatabase({ url: '', sqlitePath: join(dir, 'prophasis.sqlite') }, { logger });
    try {
      await db.migrate();
      return await work(db);
    } finally {
      await db.close();
    }
  };
  const tokenCount = () => withDb(async (db) => (await db.sequelize.query('SELECT id FROM fleet_tokens', { type: QueryTypes.SELECT })).length);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-fleet-cli-'));
    await withDb(async (db) => {
      await db.models.HostGroup.create({ name: 'office' });
      await db.models.HostGroup.create({ name: 'linux servers' });
    });
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('creates a hashed token with its groups, tags and limit and prints the one install line', async () => {
    const out = await run(['office rollout', '--server', 'core.lan', '--days', '3', '--max-hosts', '25', '--group', 'office', '--group', 'linux servers', '--tag', 'site:hq']);
    const pki = await ensurePki(join(dir, 'pki'), { hostnames: ['localhost'], ips: ['127.0.0.1'], logger });
    assert.match(out.token, /^pfleet_[A-Za-z0-9_-]{43}$/);
    assert.equal(
      out.installCommand,
      `curl -fsSL http://core.lan:8080/install.sh | sudo sh -s -- --url http://core.lan:8080 --server core.lan:8883 --ca-fingerprint ${pki.caFingerprint} --token ${out.token} --sha256 ${sums}`,
    );
    assert.ok(out.text.includes(`\n  ${out.installCommand}\n`), out.text);
    assert.match(out.text, /registers at most 25 hosts until /);
    assert.deepEqual([out.fleetToken.name, out.fleetToken.maxHosts, out.fleetToken.tags, out.fleetToken.groupIds.length], ['office rollout', 25, ['site:hq'], 2]);
    assert.ok(Math.abs(out.fleetToken.expiresAt - Date.now() - 3 * 86_400_000) < 60_000);
    const rows = await withDb((db) =>
      db.sequelize.query<{ token_hash: string; groups: number }>(
        'SELECT token_hash, (SELECT COUNT(*) FROM fleet_token_groups g WHERE g.token_id = t.id) AS groups FROM fleet_tokens t',
        { type: QueryTypes.SELECT },
      ),
    );
    assert.deepEqual(rows.map((r) => [r.token_hash, Number(r.groups)]), [[hashToken(out.token), 2]]);
  });

  it('refuses bad options naming them, and creates nothing', async () => {
    const before = await tokenCount();
    await assert.rejects(run([]), { code: 'CORE_VALIDATION' });
    await assert.rejects(run(['x', '--days', '0']), (err: Error & { code?: string; details?: { field?: string } }) => err.code === 'CORE_VALIDATION' && err.details?.field === 'ttlDays');
    await assert.rejects(run(['x', '--max-hosts', 'many']), (err: Error & { code?: string; details?: { field?: string } }) => err.details?.field === 'maxHosts');
    await assert.rejects(run(['x', '--tag', 'no spaces please']), (err: Error & { code?: string; details?: { field?: string } }) => err.details?.field === 'tags.0');
    await assert.rejects(run(['x', '--server', 'core.lan; rm -rf /']), (err: Error & { code?: string; details?: { field?: string } }) => err.details?.field === 'server');
    await assert.rejects(run(['x', '--group', 'nowhere']), (err: Error & { code?: string; message: string }) => err.code === 'CORE_API_REFERENCE_NOT_FOUND' && err.message.includes('"nowhere"'));
    assert.equal(await tokenCount(), before);
  });
});
