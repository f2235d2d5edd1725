import type { CoreEvent } from '../../src/kernel/index.js';
import { silentLogger, type ApiEvent } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createApiApp } from '../../src/api.js';
import { listRoutes } from '../../src/http/index.js';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, login, PASSWORD, sessionCookie, type TestApi } from './helpers.js';

const PUBLIC = new Set(['POST /api/auth/login', 'GET /api/setup', 'POST /api/setup', 'GET /api/health', 'HEAD /api/health', 'HEAD /api/setup']);

for (const dialect of DIALECTS) {
  describe(`API authentication and roles (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    before(async () => {
      api = await createTestApi(dialect);
    });
    after(async () => api?.close());

    it('refuses unauthenticated requests on every route except login, setup, health and the docs', async () => {
      const routes = listRoutes(api.app).filter((r) => r.url.startsWith('/api'));
      assert.ok(routes.length > 40, `found only ${routes.length} routes`);
      let checked = 0;
      for (const route of routes) {
        const key = `${route.method} ${route.url}`;
        const isDocs = route.url.startsWith('/api/docs');
        const url = route.url.replace(/:id\b/g, '1').replace(/\*$/, 'index.html');
        const res = await api.app.inject({ method: route.method as 'GET', url, headers: { 'content-type': 'application/json' }, payload: route.method === 'GET' || route.method === 'HEAD' ? undefined : '{}' });
        if (PUBLIC.has(key) || isDocs) {
          assert.notEqual(res.statusCode, 401, `${key} should be public`);
          assert.equal(route.access, 'public', `${key} declared access`);
        } else {
          assert.equal(res.statusCode, 401, `${key} answered ${res.statusCode} without a session`);
          if (route.method !== 'HEAD') assert.equal(res.json().code, 'CORE_API_UNAUTHENTICATED');
          checked += 1;
        }
      }
      assert.ok(checked > 35);
      // An unknown API path is 401 for strangers too (nothing is revealed), 404 once signed in.
      assert.equal((await api.app.inject({ method: 'GET', url: '/api/nothing-here' })).statusCode, 401);
      const unknown = await call(api, 'viewer', 'GET', '/api/nothing-here');
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'CORE_API_NOT_FOUND');
      // A forged cookie is as good as none.
      const forged = await api.app.inject({ method: 'GET', url: '/api/hosts', headers: { cookie: 'prophasis_session=forged' } });
      assert.equal(forged.statusCode, 401);
    });

    it('serves health, the OpenAPI document and the interactive reference without a session', async () => {
      assert.deepEqual((await api.app.inject({ method: 'GET', url: '/api/health' })).json(), { status: 'ok' });
      const spec = await api.app.inject({ method: 'GET', url: '/api/docs/json' });
      assert.equal(spec.statusCode, 200);
      const doc = spec.json();
      assert.equal(doc.openapi, '3.1.0');
      assert.ok(doc.paths['/api/hosts'].post, 'hosts are documented');
      assert.ok(doc.paths['/api/reports/hosts'].get);
      const ui = await api.app.inject({ method: 'GET', url: '/api/docs/' });
      assert.equal(ui.statusCode, 200);
      assert.match(ui.headers['content-type'] as string, /text\/html/);
    });

    it('serves a placeholder console with SPA fallback while the web build is missing', async () => {
      for (const url of ['/', '/hosts/12', '/setup?token=x']) {
        const res = await api.app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 200, url);
        assert.match(res.body, /npx nx run @prophasis\/web:build/);
      }
    });

    it('signs in with an httpOnly SameSite=Strict cookie, reports /me, signs out', async () => {
      const res = await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'operator', password: PASSWORD } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().role, 'operator');
      const cookie = res.cookies.find((c) => c.name === 'prophasis_session')!;
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Strict');
      assert.equal(cookie.secure, undefined, 'plain HTTP: not Secure (auto)');
      const session = sessionCookie(res);
      const me = await api.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: session } });
      assert.equal(me.json().name, 'operator');
      assert.ok(me.json().expiresAt > Date.now());
      // The database holds only the hash of the token.
      const stored = await api.db.models.Session.findAll();
      assert.ok(stored.every((s) => !session.includes(s.id)));
      const out = await api.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: session, 'content-type': 'application/json' }, payload: '{}' });
      assert.equal(out.statusCode, 204);
      assert.equal((await api.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: session } })).statusCode, 401);
    });

    it('sets the Secure flag when the request came over TLS via a trusted proxy', async () => {
      const app = await createApiApp({ trustProxy: true, cookieSecure: 'auto', webRoot: '/nonexistent' }, { logger: silentLogger(), db: api.db, auth: api.auth, audit: { record: async () => {}, list: async () => ({ items: [], total: 0, limit: 1, offset: 0 }) }, events: api.events });
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'x-forwarded-proto': 'https' }, payload: { name: 'viewer', password: PASSWORD } });
      assert.equal(res.cookies.find((c) => c.name === 'prophasis_session')?.secure, true);
      await app.close();
    });

    it('refuses a wrong password, rate-limits per user name and per IP with Retry-After, and keeps serving others', async () => {
      const wrong = await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'viewer', password: 'wrong password!' }, remoteAddress: '10.0.0.1' });
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().code, 'CORE_API_BAD_CREDENTIALS');
      const unknownUser = await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'nobody', password: 'wrong password!' }, remoteAddress: '10.0.0.1' });
      assert.equal(unknownUser.json().code, 'CORE_API_BAD_CREDENTIALS', 'same answer for an unknown user');
      // Per user name: attempts from many addresses against one account.
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) {
        codes.push((await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'operator', password: 'guess' + i }, remoteAddress: `10.1.0.${i}` })).statusCode);
      }
      assert.deepEqual(codes, [401, 401, 401, 401, 401, 429]);
      const limited = await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'operator', password: PASSWORD }, remoteAddress: '10.1.0.99' });
      assert.equal(limited.statusCode, 429, 'even the right password waits');
      assert.equal(limited.json().code, 'CORE_API_TOO_MANY_ATTEMPTS');
      const retryAfter = Number(limited.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      // Per IP: one address spraying many user names.
      const ipCodes: number[] = [];
      for (let i = 0; i < 6; i++) {
        ipCodes.push((await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: `spray${i}`, password: 'x' }, remoteAddress: '10.2.0.1' })).statusCode);
      }
      assert.equal(ipCodes.at(-1), 429);
      // Everyone else is served.
      assert.equal((await call(api, 'viewer', 'GET', '/api/hosts')).statusCode, 200);
      await login(api.app, 'admin', PASSWORD, '10.3.0.1');
      assert.equal((await api.app.inject({ method: 'GET', url: '/api/health' })).statusCode, 200);
    });

    it('enforces roles: operator reads but cannot configure; admin-only reads refused below admin', async () => {
      assert.equal((await call(api, 'operator', 'GET', '/api/hosts')).statusCode, 200);
      assert.equal((await call(api, 'viewer', 'GET', '/api/reports/hosts')).statusCode, 200);
      for (const role of ['viewer', 'operator'] as const) {
        assert.equal((await call(api, role, 'GET', '/api/audit')).statusCode, 403);
        assert.equal((await call(api, role, 'GET', '/api/users')).statusCode, 403);
      }
      assert.equal((await call(api, 'admin', 'GET', '/api/audit')).statusCode, 200);
    });

    it('refuses a change that is not JSON (CSRF) and accepts nothing but JSON bodies', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await api.app.inject({ method: 'POST', url: '/api/hosts', headers: { cookie: api.cookies.admin, 'content-type': type }, payload: 'name=evil' });
        assert.equal(res.statusCode, 415, type);
        assert.equal(res.json().code, 'CORE_API_JSON_REQUIRED');
      }
      const list = (await call(api, 'admin', 'GET', '/api/hosts?q=evil')).json();
      assert.equal(list.total, 0);
      const malformed = await api.app.inject({ method: 'POST', url: '/api/hosts', headers: { cookie: api.cookies.admin, 'content-type': 'application/json' }, payload: '{"name":' });
      assert.equal(malformed.statusCode, 400);
      assert.equal(malformed.json().code, 'CORE_API_BAD_REQUEST');
    });

    it('writes an audit row for every successful change, without secrets; none for refused ones', async () => {
      const before = (await call(api, 'admin', 'GET', '/api/audit?limit=500')).json().total;
      const host = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'audited' })).json();
      await call(api, 'admin', 'PUT', `/api/hosts/${host.id}`, { name: 'audited', description: 'x' });
      await call(api, 'viewer', 'DELETE', `/api/hosts/${host.id}`); // refused: no row
      await call(api, 'admin', 'POST', '/api/users', { name: 'frank', role: 'viewer', password: 'a very long secret phrase' });
      await call(api, 'admin', 'DELETE', `/api/hosts/${host.id}`);
      const page = (await call(api, 'admin', 'GET', '/api/audit?limit=4')).json();
      assert.equal(page.total, before + 4);
      assert.deepEqual(page.items.map((e: { action: string }) => e.action), ['hosts.delete', 'users.create', 'hosts.update', 'hosts.create']);
      assert.ok(page.items.every((e: { userName: string }) => e.userName === 'admin'));
      assert.equal(page.items[0].targetKind, 'host');
      assert.equal(page.items[0].targetId, String(host.id));
      assert.deepEqual(page.items[1].summary, { name: 'frank', role: 'viewer', passwordChanged: true });
      assert.equal(JSON.stringify(page).includes('secret phrase'), false);
      const second = (await call(api, 'admin', 'GET', '/api/audit?limit=2&offset=2')).json();
      assert.deepEqual(second.items.map((e: { action: string }) => e.action), ['hosts.update', 'hosts.create']);
      const logins = (await call(api, 'admin', 'GET', '/api/audit?action=auth.login&limit=1')).json();
      assert.equal(logins.items[0].action, 'auth.login');
    });

    it('streams published events to signed-in clients over server-sent events', async () => {
      await api.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = api.app.server.address() as { port: number };
      const refused = await get(port, undefined);
      assert.equal(refused.statusCode, 401);
      refused.resume();
      const res = await get(port, api.cookies.viewer);
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /text\/event-stream/);
      res.setEncoding('utf8');
      let buffer = '';
      const received = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no event within 5 s')), 5_000);
        res.on('data', (chunk: string) => {
          buffer += chunk;
          if (buffer.includes(': connected')) {
            if (!buffer.includes('event: state.changed')) {
              if (api.events.size() > 0 && !published) {
                published = true;
                api.events.publish(event);
              }
              return;
            }
            clearTimeout(timer);
            resolve(buffer);
          }
        });
      });
      let published = false;
      const event: CoreEvent = { type: 'state.changed', ts: 1, transition: { hostId: 1, serviceId: null, pluginId: 4, from: 'ok', to: 'major', at: 2, late: false } };
      const text = await received;
      const data = /event: state\.changed\ndata: (.*)\n\n/.exec(text)?.[1];
      // The browser's shape (ApiEvent), mapped from the core's event.
      const expected: ApiEvent = { type: 'state.changed', ts: 1, data: { hostId: 1, pluginId: 4, from: 'ok', to: 'major', at: 2, late: false } };
      assert.deepEqual(JSON.parse(data!), expected);
      res.destroy();
    });
  });
}

function get(port: number, cookie: string | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/api/events', headers: cookie ? { cookie, accept: 'text/event-stream' } : {} }, resolve);
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
