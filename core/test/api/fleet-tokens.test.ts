import { createSecretHasher } from '@prophasis/broker';
import { createMessage, silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { createFleetTokens } from '../../src/enrolment/fleet.js';
import { createSequelizeFleetStore } from '../../src/enrolment/fleet-store.js';
import { createAgentRegistry, hashToken, type AgentRegistry } from '../../src/enrolment/registry.js';
import { createEnrolmentResponder } from '../../src/enrolment/responder.js';
import { createSequelizeRegistryStore } from '../../src/enrolment/sequelize-store.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import type { CoreEvent } from '../../src/kernel/index.js';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

const FINGERPRINT = 'ab'.repeat(32);
const SUMS_SHA256 = 'cd'.repeat(32);
const facts = (hostname: string, platform = 'linux', arch = 'x64') => ({ hostname, platform, arch, agentVersion: '1.0.0', nodeVersion: '24.0.0' });

for (const dialect of DIALECTS) {
  describe(`API fleet tokens and registration rules (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    let registry: AgentRegistry;
    const systemLog = memorySystemLog();
    const audited: { action: string; targetId: string | null; summary: unknown }[] = [];
    const published: CoreEvent[] = [];
    let groups: Record<'linux' | 'web' | 'arm' | 'fleet', number>;

    before(async () => {
      api = await createTestApi(dialect, {
        dbPrefix: 'prophasis_test_fleet',
        deps: (db) => {
          const fleetStore = createSequelizeFleetStore(db);
          registry = createAgentRegistry({
            store: createSequelizeRegistryStore(db),
            fleet: fleetStore,
            hasher: createSecretHasher(randomBytes(32)),
            logger: silentLogger(),
            systemLog,
          });
          return {
            enrolment: {
              registry,
              transport: { caFingerprint: FINGERPRINT, mqttPort: 8883 },
              httpPort: () => 8080,
              packages: { get: async () => ({ sums: { sha256: SUMS_SHA256 } }) },
              defaultServer: 'core.example.net',
              fleet: createFleetTokens({ store: fleetStore, hashToken, systemLog }),
            },
          };
        },
      });
      const group = async (name: string) => (await call(api, 'admin', 'POST', '/api/groups', { name })).json().id as number;
      groups = { linux: await group('linux'), web: await group('web'), arm: await group('arm'), fleet: await group('fleet') };
    });
    after(async () => api?.close());

    const responder = () =>
      createEnrolmentResponder({
        registry,
        logger: silentLogger(),
        systemLog,
        events: { publish: (event) => published.push(event) },
        audit: { record: async (entry) => void audited.push(entry) },
      });
    /** One `enrol.request` as an agent sends it; the response body. */
    const register = async (token: string, f = facts('web-1')) => (await responder().handle(`enrol-${randomBytes(4).toString('hex')}`, createMessage('enrol.request', { token, ...f })))!.body as {
      status: string;
      agentId?: string;
      hostName?: string;
      reason?: string;
    };
    const create = (body: Record<string, unknown>, role: 'admin' | 'operator' | 'viewer' = 'admin') => call(api, role, 'POST', '/api/fleet-tokens', body);
    const hostCount = async () => api.db.models.Host.count();
    const groupsOf = async (hostName: string) => {
      const host = await api.db.models.Host.findOne({ where: { name: hostName } });
      if (!host) return undefined;
      const rows = await api.db.models.HostGroupHost.findAll({ where: { hostId: host.id } });
      return rows.map((r) => r.groupId).sort((a, b) => a - b);
    };
    const tokenRow = async (id: number) => (await call(api, 'admin', 'GET', `/api/fleet-tokens/${id}`)).json();

    it('creates a token shown once with its install line, stores only its SHA-256, and lists it without the secret', async () => {
      const res = await create({ name: 'office', ttlDays: 7, maxHosts: 10, groupIds: [groups.fleet], tags: ['site:office', 'fleet'], server: '10.0.0.5' });
      assert.equal(res.statusCode, 201, res.body);
      const ticket = res.json();
      assert.match(ticket.token, /^pfleet_[A-Za-z0-9_-]{43}$/);
      assert.equal(
        ticket.installCommand,
        `curl -fsSL http://10.0.0.5:8080/install.sh | sudo sh -s -- --url http://10.0.0.5:8080 --server 10.0.0.5:8883 --ca-fingerprint ${FINGERPRINT} --token ${ticket.token} --sha256 ${SUMS_SHA256}`,
      );
      assert.equal(ticket.enrolCommand, `prophasis-agent enroll --server 10.0.0.5:8883 --token ${ticket.token} --ca-fingerprint ${FINGERPRINT}`);
      assert.deepEqual(
        { ...ticket.fleetToken, id: 0, createdAt: 0, expiresAt: 0 },
        { id: 0, name: 'office', status: 'active', expiresAt: 0, revokedAt: null, maxHosts: 10, hostsRegistered: 0, groupIds: [groups.fleet], tags: ['site:office', 'fleet'], lastUsedAt: null, createdBy: 'api:admin', createdAt: 0 },
      );
      assert.ok(Math.abs(ticket.fleetToken.expiresAt - (Date.now() + 7 * 86_400_000)) < 60_000);

      const rows = await api.db.sequelize.query<Record<string, unknown>>('SELECT * FROM fleet_tokens WHERE id = :id', { replacements: { id: ticket.fleetToken.id }, type: QueryTypes.SELECT });
      assert.equal(rows[0]!.token_hash, createHash('sha256').update(ticket.token).digest('hex'));
      assert.ok(!JSON.stringify(rows).includes(ticket.token), 'the token itself is stored nowhere');

      const list = await call(api, 'admin', 'GET', '/api/fleet-tokens');
      assert.equal(list.statusCode, 200);
      assert.ok(!list.body.includes(ticket.token));
      assert.deepEqual(list.json().map((t: { name: string }) => t.name), ['office']);
      const trail = (await call(api, 'admin', 'GET', '/api/audit?action=fleet-tokens.create')).json();
      assert.equal(trail.items.length, 1);
      assert.ok(!JSON.stringify(trail).includes(ticket.token), 'the trail has no token');
    });

    it('refuses bad input with a 400 naming the field, non-administrators with 403, and creates nothing', async () => {
      const before = (await call(api, 'admin', 'GET', '/api/fleet-tokens')).json().length;
      const cases: [Record<string, unknown>, string][] = [
        [{ name: 'x', ttlDays: 0 }, 'ttlDays'],
        [{ name: 'x', ttlDays: 366 }, 'ttlDays'],
        [{ name: 'x', maxHosts: 0 }, 'maxHosts'],
        [{ name: 'x', tags: ['has space'] }, 'tags'],
        [{ name: '' }, 'name'],
        [{ name: 'x', groupIds: [999_999] }, 'groupIds'],
        [{ name: 'x', unknown: true }, 'unknown'],
      ];
      for (const [body, field] of cases) {
        const res = await create(body);
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
        assert.match(JSON.stringify(res.json()), new RegExp(field), `${JSON.stringify(body)} names ${field}: ${res.body}`);
      }
      assert.equal((await create({ name: 'x' }, 'operator')).statusCode, 403);
      assert.equal((await call(api, 'viewer', 'GET', '/api/fleet-tokens')).statusCode, 403);
      assert.equal((await call(api, 'operator', 'PUT', '/api/registration-rules/order', { ids: [] })).statusCode, 403);
      assert.equal((await call(api, 'admin', 'GET', '/api/fleet-tokens')).json().length, before);
    });

    it('edits ordered rules: create, move, update, delete; refuses unsafe or broken patterns, unknown groups and a partial order', async () => {
      const rule = async (body: Record<string, unknown>) => {
        const res = await call(api, 'admin', 'POST', '/api/registration-rules', body);
        assert.equal(res.statusCode, 201, res.body);
        return res.json();
      };
      const all = await rule({ name: 'all linux', platform: 'linux', groupIds: [groups.linux] });
      const web = await rule({ name: 'web servers', hostnamePattern: 'web-*', groupIds: [groups.web] });
      const arm = await rule({ name: 'arm first', arch: 'arm64', groupIds: [groups.arm], stop: true, position: 1 });
      const order = async () => (await call(api, 'admin', 'GET', '/api/registration-rules')).json().map((r: { id: number; position: number }) => [r.id, r.position]);
      assert.deepEqual(await order(), [[arm.id, 1], [all.id, 2], [web.id, 3]]);

      const bad: [Record<string, unknown>, number, string, string][] = [
        [{ name: 'r', hostnamePattern: '/(a+)+$/', groupIds: [groups.web] }, 400, 'CORE_ENROL_INVALID_PATTERN', 'hostnamePattern'],
        [{ name: 'r', hostnamePattern: '/[/', groupIds: [groups.web] }, 400, 'CORE_ENROL_INVALID_PATTERN', 'hostnamePattern'],
        [{ name: 'r', groupIds: [999_999] }, 400, 'CORE_API_REFERENCE_NOT_FOUND', 'groupIds'],
        [{ name: 'r', groupIds: [] }, 400, 'CORE_VALIDATION', 'groupIds'],
        [{ name: 'r', platform: 'linux; rm', groupIds: [groups.web] }, 400, 'CORE_VALIDATION', 'platform'],
      ];
      for (const [body, status, code, field] of bad) {
        const res = await call(api, 'admin', 'POST', '/api/registration-rules', body);
        assert.equal(res.statusCode, status, res.body);
        assert.equal(res.json().code, code, res.body);
        assert.match(res.body, new RegExp(field));
      }
      const partial = await call(api, 'admin', 'PUT', '/api/registration-rules/order', { ids: [web.id, all.id] });
      assert.equal(partial.statusCode, 400, partial.body);
      assert.equal(partial.json().code, 'CORE_ENROL_RULE_ORDER');
      assert.deepEqual(partial.json().details, { field: 'ids', missing: [arm.id], unknown: [] });
      assert.deepEqual(await order(), [[arm.id, 1], [all.id, 2], [web.id, 3]], 'a refused change leaves the rules as they were');

      const reordered = await call(api, 'admin', 'PUT', '/api/registration-rules/order', { ids: [all.id, web.id, arm.id] });
      assert.equal(reordered.statusCode, 200, reordered.body);
      assert.deepEqual(await order(), [[all.id, 1], [web.id, 2], [arm.id, 3]]);

      const updated = await call(api, 'admin', 'PUT', `/api/registration-rules/${web.id}`, { name: 'web servers', hostnamePattern: '/^web-[0-9]+$/', groupIds: [groups.web], stop: false, position: 3 });
      assert.equal(updated.statusCode, 200, updated.body);
      assert.equal(updated.json().hostnamePattern, '/^web-[0-9]+$/');
      assert.deepEqual(await order(), [[all.id, 1], [arm.id, 2], [web.id, 3]]);
      assert.equal((await call(api, 'admin', 'PUT', '/api/registration-rules/999999', { name: 'x', groupIds: [groups.web] })).statusCode, 404);

      const preview = await call(api, 'admin', 'POST', '/api/registration-rules/preview', { hostname: 'WEB-12', platform: 'linux', arch: 'x64' });
      assert.deepEqual(preview.json(), { ruleIds: [all.id, web.id], groupIds: [groups.linux, groups.web].sort((a, b) => a - b) });
      // arm64 matches "arm first", which stops: the web rule after it is not tried.
      const stopped = await call(api, 'admin', 'POST', '/api/registration-rules/preview', { hostname: 'web-3', platform: 'linux', arch: 'arm64' });
      assert.deepEqual(stopped.json().ruleIds, [all.id, arm.id]);
      // A preview only reads: it changes nothing and leaves no audit entry.
      const trail = (await call(api, 'admin', 'GET', '/api/audit?limit=200')).json() as { items: { action: string }[] };
      assert.ok(!trail.items.some((e) => e.action.includes('preview')), JSON.stringify(trail.items.map((e) => e.action)));

      const scratch = await rule({ name: 'scratch', groupIds: [groups.web] });
      assert.equal((await call(api, 'admin', 'DELETE', `/api/registration-rules/${scratch.id}`)).statusCode, 204);
      assert.equal((await call(api, 'admin', 'DELETE', `/api/registration-rules/${scratch.id}`)).statusCode, 404);
      assert.deepEqual(await order(), [[all.id, 1], [arm.id, 2], [web.id, 3]]);
    });

    it('registers hosts under their own names with the token groups, the rules groups and the tags, with audit entries and a config change', async () => {
      const ticket = (await create({ name: 'rack', groupIds: [groups.fleet], tags: ['rack:1'] })).json();
      const hosts = await hostCount();
      const accepted = await register(ticket.token, facts('web-7'));
      assert.equal(accepted.status, 'accepted', JSON.stringify(accepted));
      assert.equal(accepted.hostName, 'web-7');
      const host = (await api.db.models.Host.findOne({ where: { name: 'web-7' } }))!;
      assert.equal(host.enrolmentState, 'enrolled');
      assert.equal(host.agentId, accepted.agentId);
      assert.deepEqual(host.tags, ['rack:1']);
      assert.equal(host.fleetTokenId, ticket.fleetToken.id);
      assert.deepEqual(await groupsOf('web-7'), [groups.linux, groups.web, groups.fleet].sort((a, b) => a - b));
      assert.equal(await hostCount(), hosts + 1);
      // the agent's credentials work at once (the registry's cache knows them)
      assert.equal((await registry.authenticate({ clientId: accepted.agentId!, username: accepted.agentId!, password: Buffer.from('wrong') })).ok, false);

      const apiHost = (await call(api, 'viewer', 'GET', `/api/hosts/${host.id}`)).json();
      assert.deepEqual([apiHost.tags, apiHost.fleetTokenId, apiHost.platform], [['rack:1'], ticket.fleetToken.id, 'linux']);
      assert.equal((await tokenRow(ticket.fleetToken.id)).hostsRegistered, 1);
      const entry = audited.find((a) => a.action === 'hosts.register' && a.targetId === String(host.id));
      assert.ok(entry, JSON.stringify(audited));
      assert.deepEqual((entry.summary as { groupIds: number[] }).groupIds, [groups.linux, groups.web, groups.fleet].sort((a, b) => a - b));
      assert.ok(published.some((e) => e.type === 'config.changed' && e.resource === 'hosts'));
      assert.ok(systemLog.entries.some((e) => e.message === 'host registered' && e.context.hostName === 'web-7'));
    });

    it('refuses a name collision, a revoked, an expired and a used-up token and an invalid host name, each with its reason and nothing created', async () => {
      const ticket = (await create({ name: 'limited', maxHosts: 2 })).json();
      const id = ticket.fleetToken.id as number;
      await call(api, 'admin', 'POST', '/api/hosts', { name: 'taken-1' });
      const refusals: [ReturnType<typeof facts>, string][] = [
        [facts('taken-1'), 'a host named "taken-1" exists already'],
        [facts('TAKEN-1'), 'a host named "TAKEN-1" exists already'],
        [facts('bad name!'), 'is not a valid host name'],
      ];
      for (const [f, reason] of refusals) {
        const hosts = await hostCount();
        const answer = await register(ticket.token, f);
        assert.equal(answer.status, 'refused');
        assert.ok(answer.reason!.includes(reason), answer.reason);
        assert.equal(await hostCount(), hosts);
      }
      assert.equal((await tokenRow(id)).hostsRegistered, 0, 'a refused registration does not count');
      const refusedEntries = audited.filter((a) => a.action === 'hosts.register.refused' && a.targetId === String(id));
      assert.equal(refusedEntries.length, 3, 'each refusal of a known token is in the audit trail');
      assert.ok(JSON.stringify(refusedEntries[2]!.summary).includes('bad name!'));

      assert.equal((await register(ticket.token, facts('lim-1'))).status, 'accepted');
      assert.equal((await register(ticket.token, facts('lim-2'))).status, 'accepted');
      const hosts = await hostCount();
      assert.deepEqual(await register(ticket.token, facts('lim-3')), { status: 'refused', reason: 'the fleet token "limited" has registered its limit of 2 hosts' });
      assert.equal(await hostCount(), hosts);
      assert.equal((await tokenRow(id)).status, 'exhausted');

      const revocable = (await create({ name: 'revocable' })).json();
      const revoked = await call(api, 'admin', 'POST', `/api/fleet-tokens/${revocable.fleetToken.id}/revoke`, {});
      assert.equal(revoked.statusCode, 200, revoked.body);
      assert.equal(revoked.json().status, 'revoked');
      assert.deepEqual(await register(revocable.token, facts('rev-1')), { status: 'refused', reason: 'the fleet token "revocable" was revoked' });
      assert.equal(await api.db.models.Host.count({ where: { name: 'rev-1' } }), 0);
      assert.equal((await call(api, 'admin', 'POST', '/api/fleet-tokens/999999/revoke', {})).statusCode, 404);

      const expiring = (await create({ name: 'expiring' })).json();
      await api.db.sequelize.query('UPDATE fleet_tokens SET expires_at = :past WHERE id = :id', { replacements: { past: Date.now() - 1, id: expiring.fleetToken.id } });
      assert.deepEqual(await register(expiring.token, facts('exp-1')), { status: 'refused', reason: 'the fleet token "expiring" has expired' });
      assert.equal(await api.db.models.Host.count({ where: { name: 'exp-1' } }), 0);
      assert.equal((await tokenRow(expiring.fleetToken.id)).status, 'expired');

      // A fleet-shaped token the core never issued: unknown (and refused at CONNACK, below).
      const forged = `pfleet_${randomBytes(32).toString('base64url')}`;
      assert.deepEqual(await register(forged, facts('forged-1')), { status: 'refused', reason: 'unknown enrolment token' });
      assert.equal((await registry.authenticate({ clientId: 'enrol-abcdefgh', username: '$enrol', password: Buffer.from(forged) })).ok, false);
      assert.equal((await registry.authenticate({ clientId: 'enrol-abcdefgh', username: '$enrol', password: Buffer.from(revocable.token) })).ok, true, 'a revoked token may connect to be told why');
    });

    it('edits host tags: given ones replace them, omitted ones stay, a bad one is refused naming it', async () => {
      const created = await call(api, 'admin', 'POST', '/api/hosts', { name: 'tagged-1', tags: ['a', 'b:c'] });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id as number;
      assert.deepEqual(created.json().tags, ['a', 'b:c']);
      assert.equal(created.json().fleetTokenId, null);
      assert.deepEqual((await call(api, 'admin', 'PUT', `/api/hosts/${id}`, { name: 'tagged-1', description: 'x' })).json().tags, ['a', 'b:c']);
      assert.deepEqual((await call(api, 'admin', 'PUT', `/api/hosts/${id}`, { name: 'tagged-1', tags: ['z'] })).json().tags, ['z']);
      const bad = await call(api, 'admin', 'PUT', `/api/hosts/${id}`, { name: 'tagged-1', tags: ['no spaces'] });
      assert.equal(bad.statusCode, 400, bad.body);
      assert.match(bad.body, /tags/);
      assert.deepEqual((await call(api, 'viewer', 'GET', `/api/hosts/${id}`)).json().tags, ['z'], 'a refused change leaves the tags');
    });

    it('deleting a group takes it out of the tokens and rules that named it; deleting a registered host keeps the count', async () => {
      const gone = (await call(api, 'admin', 'POST', '/api/groups', { name: 'short-lived' })).json().id as number;
      const ticket = (await create({ name: 'with short-lived', groupIds: [gone, groups.fleet] })).json();
      const ruled = (await call(api, 'admin', 'POST', '/api/registration-rules', { name: 'short rule', groupIds: [gone, groups.web] })).json();
      assert.equal((await register(ticket.token, facts('short-1'))).status, 'accepted');
      assert.equal((await call(api, 'admin', 'DELETE', `/api/groups/${gone}`)).statusCode, 204);
      assert.deepEqual((await tokenRow(ticket.fleetToken.id)).groupIds, [groups.fleet]);
      const rules = (await call(api, 'admin', 'GET', '/api/registration-rules')).json() as { id: number; groupIds: number[] }[];
      assert.deepEqual(rules.find((r) => r.id === ruled.id)!.groupIds, [groups.web]);
      const host = (await api.db.models.Host.findOne({ where: { name: 'short-1' } }))!;
      assert.equal((await call(api, 'admin', 'DELETE', `/api/hosts/${host.id}`)).statusCode, 204);
      assert.equal((await tokenRow(ticket.fleetToken.id)).hostsRegistered, 1);
      assert.equal((await call(api, 'admin', 'DELETE', `/api/registration-rules/${ruled.id}`)).statusCode, 204);
    });

    it('never registers more hosts than the limit, however many agents register at once', async () => {
      const ticket = (await create({ name: 'burst', maxHosts: 3 })).json();
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => register(ticket.token, facts(`burst-${i}`))));
      assert.equal(answers.filter((a) => a.status === 'accepted').length, 3, JSON.stringify(answers));
      assert.equal(await api.db.models.Host.count({ where: { fleetTokenId: ticket.fleetToken.id } }), 3);
      assert.equal((await tokenRow(ticket.fleetToken.id)).hostsRegistered, 3);
    });
  });
}
