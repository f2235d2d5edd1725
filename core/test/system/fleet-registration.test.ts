import { createMessage, encodeMessage, generatePublisherKeys, silentLogger, type PlanEntry } from '@prophasis/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../src/auth/password.js';
import { createFleetTokens, createSequelizeFleetStore, hashToken } from '../../src/enrolment/index.js';
import { readCoreConfig } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';
import { createFileTrustStore, loadOrCreateSiteKey, trustDirectory } from '../../src/plugins/index.js';
import { signedBundle } from '../plugins/helpers.js';
import { startAgent, waitFor, type AgentProcess } from './agent-process.js';

const PASSWORD = 'correct horse battery staple';
const PLUGIN = 'com.example.fleet-probe';
const WAIT_MS = 15_000;

interface EnrolAnswer {
  status: string;
  agentId?: string;
  secret?: string;
  hostName?: string;
  reason?: string;
}

/**
 * Auto-registration with nothing stubbed (issue 17): the real core (startCore: embedded broker
 * over TLS, SQLite, the HTTP API), registration rules and groups made over HTTP, one fleet token
 * registering three agents: a real `prophasis-agent` process (enrolled by its CLI with the
 * token, then running and online) and two agents played with MQTT.js over TLS as the transport
 * tests do, reporting other names and architectures. Each host lands in the groups its rules
 * give; a check on one of them reaches that agent's plan without anyone touching the host. A
 * revoked token, a taken name and a used-up token are refused with their reason, and nothing is
 * created.
 */
