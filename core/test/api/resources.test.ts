import assert from 'node:assert/strict';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

interface Case {
  path: string;
  /** Builds a valid create body, given ids of fixture objects. */
  create: (f: Fixtures) => Record<string, unknown>;
  update: (f: Fixtures) => Record<string, unknown>;
  /** A body that must be refused, and the field the refusal must name. */
  invalid: (f: Fixtures) => { body: Record<string, unknown>; field: string };
  /** Checks a read object reflects the update. */
  updated: (item: Record<string, unknown>) => void;
  /** The lowest role allowed to read (higher roles may too); writes are admin only. */
  read: 'viewer' | 'admin';
}

interface Fixtures {
  hosts: number[];
  groups: number[];
  checks: number[];
  services: number[];
  pluginId: string;
}

const CASES: Case[] = [
  {
    path: 'hosts',
    create: () => ({ name: 'db-1', description: 'database' }),
    update: () => ({ name: 'db-1b', description: 'renamed' }),
    invalid: () => ({ body: { name: '' }, field: 'name' }),
    updated: (h) => assert.equal(h.description, 'renamed'),
    read: 'viewer',
  },
  {
    path: 'groups',
    create: (f) => ({ name: 'g-new', hostIds: [f.hosts[0]], groupIds: [f.groups[0]] }),
    update: (f) => ({ name: 'g-new', hostIds: [f.hosts[0], f.hosts[1]], groupIds: [] }),
    invalid: (f) => ({ body: { name: 'x', hostIds: ['a', f.hosts[0]] }, field: 'hostIds.0' }),
    updated: (g) => assert.equal((g.hostIds as number[]).length, 2),
    read: 'viewer',
  },
  {
    path: 'checks',
    create: (f) => ({ name: 'load', hostIds: [f.hosts[0]], plugins: [{ pluginId: f.pluginId, params: { warn: 2 } }] }),
    update: (f) => ({ name: 'load', groupIds: [f.groups[0]], plugins: [{ pluginId: f.pluginId, params: { warn: 5 } }] }),
    invalid: () => ({ body: { name: 'x', plugins: [{ pluginId: 'Not A Plugin' }] }, field: 'plugins.0.pluginId' }),
    updated: (c) => assert.deepEqual(c.plugins, [{ pluginId: 'io.prophasis.test-load', params: { warn: 5 } }]),
    read: 'viewer',
  },
  {
    path: 'schedules',
    create: (f) => ({ name: 'every minute', checkIds: [f.checks[0]], intervals: [{ start: 0, everyMs: 60_000 }] }),
    update: (f) => ({ name: 'every minute', enabled: false, checkIds: [f.checks[0]], intervals: [{ start: 0, everyMs: 60_000 }, { start: 30_000, everyMs: 300_000 }] }),
    invalid: () => ({ body: { name: 'x', intervals: [{ start: 0, everyMs: 10 }] }, field: 'intervals.0.everyMs' }),
    updated: (s) => {
      assert.equal(s.enabled, false);
      assert.equal((s.intervals as unknown[]).length, 2);
    },
    read: 'viewer',
  },
  {
    path: 'services',
    create: (f) => ({ name: 'shop', dependencies: [{ kind: 'host', id: f.hosts[0] }], redundancyGroups: [{ members: [{ kind: 'group', id: f.groups[0] }] }] }),
    update: (f) => ({ name: 'shop', dependencies: [], redundancyGroups: [{ name: 'web', members: [{ kind: 'host', id: f.hosts[0] }, { kind: 'host', id: f.hosts[1] }] }] }),
    invalid: () => ({ body: { name: 'x', dependencies: [{ kind: 'vm', id: 1 }] }, field: 'dependencies.0.kind' }),
    updated: (s) => assert.deepEqual(s.redundancyGroups, [{ name: 'web', members: [{ kind: 'host', id: 1 }, { kind: 'host', id: 2 }] }]),
    read: 'viewer',
  },
  {
    path: 'alerts',
    create: (f) => ({ name: 'page me', fromStates: ['ok'], toStates: ['major'], module: 'email', settings: { to: 'ops@example.com' }, scopes: { hostIds: [f.hosts[0]], groupIds: [], serviceIds: [f.services[0]], pluginIds: [f.pluginId], checkIds: [] } }),
    update: () => ({ name: 'page me', fromStates: ['ok', 'degraded'], toStates: ['major'], module: 'email', settings: {} }),
    invalid: () => ({ body: { name: 'x', fromStates: ['bad'], toStates: ['ok'], module: 'email' }, field: 'fromStates.0' }),
    updated: (a) => assert.deepEqual(a.fromStates, ['ok', 'degraded']),
    read: 'viewer',
  },
  {
    path: 'users',
    create: () => ({ name: 'carol', role: 'operator', password: 'a long enough passphrase' }),
    update: () => ({ name: 'carol', role: 'viewer' }),
    invalid: () => ({ body: { name: 'dave', role: 'root', password: 'a long enough passphrase' }, field: 'role' }),
    updated: (u) => assert.equal(u.role, 'viewer'),
    read: 'admin',
  },
];

