import { createMessage, generatePublisherKeys, silentLogger, signAgentPackage, type BodyOf } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentUpgrades } from '../../src/agent-upgrades/index.js';
import { hashPassword } from '../../src/auth/password.js';
import { createFleetTokens, createSequelizeFleetStore, hashToken } from '../../src/enrolment/index.js';
import { readCoreConfig } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';
import { loadOrCreateSiteKey } from '../../src/plugins/index.js';
import { startAgent, waitFor, type AgentProcess } from '../system/agent-process.js';

const PASSWORD = 'correct horse battery staple';
const PLATFORM = `${process.platform}-${process.arch}`;
const WAIT_MS = 30_000;

/** A free TCP port on 127.0.0.1 (the console's public URL must name it before the core starts). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface HostUpgrade {
  name: string;
  agentVersion: string | null;
  platform: string | null;
  upgrade: { status: string; reason: string | null } | null;
}

/**
 * The agent's half of an upgrade from the core, with nothing stubbed but the package's
 * contents (the agent only downloads and checks it; installing is agent/test/upgrade.test.ts):
 * the real core (startCore: embedded broker over TLS, SQLite, HTTP), a real `prophasis-agent run`
 * process enrolled with a fleet token, a version approved and a rollout to the host's group
 * created over HTTP. The agent gets `agent.upgrade` on its `cmd` topic, downloads the package
 * from the core's download route, checks size, hash and the site key's signature, writes
 * `upgrade/request.json` for root and answers `requested`, which the console's host list shows.
 * Every refusal (another key, a bad signature, another platform, a hash that does not match, a
 * download cut short) is answered `refused` with its code, and leaves no file and no request.
 */
