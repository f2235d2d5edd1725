import { createMessage, generatePublisherKeys, silentLogger, verifyAgentPackage, type CmdMessage } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentUpgrades, type AgentUpgrades } from '../../src/agent-upgrades/index.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { call, createTestApi, type TestApi } from '../api/helpers.js';
import { DIALECTS } from '../db/helpers.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Agent upgrades from the core over the REST API (docs/install-agent.md, "Upgrades from the
 * console") on each database: approving the version the package builder made (copied aside,
 * signed by the site key), a rollout in stages by host group, the `agent.upgrade` offers, the
 * agents' answers and `state` online moving hosts and stages on, promotion, abort, and every
 * refusal with its code, changing nothing. The package builder is a stand-in (a folder with an
 * index): building real packages takes the npm registry and is tested in agent/test.
 */
for (const dialect of DIALECTS) {
  describe(`API agent upgrades (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    let upgrades: AgentUpgrades;
    let work: string;
    const site = generatePublisherKeys();
    const systemLog = memorySystemLog();
    const sent: { agentId: string; message: CmdMessage }[] = [];
    const packageBytes = { 'linux-x64': Buffer.from('x64 package bytes '.repeat(100)), 'linux-arm64': Buffer.from('arm64 package bytes '.repeat(90)) };
    let builderVersion = '0.2.0';
    let groups: Record<'canary' | 'web' | 'empty', number>;
    let hosts: Record<'a' | 'b' | 'c' | 'd', { id: number; agentId: string }>;

    const online = (agentId: string, agentVersion: string, extra: Record<string, unknown> = {}) =>
      upgrades.handleState(agentId, createMessage('state', { status: 'online', agentVersion, platform: 'linux', arch: agentId === 'agent-d' ? 'arm64' : 'x64', ...extra }));
    const answer = (agentId: string, rolloutId: number, status: 'requested' | 'refused', reason?: string) =>
      upgrades.handleRes(agentId, createMessage('agent.upgrade.status', { rolloutId, version: '0.2.0', sha256: 'f'.repeat(64), status, ...(reason ? { reason } : {}) }));
    const hostState = async (name: string) => {
      const res = await call(api, 'admin', 'GET', '/api/agent-upgrades/hosts');
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { items: { name: string; upgrade: { status: string; reason: string | null; stage: number } | null; lastUpgrade: unknown; platform: string | null }[] }).items.find((h) => h.name === name)!;
    };
    const setVersion = (id: number, agentVersion: string) => api.db.models.Host.update({ agentVersion }, { where: { id } });

    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'prophasis-agent-upgrades-'));
      const packagesDir = join(work, 'built');
      await (await import('node:fs/promises')).mkdir(packagesDir);
      for (const [platform, bytes] of Object.entries(packageBytes)) await writeFile(join(packagesDir, `prophasis-agent-${platform}.tar.gz`), bytes);
      api = await createTestApi(dialect, {
        dbPrefix: 'prophasis_test_agent_upgrades',
        deps: (db) => {
          upgrades = createAgentUpgrades(
            { dataDir: join(work, 'data') },
            {
              db,
              logger: silentLogger(),
              systemLog,
              packages: {
                dir: packagesDir,
                get: async () => ({
                  version: builderVersion,
                  node: '24.0.0',
                  packages: Object.entries(packageBytes).map(([platform, bytes]) => ({ platform: platform as 'linux-x64', file: `prophasis-agent-${platform}.tar.gz`, sha256: sha256(bytes), size: bytes.length })),
                  installScript: { file: 'install.sh', sha256: 'a'.repeat(64) },
                  sums: { file: 'SHA256SUMS', sha256: 'b'.repeat(64) },
                }),
              },
              siteKey: site,
              commands: { publishCommand: async (agentId, message) => void sent.push({ agentId, message }) },
              downloadBase: () => 'http://core.example:8080',
            },
          );
          return { agentUpgrades: upgrades };
        },
      });
      const { Host, HostGroup, HostGroupHost, HostGroupGroup } = api.db.models;
      const host = async (name: string) => {
        const h = await Host.create({ name, agentId: `agent-${name}`, enrolmentState: 'enrolled', agentVersion: '0.1.0' });
        return { id: h.id, agentId: `agent-${name}` };
      };
      hosts = { a: await host('a'), b: await host('b'), c: await host('c'), d: await host('d') };
      await Host.create({ name: 'pending' }); // not enrolled: never counted
      const group = async (name: string) => (await HostGroup.create({ name })).id;
      groups = { canary: await group('canary'), web: await group('web'), empty: await group('empty') };
      // a in canary; b and c in web (c through a nested group); d (arm64) in no group.
      await HostGroupHost.create({ groupId: groups.canary, hostId: hosts.a.id });
      await HostGroupHost.create({ groupId: groups.web, hostId: hosts.b.id });
      const nested = await group('web-nested');
      await HostGroupHost.create({ groupId: nested, hostId: hosts.c.id });
      await HostGroupGroup.create({ parentId: groups.web, childId: nested });
    });

    after(async () => {
      await api?.close();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('is for administrators only', async () => {
      for (const [method, url] of [
        ['GET', '/api/agent-upgrades/packages'],
        ['GET', '/api/agent-upgrades/hosts'],
        ['POST', '/api/agent-upgrades/versions'],
      ] as const) {
        assert.equal((await call(api, 'operator', method, url, method === 'POST' ? { version: '0.2.0' } : undefined)).statusCode, 403, url);
        assert.equal((await call(api, undefined, method, url, method === 'POST' ? { version: '0.2.0' } : undefined)).statusCode, 401, url);
      }
    });

    it('lists what the builder can serve, refuses a version it cannot, approves it (kept aside, signed by the site key) once, audited', async () => {
      const listed = await call(api, 'admin', 'GET', '/api/agent-upgrades/packages');
      assert.equal(listed.statusCode, 200, listed.body);
      assert.deepEqual((listed.json() as { available: { version: string; approved: boolean } }).available.version, '0.2.0');
      assert.equal((listed.json() as { available: { approved: boolean } }).available.approved, false);

      const other = await call(api, 'admin', 'POST', '/api/agent-upgrades/versions', { version: '9.9.9' });
      assert.equal(other.statusCode, 404);
      assert.equal(other.json().code, 'CORE_AGENT_UPGRADE_VERSION_NOT_AVAILABLE');
      assert.equal((await call(api, 'admin', 'POST', '/api/agent-upgrades/versions', { version: '../x' })).statusCode, 400);

      const approved = await call(api, 'admin', 'POST', '/api/agent-upgrades/versions', { version: '0.2.0' });
      assert.equal(approved.statusCode, 201, approved.body);
      const body = approved.json() as { version: string; approvedBy: string; packages: { platform: string; sha256: string; keyId: string; url: string }[] };
      assert.equal(body.approvedBy, 'admin');
      assert.deepEqual(body.packages.map((p) => p.platform).sort(), ['linux-arm64', 'linux-x64']);
      const x64 = body.packages.find((p) => p.platform === 'linux-x64')!;
      assert.equal(x64.sha256, sha256(packageBytes['linux-x64']));
      assert.equal(x64.keyId, site.keyId);
      assert.equal(x64.url, '/downloads/versions/0.2.0/prophasis-agent-linux-x64.tar.gz');

      // The approved package is served as approved, even once the builder's folder changes.
      await writeFile(join(work, 'built', 'prophasis-agent-linux-x64.tar.gz'), 'rebuilt');
      const download = await api.app.inject({ method: 'GET', url: x64.url });
      assert.equal(download.statusCode, 200);
      assert.deepEqual(download.rawPayload, packageBytes['linux-x64']);
      assert.equal(download.headers['x-checksum-sha256'], x64.sha256);
      assert.equal((await api.app.inject({ method: 'GET', url: '/downloads/versions/0.2.0/prophasis-agent-linux-s390x.tar.gz' })).json().code, 'CORE_API_NOT_FOUND');
      assert.equal((await api.app.inject({ method: 'GET', url: '/downloads/versions/0.1.0/prophasis-agent-linux-x64.tar.gz' })).statusCode, 404);

      const again = await call(api, 'admin', 'POST', '/api/agent-upgrades/versions', { version: '0.2.0' });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'CORE_AGENT_UPGRADE_ALREADY_APPROVED');
      const audit = await call(api, 'admin', 'GET', '/api/audit?action=agent-upgrades.approve');
      assert.equal((audit.json() as { items: { targetId: string }[] }).items[0]?.targetId, '0.2.0');
      const after = (await call(api, 'admin', 'GET', '/api/agent-upgrades/packages')).json() as { available: { approved: boolean }; approved: unknown[] };
      assert.equal(after.available.approved, true);
      assert.equal(after.approved.length, 1);
    });

    it('refuses a rollout of an unapproved version, with a missing group, or with "every host" before the last stage, creating nothing', async () => {
      const cases: [Record<string, unknown>, number, string][] = [
        [{ version: '0.3.0', stages: [{ groupIds: [groups.canary] }] }, 409, 'CORE_AGENT_UPGRADE_NOT_APPROVED'],
        [{ version: '0.2.0', stages: [{ groupIds: [99999] }] }, 400, 'CORE_AGENT_UPGRADE_GROUP_NOT_FOUND'],
        [{ version: '0.2.0', stages: [{ groupIds: [] }, { groupIds: [groups.web] }] }, 400, 'CORE_AGENT_UPGRADE_INVALID_STAGES'],
        [{ version: '0.2.0', stages: [] }, 400, 'CORE_VALIDATION'],
        [{ version: '0.2.0', stages: [{ groupIds: [groups.canary] }], promoteAtPercent: 0 }, 400, 'CORE_VALIDATION'],
      ];
      for (const [body, status, code] of cases) {
        const res = await call(api, 'admin', 'POST', '/api/agent-upgrades/rollouts', body);
        assert.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body}`);
        assert.equal(res.json().code, code);
      }
      assert.deepEqual((await call(api, 'admin', 'GET', '/api/agent-upgrades/rollouts')).json(), { items: [] });
      assert.equal(sent.length, 0);
    });

    it('offers the first stage to its hosts only, with the signed hash and the download URL; a host not yet heard from is offered when it says its platform', async () => {
      // b has told its platform, a not yet.
      await online(hosts.b.agentId, '0.1.0');
      const created = await call(api, 'admin', 'POST', '/api/agent-upgrades/rollouts', {
        version: '0.2.0',
        stages: [{ groupIds: [groups.canary] }, { groupIds: [groups.web, groups.empty] }, { groupIds: [] }],
        promoteAtPercent: 100,
      });
      assert.equal(created.statusCode, 201, created.body);
      const rollout = created.json() as { id: number; stage: number; state: string; stages: { hosts: number; upgraded: number }[] };
      assert.deepEqual([rollout.stage, rollout.state], [0, 'running']);
      assert.deepEqual(rollout.stages.map((s) => s.hosts), [1, 2, 1], 'canary: a; web: b and c (nested); every other host: d');
      assert.equal(sent.length, 0, 'a has not said its platform yet');

      await online(hosts.a.agentId, '0.1.0');
      assert.equal(sent.length, 1);
      const { agentId, message } = sent[0]!;
      assert.equal(agentId, hosts.a.agentId);
      assert.equal(message.type, 'agent.upgrade');
      if (message.type !== 'agent.upgrade') return;
      const offer = message.body;
      assert.deepEqual([offer.rolloutId, offer.version, offer.platform, offer.size, offer.keyId], [rollout.id, '0.2.0', 'linux-x64', packageBytes['linux-x64'].length, site.keyId]);
      assert.equal(offer.url, 'http://core.example:8080/downloads/versions/0.2.0/prophasis-agent-linux-x64.tar.gz');
      assert.ok(verifyAgentPackage(offer, offer.signature, site.publicKey), 'signed by the site key');
      assert.ok(!verifyAgentPackage({ ...offer, version: '0.2.1' }, offer.signature, site.publicKey), 'over the version too');
      assert.equal((await hostState('a')).upgrade?.status, 'offered');

      // Another rollout while this one runs is refused.
      const second = await call(api, 'admin', 'POST', '/api/agent-upgrades/rollouts', { version: '0.2.0', stages: [{ groupIds: [] }] });
      assert.equal(second.json().code, 'CORE_AGENT_UPGRADE_ROLLOUT_RUNNING');
    });

    it("records the agent's answers, re-offers after a reconnect while unanswered, and promotes when the stage runs the version", async () => {
      const { id } = ((await call(api, 'admin', 'GET', '/api/agent-upgrades/rollouts')).json() as { items: { id: number }[] }).items[0]!;
      await online(hosts.a.agentId, '0.1.0');
      assert.equal(sent.length, 2, 'offered again: it did not answer');
      await answer(hosts.a.agentId, id, 'requested');
      assert.equal((await hostState('a')).upgrade?.status, 'requested');
      await online(hosts.a.agentId, '0.1.0');
      assert.equal(sent.length, 2, 'not offered again once it answered');

      // a comes back with the new version: stage 1 done at 100 %, stage 2 (web) offered to b (c has not said its platform).
      await setVersion(hosts.a.id, '0.2.0');
      await online(hosts.a.agentId, '0.2.0', { upgrade: { state: 'switched', from: '0.1.0', to: '0.2.0', at: Date.now() } });
      assert.equal((await hostState('a')).upgrade?.status, 'upgraded');
      assert.deepEqual((await hostState('a')).lastUpgrade, { state: 'switched', from: '0.1.0', to: '0.2.0', at: ((await hostState('a')).lastUpgrade as { at: number }).at });
      const rollout = ((await call(api, 'admin', 'GET', '/api/agent-upgrades/rollouts')).json() as { items: { stage: number; stages: { upgraded: number }[] }[] }).items[0]!;
      assert.equal(rollout.stage, 1);
      assert.deepEqual(sent.slice(2).map((s) => s.agentId), [hosts.b.agentId]);
    });

    it('counts a refusal and a rolled-back upgrade as failed (with the reason, in the system log); promote by hand; the last stage completes', async () => {
      const { id } = ((await call(api, 'admin', 'GET', '/api/agent-upgrades/rollouts')).json() as { items: { id: number }[] }).items[0]!;
      await answer(hosts.b.agentId, id, 'refused', 'AGENT_UPGRADE_HASH_MISMATCH: the download has SHA-256 0000, the core offered ffff');
      const b = await hostState('b');
      assert.deepEqual([b.upgrade?.status, b.upgrade?.reason], ['refused', 'AGENT_UPGRADE_HASH_MISMATCH: the download has SHA-256 0000, the core offered ffff']);
      assert.ok(systemLog.entries.some((e) => e.component === 'agent-upgrades' && /b refused agent 0\.2\.0: AGENT_UPGRADE_HASH_MISMATCH/.test(e.message)));

      // c says its platform: offered; then its installation reports a rollback.
      await online(hosts.c.agentId, '0.1.0');
      assert.equal(sent.at(-1)?.agentId, hosts.c.agentId);
      await online(hosts.c.agentId, '0.1.0', { upgrade: { state: 'rolled-back', from: '0.1.0', to: '0.2.0', at: Date.now() + 1, reason: 'version 0.2.0 did not connect within 120000 ms' } });
      const c = await hostState('c');
      assert.deepEqual([c.upgrade?.status, c.upgrade?.reason], ['failed', 'rolled-back: version 0.2.0 did not connect within 120000 ms']);
      // One host, as the host page asks for it (administrators only); a host without an agent is 404.
      const one = await call(api, 'admin', 'GET', `/api/agent-upgrades/hosts/${hosts.c.id}`);
      assert.equal(one.statusCode, 200, one.body);
      assert.equal((one.json() as { upgrade: { status: string } }).upgrade.status, 'failed');
      assert.equal((await call(api, 'viewer', 'GET', `/api/agent-upgrades/hosts/${hosts.c.id}`)).statusCode, 403);
      const pending = await api.db.models.Host.findOne({ where: { name: 'pending' } });
      assert.equal((await call(api, 'admin', 'GET', `/api/agent-upgrades/hosts/${pending!.id}`)).json().code, 'CORE_API_NOT_FOUND');

      // Nobody of stage 2 upgraded, so it does not promote by itself; the administrator does.
      let rollout = ((await call(api, 'admin', 'GET', '/api/agent-upgrades/rollouts')).json() as { items: { stage: number; stages: { failed: number }[] }[] }).items[0]!;
      assert.deepEqual([rollout.stage, rollout.stages[1]!.failed], [1, 2]);
      assert.equal((await call(api, 'operator', 'POST', `/api/agent-upgrades/rollouts/${id}/promote`, {})).statusCode, 403);
      const promoted = await call(api, 'admin', 'POST', `/api/agent-upgrades/rollouts/${id}/promote`, {});
      assert.equal(promoted.statusCode, 200, promoted.body);
      assert.equal((promoted.json() as { stage: number }).stage, 2);
      await online(hosts.d.agentId, '0.1.0');
      const offerD = sent.at(-1)!;
      assert.equal(offerD.agentId, hosts.d.agentId);
      assert.equal(offerD.message.type === 'agent.upgrade' && offerD.message.body.platform, 'linux-arm64');

      const last = await call(api, 'admin', 'POST', `/api/agent-upgrades/rollouts/${id}/promote`, {});
      assert.equal(last.json().code, 'CORE_AGENT_UPGRADE_LAST_STAGE');
      await setVersion(hosts.d.id, '0.2.0');
      await online(hosts.d.agentId, '0.2.0');
      rollout = ((await call(api, 'admin', 'GET', '/api/agent-upgrades/rollouts')).json() as { items: { state: string; stage: number; stages: { failed: number }[] }[] }).items[0]!;
      assert.equal((rollout as unknown as { state: string }).state, 'completed');
      const ended = await call(api, 'admin', 'POST', `/api/agent-upgrades/rollouts/${id}/abort`, {});
      assert.equal(ended.json().code, 'CORE_AGENT_UPGRADE_ROLLOUT_ENDED');
      assert.equal((await call(api, 'admin', 'POST', '/api/agent-upgrades/rollouts/99999/abort', {})).json().code, 'CORE_AGENT_UPGRADE_ROLLOUT_NOT_FOUND');
    });

    it('offers a host that joins a stage at once; aborts a running rollout: no further offers; audited', async () => {
      builderVersion = '0.3.0';
      await writeFile(join(work, 'built', 'prophasis-agent-linux-x64.tar.gz'), packageBytes['linux-x64']);
      // The builder's index still names the old bytes for arm64 and x64: approve 0.3.0 from them.
      assert.equal((await call(api, 'admin', 'POST', '/api/agent-upgrades/versions', { version: '0.3.0' })).statusCode, 201);
      const created = await call(api, 'admin', 'POST', '/api/agent-upgrades/rollouts', { version: '0.3.0', stages: [{ groupIds: [groups.empty] }, { groupIds: [] }], autoPromote: false });
      assert.equal(created.statusCode, 201, created.body);
      const { id, stage } = created.json() as { id: number; stage: number };
      assert.equal(stage, 0, 'an empty stage does not promote by itself without autoPromote');
      // A host that joins the stage's group is offered the version at once (the core calls this on config.changed).
      const offered = sent.length;
      await api.db.models.HostGroupHost.create({ groupId: groups.empty, hostId: hosts.a.id });
      await upgrades.membershipChanged();
      assert.equal(sent.length, offered + 1);
      const joined = sent.at(-1)!;
      assert.equal(joined.agentId, hosts.a.agentId);
      assert.equal(joined.message.type === 'agent.upgrade' ? joined.message.body.version : joined.message.type, '0.3.0');
      const aborted = await call(api, 'admin', 'POST', `/api/agent-upgrades/rollouts/${id}/abort`, {});
      assert.equal(aborted.statusCode, 200);
      assert.equal((aborted.json() as { state: string }).state, 'aborted');
      const before = sent.length;
      await online(hosts.a.agentId, '0.2.0');
      assert.equal(sent.length, before);
      const audit = (await call(api, 'admin', 'GET', '/api/audit?action=agent-upgrades.abort')).json() as { items: { targetId: string }[] };
      assert.equal(audit.items[0]?.targetId, String(id));
      assert.ok((await readFile(join(work, 'data', 'downloads', 'agent-versions', '0.3.0', 'prophasis-agent-linux-x64.tar.gz'))).equals(packageBytes['linux-x64']));
    });
  });
}