for (const dialect of DIALECTS) {
  describe(`API resources (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    const f: Fixtures = { hosts: [], groups: [], checks: [], services: [], pluginId: 'io.prophasis.test-load' };

    before(async () => {
      api = await createTestApi(dialect);
      for (const name of ['web-1', 'web-2']) f.hosts.push((await call(api, 'admin', 'POST', '/api/hosts', { name })).json().id);
      f.groups.push((await call(api, 'admin', 'POST', '/api/groups', { name: 'web', hostIds: f.hosts })).json().id);
      const plugin = await api.db.models.Plugin.create({ pluginId: f.pluginId, name: 'Test load' });
      await api.db.models.PluginVersion.create({
        pluginId: plugin.id,
        version: '1.0.0',
        manifest: {},
        bundleSha256: 'a'.repeat(64),
        publisher: 'test',
        publisherKeyFingerprint: 'f'.repeat(64),
        requestedCapabilities: ['os.info'],
        defaultClassifier: 'return "ok"',
      });
      f.checks.push((await call(api, 'admin', 'POST', '/api/checks', { name: 'base', hostIds: f.hosts, plugins: [{ pluginId: f.pluginId }] })).json().id);
      f.services.push((await call(api, 'admin', 'POST', '/api/services', { name: 'base' })).json().id);
    });
    after(async () => api?.close());

    for (const c of CASES) {
      describe(c.path, () => {
        let id: number;

        it('creates (admin) and reads back', async () => {
          const res = await call(api, 'admin', 'POST', `/api/${c.path}`, c.create(f));
          assert.equal(res.statusCode, 201, res.body);
          id = res.json().id;
          assert.equal(res.headers.location, `/api/${c.path}/${id}`);
          const read = await call(api, c.read, 'GET', `/api/${c.path}/${id}`);
          assert.equal(read.statusCode, 200, read.body);
          assert.equal(read.json().name, c.create(f).name);
          assert.equal(JSON.stringify(read.json()).includes('password'), false, 'no password or hash in responses');
        });

        it('lists with search, sort and paging', async () => {
          const name = String(c.create(f).name);
          const res = await call(api, c.read, 'GET', `/api/${c.path}?q=${encodeURIComponent(name.slice(0, 3).toUpperCase())}&sort=-name&limit=1&offset=0`);
          assert.equal(res.statusCode, 200, res.body);
          const page = res.json();
          assert.ok(page.total >= 1);
          assert.equal(page.items.length, 1);
          assert.equal(page.limit, 1);
          const bad = await call(api, c.read, 'GET', `/api/${c.path}?sort=password`);
          assert.equal(bad.statusCode, 400);
          assert.equal(bad.json().details.field, 'sort');
        });

        it('updates', async () => {
          const res = await call(api, 'admin', 'PUT', `/api/${c.path}/${id}`, c.update(f));
          assert.equal(res.statusCode, 200, res.body);
          c.updated((await call(api, c.read, 'GET', `/api/${c.path}/${id}`)).json());
        });

        it('refuses an invalid body naming the field, and still serves', async () => {
          const { body, field } = c.invalid(f);
          const res = await call(api, 'admin', 'POST', `/api/${c.path}`, body);
          assert.equal(res.statusCode, 400, res.body);
          assert.equal(res.json().code, 'CORE_VALIDATION');
          assert.equal(res.json().details.field, field);
          const unknown = await call(api, 'admin', 'POST', `/api/${c.path}`, { ...c.create(f), name: 'other', colour: 'red' });
          assert.equal(unknown.statusCode, 400);
          assert.equal(unknown.json().details.field, 'colour');
          assert.equal((await call(api, c.read, 'GET', `/api/${c.path}/${id}`)).statusCode, 200);
        });

        it('refuses a duplicate name with 409', async () => {
          const res = await call(api, 'admin', 'POST', `/api/${c.path}`, { ...c.create(f), name: c.update(f).name });
          assert.equal(res.statusCode, 409, res.body);
          assert.equal(res.json().code, 'CORE_API_NAME_TAKEN');
        });

        it('refuses writes to roles below admin', async () => {
          for (const role of ['viewer', 'operator'] as const) {
            const post = await call(api, role, 'POST', `/api/${c.path}`, { ...c.create(f), name: 'sneaky' });
            assert.equal(post.statusCode, 403, `${role} POST`);
            assert.equal(post.json().code, 'CORE_API_FORBIDDEN');
            assert.equal((await call(api, role, 'PUT', `/api/${c.path}/${id}`, c.update(f))).statusCode, 403, `${role} PUT`);
            assert.equal((await call(api, role, 'DELETE', `/api/${c.path}/${id}`)).statusCode, 403, `${role} DELETE`);
          }
          if (c.read === 'admin') assert.equal((await call(api, 'operator', 'GET', `/api/${c.path}`)).statusCode, 403);
          assert.equal((await call(api, 'admin', 'GET', `/api/${c.path}/${id}`)).statusCode, 200, 'object untouched');
        });

        it('deletes, then 404', async () => {
          const res = await call(api, 'admin', 'DELETE', `/api/${c.path}/${id}`);
          assert.equal(res.statusCode, 204, res.body);
          const gone = await call(api, 'admin', 'GET', `/api/${c.path}/${id}`);
          assert.equal(gone.statusCode, 404);
          assert.equal(gone.json().code, 'CORE_API_NOT_FOUND');
          assert.equal((await call(api, 'admin', 'DELETE', `/api/${c.path}/${id}`)).statusCode, 404);
        });
      });
    }

    describe('references and delete semantics', () => {
    it('refuses references to objects that do not exist, naming the field', async () => {
      const res = await call(api, 'admin', 'POST', '/api/checks', { name: 'ghost', hostIds: [999], plugins: [] });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'CORE_API_REFERENCE_NOT_FOUND');
      assert.equal(res.json().details.field, 'hostIds');
      const plugin = await call(api, 'admin', 'POST', '/api/checks', { name: 'ghost', plugins: [{ pluginId: 'io.example.nothing' }] });
      assert.equal(plugin.json().details.field, 'plugins');
    });

    it('plugins: read, refuse deleting one a check uses (409), delete once unused', async () => {
      const list = await call(api, 'viewer', 'GET', '/api/plugins?q=test-load');
      assert.equal(list.statusCode, 200);
      const [plugin] = list.json().items;
      assert.equal(plugin.pluginId, f.pluginId);
      assert.equal(plugin.version, '1.0.0');
      assert.equal((await call(api, 'operator', 'DELETE', `/api/plugins/${plugin.id}`)).statusCode, 403);
      assert.equal((await call(api, 'admin', 'POST', '/api/plugins', { name: 'x' })).statusCode, 404, 'no upload route yet');
      const inUse = await call(api, 'admin', 'DELETE', `/api/plugins/${plugin.id}`);
      assert.equal(inUse.statusCode, 409);
      assert.equal(inUse.json().code, 'CORE_API_IN_USE');
      // Remove the plugin from the check, then it can go; the alert scope naming it cascades.
      await call(api, 'admin', 'PUT', `/api/checks/${f.checks[0]}`, { name: 'base', hostIds: f.hosts, plugins: [] });
      assert.equal((await call(api, 'admin', 'DELETE', `/api/plugins/${plugin.id}`)).statusCode, 204);
      assert.equal((await call(api, 'viewer', 'GET', `/api/plugins/${plugin.id}`)).statusCode, 404);
    });

    it('deleting a host removes it from groups, checks, services and alert scopes; the objects stay', async () => {
      const h = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'doomed' })).json().id;
      const g = (await call(api, 'admin', 'POST', '/api/groups', { name: 'doomed-group', hostIds: [h, f.hosts[0]] })).json().id;
      const c = (await call(api, 'admin', 'POST', '/api/checks', { name: 'doomed-check', hostIds: [h], groupIds: [g] })).json().id;
      const s = (await call(api, 'admin', 'POST', '/api/services', { name: 'doomed-service', dependencies: [{ kind: 'host', id: h }], redundancyGroups: [{ name: 'r', members: [{ kind: 'host', id: h }] }] })).json().id;
      const a = (await call(api, 'admin', 'POST', '/api/alerts', { name: 'doomed-alert', fromStates: ['ok'], toStates: ['major'], module: 'email', scopes: { hostIds: [h], groupIds: [g], serviceIds: [], pluginIds: [], checkIds: [] } })).json().id;
      assert.equal((await call(api, 'admin', 'DELETE', `/api/hosts/${h}`)).statusCode, 204);
      assert.deepEqual((await call(api, 'admin', 'GET', `/api/groups/${g}`)).json().hostIds, [f.hosts[0]]);
      assert.deepEqual((await call(api, 'admin', 'GET', `/api/checks/${c}`)).json().hostIds, []);
      const service = (await call(api, 'admin', 'GET', `/api/services/${s}`)).json();
      assert.deepEqual(service.dependencies, []);
      assert.deepEqual(service.redundancyGroups, [{ name: 'r', members: [] }]);
      assert.deepEqual((await call(api, 'admin', 'GET', `/api/alerts/${a}`)).json().scopes.hostIds, []);
      // Deleting the group: the check and alert lose it, the member host stays.
      assert.equal((await call(api, 'admin', 'DELETE', `/api/groups/${g}`)).statusCode, 204);
      assert.deepEqual((await call(api, 'admin', 'GET', `/api/checks/${c}`)).json().groupIds, []);
      assert.deepEqual((await call(api, 'admin', 'GET', `/api/alerts/${a}`)).json().scopes.groupIds, []);
      assert.equal((await call(api, 'admin', 'GET', `/api/hosts/${f.hosts[0]}`)).statusCode, 200);
    });

    it('refuses a group cycle with 409 naming the path, and changes nothing', async () => {
      const a = (await call(api, 'admin', 'POST', '/api/groups', { name: 'cycle-a' })).json().id;
      const b = (await call(api, 'admin', 'POST', '/api/groups', { name: 'cycle-b', groupIds: [a] })).json().id;
      const c = (await call(api, 'admin', 'POST', '/api/groups', { name: 'cycle-c', groupIds: [b] })).json().id;
      const res = await call(api, 'admin', 'PUT', `/api/groups/${a}`, { name: 'cycle-a', description: 'changed', groupIds: [c] });
      assert.equal(res.statusCode, 409, res.body);
      assert.equal(res.json().code, 'CORE_GROUP_CYCLE');
      assert.match(res.json().message, /cycle-a → cycle-c → cycle-b → cycle-a/);
      const self = await call(api, 'admin', 'PUT', `/api/groups/${a}`, { name: 'cycle-a', groupIds: [a] });
      assert.equal(self.statusCode, 409);
      const after = (await call(api, 'admin', 'GET', `/api/groups/${a}`)).json();
      assert.equal(after.description, '', 'the refused update was rolled back');
      assert.deepEqual(after.groupIds, []);
    });

    it('settings: everyone reads, admin updates partially, the SMTP password is write-only', async () => {
      const initial = (await call(api, 'viewer', 'GET', '/api/settings')).json();
      assert.equal(initial.maxLatenessMs, 300_000);
      assert.equal(initial.smtpPasswordSet, false);
      assert.equal((await call(api, 'operator', 'PUT', '/api/settings', { maxLatenessMs: 1000 })).statusCode, 403);
      const res = await call(api, 'admin', 'PUT', '/api/settings', { maxLatenessMs: 60_000, smtp: { host: 'mail.example.com' }, smtpPassword: 'hunter2-hunter2' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().maxLatenessMs, 60_000);
      assert.equal(res.json().retentionRawDays, initial.retentionRawDays);
      assert.equal(res.json().smtp.host, 'mail.example.com');
      assert.equal(res.json().smtpPasswordSet, true);
      assert.equal(res.body.includes('hunter2'), false);
      const bad = await call(api, 'admin', 'PUT', '/api/settings', { retentionRawDays: 0 });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().details.field, 'retentionRawDays');
      const audit = (await call(api, 'admin', 'GET', '/api/audit?action=settings')).json();
      assert.equal(JSON.stringify(audit).includes('hunter2'), false, 'no secret in the audit trail');
    });

    it('settings: flap thresholds and the console address in notifications; out of range, a bad URL or a high threshold below the low one are 400s naming the field and change nothing', async () => {
      const initial = (await call(api, 'viewer', 'GET', '/api/settings')).json();
      assert.deepEqual([initial.flapLowPercent, initial.flapHighPercent, initial.publicUrl], [20, 30, '']);
      for (const [body, field] of [
        [{ flapHighPercent: 101 }, 'flapHighPercent'],
        [{ flapLowPercent: -5 }, 'flapLowPercent'],
        [{ publicUrl: 'mon.example.com' }, 'publicUrl'],
        [{ publicUrl: 'https://mon.example.com/?q=1' }, 'publicUrl'],
        [{ flapLowPercent: 50 }, 'flapLowPercent'],
        [{ flapLowPercent: 10, flapHighPercent: 5 }, 'flapHighPercent'],
      ] as const) {
        const bad = await call(api, 'admin', 'PUT', '/api/settings', body);
        assert.equal(bad.statusCode, 400, `${JSON.stringify(body)}: ${bad.body}`);
        assert.match(`${bad.json().details?.field ?? ''} ${bad.json().message}`, new RegExp(field), JSON.stringify(body));
      }
      const unchanged = (await call(api, 'viewer', 'GET', '/api/settings')).json();
      assert.deepEqual([unchanged.flapLowPercent, unchanged.flapHighPercent, unchanged.publicUrl], [20, 30, '']);
      const ok = await call(api, 'admin', 'PUT', '/api/settings', { flapLowPercent: 15, flapHighPercent: 25.5, publicUrl: 'https://mon.example.com/prophasis' });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual([ok.json().flapLowPercent, ok.json().flapHighPercent, ok.json().publicUrl], [15, 25.5, 'https://mon.example.com/prophasis']);
      await call(api, 'admin', 'PUT', '/api/settings', { flapLowPercent: 20, flapHighPercent: 30, publicUrl: '' });
    });

    it('publishes config.changed on the event bus after a configuration change (the console reloads on it), not after other requests', async () => {
      const seen: string[] = [];
      const off = api.events.subscribe((e) => seen.push(e.type === 'config.changed' ? `config.changed:${e.resource}` : e.type));
      try {
        assert.equal((await call(api, 'admin', 'POST', '/api/hosts', { name: 'bus-1' })).statusCode, 201);
        assert.equal((await call(api, 'admin', 'POST', '/api/groups', { name: 'bus-group' })).statusCode, 201);
        assert.equal((await call(api, 'admin', 'POST', '/api/hosts', { name: '' })).statusCode, 400);
        assert.equal((await call(api, 'admin', 'POST', '/api/users', { name: 'bus-user', role: 'viewer', password: 'correct horse battery staple' })).statusCode, 201);
        assert.equal((await call(api, 'viewer', 'GET', '/api/hosts')).statusCode, 200);
        assert.deepEqual(seen, ['config.changed:hosts', 'config.changed:groups'], 'refused changes, users and reads publish nothing');
      } finally {
        off();
      }
    });

    it('users: weak passwords refused, the last admin cannot be demoted or deleted', async () => {
      const weak = await call(api, 'admin', 'POST', '/api/users', { name: 'erin', role: 'viewer', password: 'short' });
      assert.equal(weak.statusCode, 400);
      assert.equal(weak.json().code, 'CORE_API_WEAK_PASSWORD');
      const noPassword = await call(api, 'admin', 'POST', '/api/users', { name: 'erin', role: 'viewer' });
      assert.equal(noPassword.json().details.field, 'password');
      const admins = (await call(api, 'admin', 'GET', '/api/users?q=admin')).json().items;
      const me = admins.find((u: { name: string }) => u.name === 'admin');
      const demote = await call(api, 'admin', 'PUT', `/api/users/${me.id}`, { name: 'admin', role: 'viewer' });
      assert.equal(demote.statusCode, 409);
      assert.equal(demote.json().code, 'CORE_API_LAST_ADMIN');
      assert.equal((await call(api, 'admin', 'DELETE', `/api/users/${me.id}`)).json().code, 'CORE_API_LAST_ADMIN');
      assert.equal((await call(api, 'admin', 'GET', '/api/auth/me')).json().role, 'admin');
    });
    });
  });
}