describe('agent upgrade offered by the core: a real agent downloads, verifies and asks root (system)', function () {
  this.timeout(180_000);
  let dir: string;
  let core: Core;
  let base: string;
  let cookie: string;
  let agentDir: string;
  let agentId: string;
  let hostId: number;
  let agent: AgentProcess | undefined;
  const packageBytes = Buffer.from(`a stand-in agent package for ${PLATFORM}\n`.repeat(2000));
  const packageSha = createHash('sha256').update(packageBytes).digest('hex');
  let siteKey: ReturnType<typeof loadOrCreateSiteKey>;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const hostUpgrade = async (): Promise<HostUpgrade> => {
    const res = await api('GET', '/api/agent-upgrades/hosts');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.items as (HostUpgrade & { hostId: number })[]).find((h) => h.hostId === hostId)!;
  };
  const upgradeDir = () => join(agentDir, 'upgrade');
  const filesInUpgradeDir = () => (existsSync(upgradeDir()) ? readdirSync(upgradeDir()).sort() : []);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prophasis-upgrade-offer-'));
    const dataDir = join(dir, 'core');
    const port = await freePort();
    const config = readCoreConfig(
      { PROPHASIS_DATA_DIR: dataDir, PROPHASIS_PUBLIC_URL: `http://127.0.0.1:${port}` },
      { httpPort: port, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' },
    );
    core = await startCore(config, silentLogger());
    base = `http://127.0.0.1:${core.httpPort}`;
    siteKey = loadOrCreateSiteKey(dataDir, { logger: silentLogger() });
    await core.db.models.User.create({ name: 'admin', role: 'admin', passwordHash: await hashPassword(PASSWORD) });
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password: PASSWORD }) });
    cookie = /prophasis_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];

    // The version to approve, as the package builder would leave it: a stand-in package for this platform.
    const built = join(dir, 'built');
    mkdirSync(built);
    writeFileSync(join(built, `prophasis-agent-${PLATFORM}.tar.gz`), packageBytes);
    // Approving over HTTP would build the real packages (the npm registry, tens of seconds): the
    // same service on the core's database and data directory approves from the stand-in instead.
    const approver = createAgentUpgrades(
      { dataDir },
      {
        db: core.db,
        logger: silentLogger(),
        systemLog: core.systemLog,
        packages: {
          dir: built,
          get: async () => ({
            version: '0.9.0',
            node: process.versions.node,
            packages: [{ platform: PLATFORM as 'linux-x64', file: `prophasis-agent-${PLATFORM}.tar.gz`, sha256: packageSha, size: packageBytes.length }],
            installScript: { file: 'install.sh', sha256: 'a'.repeat(64) },
            sums: { file: 'SHA256SUMS', sha256: 'b'.repeat(64) },
          }),
        },
        siteKey,
        commands: core.transport,
        downloadBase: () => base,
      },
    );
    await approver.approve('0.9.0', 'system-test');

    const fleet = createFleetTokens({ store: createSequelizeFleetStore(core.db), hashToken, systemLog: core.systemLog });
    const { token } = await fleet.create({ name: 'upgrade test', ttlMs: 3_600_000, maxHosts: 1, groupIds: [], tags: [], createdBy: 'system-test' });
    agentDir = join(dir, 'agent');
    const env = { PROPHASIS_DATA_DIR: agentDir, PROPHASIS_LOG_LEVEL: 'info' };
    const enrol = startAgent(['enroll', '--server', `127.0.0.1:${core.transport.mqttPort}`, '--ca-fingerprint', core.transport.caFingerprint], { ...env, PROPHASIS_ENROL_TOKEN: token });
    assert.equal(await enrol.exited(30_000), 0, `enroll failed: ${enrol.output()}`);
    agentId = (JSON.parse(readFileSync(join(agentDir, 'credentials.json'), 'utf8')) as { agentId: string }).agentId;
    agent = startAgent(['run'], env);
    const host = await waitFor('the agent online', async () => core.db.models.Host.findOne({ where: { agentId } }).then((h) => (h?.connectedSince != null ? h : null)), WAIT_MS, () => agent!.output().slice(-3000));
    hostId = host.id;
    // The core sends its trusted keys (the site key among them) with config.set after the agent came online.
    await waitFor('the site key sent to the agent', async () => existsSync(join(agentDir, 'trusted-publishers.json')) && readFileSync(join(agentDir, 'trusted-publishers.json'), 'utf8').includes(siteKey.keyId), WAIT_MS);
    await waitFor('the platform reported', async () => (await hostUpgrade()).platform === PLATFORM, WAIT_MS);
  });

  after(async () => {
    agent?.kill();
    await agent?.exited(10_000).catch(() => undefined);
    await core?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Sends one `agent.upgrade` as the core does; waits for the agent's answer in the host's upgrade state. */
  async function offer(rolloutId: number, changes: Partial<BodyOf<'agent.upgrade'>>, sign: Partial<{ version: string; platform: string; sha256: string }> = {}, key = siteKey.privateKey) {
    const body: BodyOf<'agent.upgrade'> = {
      rolloutId,
      version: '0.9.0',
      platform: PLATFORM,
      sha256: packageSha,
      size: packageBytes.length,
      keyId: siteKey.keyId,
      signature: '',
      url: `${base}/downloads/versions/0.9.0/prophasis-agent-${PLATFORM}.tar.gz`,
      ...changes,
    };
    body.signature = changes.signature ?? signAgentPackage({ version: body.version, platform: body.platform, sha256: body.sha256, ...sign }, key);
    const before = (await hostUpgrade()).upgrade;
    await core.db.sequelize.query("UPDATE agent_upgrade_hosts SET status = 'offered', reason = NULL WHERE host_id = :hostId", { replacements: { hostId } });
    await core.transport.publishCommand(agentId, createMessage('agent.upgrade', body));
    return waitFor(
      'the agent answers',
      async () => {
        const u = (await hostUpgrade()).upgrade;
        return u && u.status !== 'offered' ? u : null;
      },
      WAIT_MS,
      () => `${JSON.stringify(before)}\n${agent!.output().slice(-3000)}`,
    );
  }

  it('downloads, verifies and writes the request when the rollout reaches the host; the console shows "requested"', async () => {
    const group = await api('POST', '/api/groups', { name: 'canary' });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const groupId = group.body.id as number;
    await core.db.models.HostGroupHost.create({ groupId, hostId });
    const created = await api('POST', '/api/agent-upgrades/rollouts', { version: '0.9.0', stages: [{ groupIds: [groupId] }, { groupIds: [] }] });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const answered = await waitFor('requested', async () => ((await hostUpgrade()).upgrade?.status === 'requested' ? (await hostUpgrade()).upgrade : null), WAIT_MS, () => agent!.output().slice(-3000));
    assert.equal(answered!.reason, null);
    const request = JSON.parse(readFileSync(join(upgradeDir(), 'request.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(
      [request.version, request.platform, request.sha256, request.keyId, request.package],
      ['0.9.0', PLATFORM, packageSha, siteKey.keyId, `prophasis-agent-0.9.0-${PLATFORM}.tar.gz`],
    );
    assert.ok(readFileSync(join(upgradeDir(), request.package as string)).equals(packageBytes), 'the package, whole');
    assert.deepEqual(filesInUpgradeDir(), [`prophasis-agent-0.9.0-${PLATFORM}.tar.gz`, 'request.json']);
    // Until the new version reports itself, the stage is not done.
    const rollouts = await api('GET', '/api/agent-upgrades/rollouts');
    const [rollout] = rollouts.body.items as { stage: number; state: string; stages: { hosts: number; upgraded: number }[] }[];
    assert.deepEqual([rollout!.stage, rollout!.state, rollout!.stages[0]!.hosts, rollout!.stages[0]!.upgraded], [0, 'running', 1, 0]);
  });

  it('refuses another key, a bad signature, another platform, a wrong hash and a cut-short download, leaving no file and no request', async () => {
    const { id } = ((await api('GET', '/api/agent-upgrades/rollouts')).body.items as { id: number }[])[0]!;
    // Root has taken the earlier request: the folder is empty again.
    rmSync(upgradeDir(), { recursive: true, force: true });
    const stranger = generatePublisherKeys();
    const cases: [string, Partial<BodyOf<'agent.upgrade'>>, Partial<{ version: string; platform: string; sha256: string }>, RegExp, typeof siteKey.privateKey?][] = [
      ['a key the agent does not trust', { keyId: stranger.keyId }, {}, /^AGENT_UPGRADE_UNTRUSTED_KEY: .*: key [0-9a-f]{64} is not among/, stranger.privateKey],
      ['a signature over another version', {}, { version: '0.9.1' }, /^AGENT_UPGRADE_BAD_SIGNATURE: .*: 0\.9\.0 for /],
      ['a signature by another key under the site key id', {}, {}, /^AGENT_UPGRADE_BAD_SIGNATURE/, stranger.privateKey],
      ['another platform', { platform: PLATFORM === 'linux-arm64' ? 'linux-x64' : 'linux-arm64' }, {}, /^AGENT_UPGRADE_WRONG_PLATFORM: .*: the package is for /],
      ['a hash that does not match the download', { sha256: 'e'.repeat(64) }, {}, /^AGENT_UPGRADE_HASH_MISMATCH: .*: the download has SHA-256 [0-9a-f]{64}, the core offered e{64}/],
      ['a download cut short', { size: packageBytes.length + 1000 }, {}, new RegExp(`^AGENT_UPGRADE_DOWNLOAD_FAILED: .*truncated: ${packageBytes.length} of ${packageBytes.length + 1000} bytes`)],
      ['a download longer than offered', { size: 1000 }, {}, /^AGENT_UPGRADE_DOWNLOAD_FAILED: .*more than the 1000 bytes offered/],
      ['a package the core does not serve', { url: `${base}/downloads/versions/0.9.0/prophasis-agent-linux-s390x.tar.gz` }, {}, /^AGENT_UPGRADE_DOWNLOAD_FAILED: .*HTTP 404/],
    ];
    for (const [what, changes, sign, reason, key] of cases) {
      const answer = await offer(id, changes, sign, key);
      assert.equal(answer.status, 'refused', what);
      assert.match(answer.reason ?? '', reason, what);
      assert.deepEqual(filesInUpgradeDir().filter((f) => !f.startsWith('.') || f.endsWith('.part')), [], `${what}: nothing left in upgrade/`);
    }
    // The agent kept running and connected throughout.
    assert.ok((await core.db.models.Host.findByPk(hostId))!.connectedSince != null);
    await waitFor('the refusals in the system log', async () => JSON.stringify((await api('GET', '/api/logs?component=agent-upgrades')).body).includes('AGENT_UPGRADE_HASH_MISMATCH'), WAIT_MS);
  });
});