describe('auto-registration with a fleet token, core and agents over TLS (system)', function () {
  this.timeout(120_000);
  const publisher = generatePublisherKeys();
  let dir: string;
  let core: Core;
  let base: string;
  let cookie: string;
  let caPem: string;
  let token: string;
  let tokenId: number;
  let groups: Record<'fleet' | 'linux' | 'web' | 'arm', number>;
  let checkId: number;
  const agents: AgentProcess[] = [];
  const clients: MqttClient[] = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown> & { id: number }) : ({} as never) };
  };
  const mqttPort = () => core.transport.mqttPort;
  const hostByName = (name: string) => core.db.models.Host.findOne({ where: { name } });
  const groupIdsOf = async (hostId: number) =>
    (await core.db.models.HostGroupHost.findAll({ where: { hostId } })).map((r) => r.groupId).sort((a, b) => a - b);
  const sorted = (...ids: number[]) => [...ids].sort((a, b) => a - b);

  /** TLS as the agent does it: the pinned private CA is the identity, not the name (docs/enrolment.md); passed through to tls.connect. */
  const pinned = () => ({ ca: caPem, rejectUnauthorized: true, checkServerIdentity: () => undefined }) as IClientOptions;

  /** What the agent's `enroll` does after checking the CA: one `$enrol` session, `enrol.request`, the answer. */
  async function enrolAs(facts: { hostname: string; platform: string; arch: string }, presented = token): Promise<EnrolAnswer> {
    const clientId = `enrol-${randomBytes(8).toString('hex')}`;
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${mqttPort()}`, {
      clientId,
      username: '$enrol',
      password: presented,
      clean: true,
      ...pinned(),
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    try {
      const answer = new Promise<Buffer>((resolve) => client.once('message', (_t, payload) => resolve(payload)));
      await client.subscribeAsync(`prophasis/v1/enrol/${clientId}/resp`, { qos: 1 });
      await client.publishAsync(
        `prophasis/v1/enrol/${clientId}/req`,
        encodeMessage(createMessage('enrol.request', { token: presented, ...facts, agentVersion: '0.1.0', nodeVersion: '24.0.0' })),
        { qos: 1 },
      );
      const payload = await Promise.race([answer, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no enrol.response')), WAIT_MS))]);
      return (JSON.parse(payload.toString('utf8')) as { body: EnrolAnswer }).body;
    } finally {
      await client.endAsync();
    }
  }

  /** Connects with the issued credentials, subscribes to its commands and reports itself online. */
  async function runAs(agentId: string, secret: string): Promise<{ plan: Promise<PlanEntry[]> }> {
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${mqttPort()}`, {
      clientId: agentId,
      username: agentId,
      password: secret,
      clean: false,
      ...pinned(),
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    clients.push(client);
    const plan = new Promise<PlanEntry[]>((resolve) =>
      client.on('message', (_t, payload) => {
        const message = JSON.parse(payload.toString('utf8')) as { type: string; body: { entries: PlanEntry[] } };
        if (message.type === 'plan.set' && message.body.entries.length > 0) resolve(message.body.entries);
      }),
    );
    await client.subscribeAsync(`prophasis/v1/agents/${agentId}/cmd`, { qos: 1 });
    await client.publishAsync(`prophasis/v1/agents/${agentId}/state`, encodeMessage(createMessage('state', { status: 'online', agentVersion: '0.1.0', bundles: [], planRevision: 0 })), {
      qos: 1,
      retain: true,
    });
    return { plan };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prophasis-fleet-'));
    const dataDir = join(dir, 'core');
    const logger = silentLogger();
    const siteKey = loadOrCreateSiteKey(dataDir, { logger });
    const trust = createFileTrustStore({ dir: trustDirectory(dataDir), siteKey: siteKey.privateKey }, { logger });
    await trust.add({ name: 'fleet tests', publicKeyPem: publisher.publicKey.export({ format: 'pem', type: 'spki' }).toString() }, 'system-test');
    const config = readCoreConfig(
      { PROPHASIS_DATA_DIR: dataDir },
      { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' },
    );
    core = await startCore(config, logger);
    base = `http://127.0.0.1:${core.httpPort}`;
    caPem = readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8');

    await core.db.models.User.create({ name: 'admin', role: 'admin', passwordHash: await hashPassword(PASSWORD) });
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password: PASSWORD }) });
    assert.equal(login.status, 200);
    cookie = /prophasis_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];

    const group = async (name: string) => {
      const res = await api('POST', '/api/groups', { name });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id;
    };
    groups = { fleet: await group('fleet'), linux: await group('linux'), web: await group('web'), arm: await group('arm') };
    const rule = async (body: Record<string, unknown>) => assert.equal((await api('POST', '/api/registration-rules', body)).status, 201);
    await rule({ name: 'every linux host', platform: 'linux', groupIds: [groups.linux] });
    await rule({ name: 'web servers', hostnamePattern: 'web-*', groupIds: [groups.web] });
    await rule({ name: 'arm boards', arch: 'arm64', groupIds: [groups.arm] });

    // A check on the `web` group, scheduled: hosts the rules put there get it in their plan.
    const uploaded = await core.plugins.upload(signedBundle(publisher, { id: PLUGIN, version: '1.0.0', capabilities: [], code: 'export function measure() { return { value: 1 }; }\n' }), {
      name: 'system-test',
    });
    await core.plugins.approve(PLUGIN, '1.0.0', [], { name: 'system-test' });
    const check = await api('POST', '/api/checks', { name: 'web probe', groupIds: [groups.web], plugins: [{ pluginId: PLUGIN, params: {} }] });
    assert.equal(check.status, 201, JSON.stringify(check.body));
    checkId = check.body.id;
    assert.equal((await api('POST', '/api/schedules', { name: 'every minute', checkIds: [checkId], intervals: [{ start: 0, everyMs: 60_000 }] })).status, 201);
    assert.ok(uploaded.created);

    // Creating a token over HTTP needs the agent packages built (tens of seconds from the npm
    // registry); that route is covered by test/api/fleet-tokens.test.ts. Here the token comes
    // from the same service over the core's own database.
    const fleet = createFleetTokens({ store: createSequelizeFleetStore(core.db), hashToken, systemLog: core.systemLog });
    const created = await fleet.create({ name: 'rack 7', ttlMs: 3_600_000, maxHosts: 4, groupIds: [groups.fleet], tags: ['rack:7'], createdBy: 'system-test' });
    token = created.token;
    tokenId = created.fleetToken.id;
  });

  after(async () => {
    for (const client of clients) await client.endAsync(true).catch(() => undefined);
    for (const agent of agents) {
      agent.kill();
      await agent.exited(10_000).catch(() => undefined);
    }
    await core?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers a real agent process with the token: the host is created under its own name, grouped by the rules, and comes online', async () => {
    const env = { PROPHASIS_DATA_DIR: join(dir, 'agent'), PROPHASIS_LOG_LEVEL: 'info' };
    const enrol = startAgent(['enroll', '--server', `127.0.0.1:${mqttPort()}`, '--ca-fingerprint', core.transport.caFingerprint], { ...env, PROPHASIS_ENROL_TOKEN: token });
    agents.push(enrol);
    assert.equal(await enrol.exited(30_000), 0, `enroll failed: ${enrol.output()}`);
    const name = hostname();
    assert.match(enrol.output(), new RegExp(`Enrolled as host ${JSON.stringify(name)}`));

    const host = (await hostByName(name))!;
    assert.ok(host, `host ${name} created`);
    assert.equal(host.enrolmentState, 'enrolled');
    assert.equal(host.fleetTokenId, tokenId);
    assert.deepEqual(host.tags, ['rack:7']);
    const expected = [groups.fleet, groups.linux];
    if (name.startsWith('web-')) expected.push(groups.web);
    if (process.arch === 'arm64') expected.push(groups.arm);
    assert.deepEqual(await groupIdsOf(host.id), sorted(...expected));

    const agent = startAgent(['run'], env);
    agents.push(agent);
    await waitFor('the registered agent online', async () => (await host.reload()).connectedSince != null, 30_000, () => agent.output().slice(-3000));
  });

  it('registers two more agents reporting other names and architectures; the web host gets the web check in its plan', async () => {
    const web = await enrolAs({ hostname: 'web-1', platform: 'linux', arch: 'x64' });
    assert.equal(web.status, 'accepted', JSON.stringify(web));
    assert.equal(web.hostName, 'web-1');
    const board = await enrolAs({ hostname: 'sensor-3', platform: 'linux', arch: 'arm64' });
    assert.equal(board.status, 'accepted', JSON.stringify(board));

    const webHost = (await hostByName('web-1'))!;
    const boardHost = (await hostByName('sensor-3'))!;
    assert.deepEqual(await groupIdsOf(webHost.id), sorted(groups.fleet, groups.linux, groups.web));
    assert.deepEqual(await groupIdsOf(boardHost.id), sorted(groups.fleet, groups.linux, groups.arm));
    assert.equal(boardHost.platform, 'linux');

    // The credentials work over TLS, and the check on `web` follows the host into its plan.
    const running = await runAs(web.agentId!, web.secret!);
    const entries = await Promise.race([running.plan, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no plan.set with entries for web-1')), 30_000))]);
    assert.deepEqual(entries.map((e) => e.pluginId), [PLUGIN]);
    assert.match(entries[0]!.checkId, new RegExp(`\\b${checkId}$`), `the entry is the web check ${checkId}: ${entries[0]!.checkId}`);
    await waitFor('web-1 online', async () => (await webHost.reload()).connectedSince != null, WAIT_MS);

    const listed = await api('GET', `/api/fleet-tokens/${tokenId}`);
    assert.deepEqual([listed.body.hostsRegistered, listed.body.maxHosts, listed.body.status], [3, 4, 'active']);
    const trail = await api('GET', '/api/audit?action=hosts.register');
    const names = (trail.body.items as { summary: { name: string } }[]).map((e) => e.summary.name).sort();
    assert.deepEqual(names, [hostname(), 'sensor-3', 'web-1'].sort());
  });

  it('refuses a taken name and, once revoked over the API, the token itself, with its reason and nothing created', async () => {
    const hosts = await core.db.models.Host.count();
    assert.deepEqual(await enrolAs({ hostname: 'WEB-1', platform: 'linux', arch: 'x64' }), {
      status: 'refused',
      reason: 'a host named "WEB-1" exists already; give this machine another host name, or enrol it into that host with the host\'s own token (prophasis host add)',
    });

    const revoked = await api('POST', `/api/fleet-tokens/${tokenId}/revoke`, {});
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(revoked.body.status, 'revoked');
    assert.deepEqual(await enrolAs({ hostname: 'web-2', platform: 'linux', arch: 'x64' }), { status: 'refused', reason: 'the fleet token "rack 7" was revoked' });

    // The agent's own CLI shows the reason to whoever ran the install line.
    const enrol = startAgent(['enroll', '--server', `127.0.0.1:${mqttPort()}`, '--ca-fingerprint', core.transport.caFingerprint], {
      PROPHASIS_DATA_DIR: join(dir, 'agent-revoked'),
      PROPHASIS_ENROL_TOKEN: token,
    });
    agents.push(enrol);
    assert.notEqual(await enrol.exited(30_000), 0);
    assert.match(enrol.output(), /the fleet token "rack 7" was revoked/);

    assert.equal(await core.db.models.Host.count(), hosts, 'no host was created');
    assert.equal((await api('GET', `/api/fleet-tokens/${tokenId}`)).body.hostsRegistered, 3);
    const refusals = await api('GET', '/api/audit?action=hosts.register.refused');
    assert.ok((refusals.body.items as unknown[]).length >= 3, JSON.stringify(refusals.body));
    // The registered hosts keep working: revoking a fleet token revokes no agent.
    assert.equal((await hostByName('web-1'))!.enrolmentState, 'enrolled');
  });
});
