import { ensurePki } from '@prophasis/broker';
import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCoreConfig } from '../../src/kernel/config.js';
import { createDatabase } from '../../src/db/index.js';
import { hostAddCommand } from '../../src/enrolment/cli/host-add.js';
import { hashToken } from '../../src/enrolment/registry.js';

describe('prophasis host add (command function)', function () {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-tr-cli-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('creates the host and a hashed token in the database and prints the fingerprint of the core CA', async () => {
    const environment = { PROPHASIS_DATA_DIR: dir, PROPHASIS_PKI_HOSTNAMES: 'localhost', PROPHASIS_PKI_IPS: '127.0.0.1' };
    const config = readCoreConfig(environment);
    const logger = silentLogger();
    // The packages' index as the downloads feature answers it (built for real in test/downloads/).
    const sums = 'cd'.repeat(32);
    const packages = { get: async () => ({ sums: { sha256: sums } }) };
    const out = await hostAddCommand(['mail-1', '--server', 'core.lan', '--ttl', '30'], { config, logger, environment, packages });
    const pki = await ensurePki(join(dir, 'pki'), { hostnames: ['localhost'], ips: ['127.0.0.1'], logger });
    const options = `--server core.lan:8883 --ca-fingerprint ${pki.caFingerprint} --token ${out.token} --sha256 ${sums}`;
    assert.equal(out.installCommand, `curl -fsSL http://core.lan:8080/install.sh | sudo sh -s -- --url http://core.lan:8080 ${options}`);
    assert.equal(out.offlineCommand, `sudo sh install.sh --package prophasis-agent-linux-x64.tar.gz ${options}`);
    assert.equal(out.enrolCommand, `prophasis-agent enroll --server core.lan:8883 --token ${out.token} --ca-fingerprint ${pki.caFingerprint}`);
    assert.ok(out.text.includes(`\n  ${out.installCommand}\n`) && out.text.includes(`\n  ${out.offlineCommand}\n`), out.text);
    assert.ok(Math.abs(out.expiresAt.getTime() - Date.now() - 30 * 60_000) < 10_000);
    assert.equal((await stat(join(dir, 'pki', 'pepper'))).mode & 0o777, 0o600);

    const db = await createDatabase({ url: '', sqlitePath: join(dir, 'prophasis.sqlite') }, { logger });
    try {
      const rows = await db.sequelize.query<{ name: string; token_hash: string }>(
        'SELECT h.name, t.token_hash FROM enrolment_tokens t JOIN hosts h ON h.id = t.host_id',
        { type: 'SELECT' as never },
      );
      assert.deepEqual(rows, [{ name: 'mail-1', token_hash: hashToken(out.token) }]);
    } finally {
      await db.close();
    }
    await assert.rejects(hostAddCommand([], { config, logger, environment, packages }), { code: 'CORE_ENROL_INVALID_HOST_NAME' });
    await assert.rejects(hostAddCommand(['bad name!'], { config, logger, environment, packages }), { code: 'CORE_ENROL_INVALID_HOST_NAME' });
    const again = await hostAddCommand(['mail-1'], { config, logger, environment, packages });
    assert.equal(again.hostId, out.hostId);
  });
});
