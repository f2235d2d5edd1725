import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createTestApi, type TestApi } from './helpers.js';

/** The HTTP answers a browser gets (issue #20, "Hardened HTTP"): security headers and refusal of cross-site changes. */
describe('hardened HTTP', function () {
  this.timeout(30_000);
  let api: TestApi;
  before(async () => {
    api = await createTestApi('sqlite');
  });
  after(async () => api.close());

  const post = (headers: Record<string, string>, url = '/api/hosts') =>
    api.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', cookie: api.cookies.admin, ...headers }, payload: { name: `h-${Math.random().toString(36).slice(2, 8)}` } });

  it('every answer carries a strict Content-Security-Policy, frame-ancestors none, nosniff and a Referrer-Policy', async () => {
    for (const url of ['/', '/hosts', '/api/health', '/api/hosts']) {
      const res = await api.app.inject({ method: 'GET', url, headers: { cookie: api.cookies.viewer } });
      const csp = String(res.headers['content-security-policy'] ?? '');
      assert.match(csp, /default-src 'self'/, `${url}: ${csp}`);
      assert.match(csp, /script-src 'self'(;|$| 'sha256-)/, `${url}: no inline scripts`);
      assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /object-src 'none'/);
      assert.doesNotMatch(csp, /upgrade-insecure-requests/, 'the console may be plain HTTP on a LAN');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      assert.equal(res.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');
    }
  });

  it('the placeholder page (console not built) has its one inline script allowed by its hash', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/setup?token=x' });
    const script = /<script>([\s\S]*?)<\/script>/.exec(res.body)?.[1];
    assert.ok(script, 'the placeholder page is served (the tests have no console build)');
    const hash = createHash('sha256').update(script).digest('base64');
    const csp = String(res.headers['content-security-policy']);
    assert.ok(csp.includes(`script-src 'self' 'sha256-${hash}'`), csp);
  });

  it('HSTS only over TLS: a request a trusted proxy says came over HTTPS gets it, plain HTTP does not', async () => {
    const proxied = await createTestApi('sqlite', { http: { trustProxy: true } });
    try {
      const tls = await proxied.app.inject({ method: 'GET', url: '/api/health', headers: { 'x-forwarded-proto': 'https' } });
      assert.match(String(tls.headers['strict-transport-security']), /^max-age=\d{7,}; includeSubDomains$/);
      const plain = await proxied.app.inject({ method: 'GET', url: '/api/health' });
      assert.equal(plain.headers['strict-transport-security'], undefined);
    } finally {
      await proxied.close();
    }
    // Without trustProxy the forwarded header is not believed.
    const res = await api.app.inject({ method: 'GET', url: '/api/health', headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(res.headers['strict-transport-security'], undefined);
  });

  it('refuses a change from another site with a clear 403, and changes nothing', async () => {
    const before = (await api.app.inject({ method: 'GET', url: '/api/hosts', headers: { cookie: api.cookies.admin } })).json() as unknown[];
    const refusedHeaders: Record<string, string>[] = [{ origin: 'http://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site', origin: 'http://other.localhost' }, { origin: 'null' }];
    for (const headers of refusedHeaders) {
      const res = await post(headers);
      assert.equal(res.statusCode, 403, JSON.stringify(headers));
      assert.equal(res.json().code, 'CORE_API_CROSS_ORIGIN');
      assert.match(res.json().message, /another site/);
    }
    const deleted = await api.app.inject({ method: 'DELETE', url: '/api/hosts/1', headers: { cookie: api.cookies.admin, origin: 'http://evil.example' } });
    assert.equal(deleted.statusCode, 403);
    const after = (await api.app.inject({ method: 'GET', url: '/api/hosts', headers: { cookie: api.cookies.admin } })).json() as unknown[];
    assert.equal(after.length, before.length, 'nothing created');
    // The process is healthy: the same request from the console's own origin goes through.
    assert.equal((await post({ origin: 'http://localhost:80', host: 'localhost:80' })).statusCode, 201);
  });

  it('accepts the console (same origin), a typed URL (none) and scripts without browser headers', async () => {
    assert.equal((await post({ 'sec-fetch-site': 'same-origin', origin: 'http://localhost' })).statusCode, 201);
    assert.equal((await post({ origin: 'http://localhost' })).statusCode, 201, 'Origin equal to the Host');
    assert.equal((await post({})).statusCode, 201, 'curl or a script');
    // A cross-site GET (a link from a mail) is fine: it changes nothing.
    assert.equal((await api.app.inject({ method: 'GET', url: '/api/hosts', headers: { cookie: api.cookies.admin, 'sec-fetch-site': 'cross-site' } })).statusCode, 200);
  });
});
