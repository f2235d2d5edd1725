import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder, type HttpResponse } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

const URL_ = 'https://www.example.org/health';
// A health endpoint's answer as the agent's httpRequest returns it (Let's Encrypt certificate dates).
const OK: HttpResponse = {
  status: 200,
  headers: { 'content-type': 'application/json', server: 'nginx' },
  body: '{"status":"ok","db":"up","version":"4.2.1"}',
  latencyMs: 84.6,
  truncated: false,
  certificate: {
    subject: 'CN=www.example.org',
    issuer: "C=US, O=Let's Encrypt, CN=R11",
    validFrom: Date.UTC(2024, 11, 2, 8, 14, 5),
    validTo: Date.UTC(2025, 2, 2, 8, 14, 4),
    daysRemaining: 60,
    trusted: true,
  },
};
const respond = (response: Partial<HttpResponse>) => createFakeHost({ http: { [URL_]: { ...OK, ...response } } });

describe('http-check', () => {
  it('reports the response time of a 200 with the certificate expiry', async () => {
    const host = respond({});
    assert.deepEqual(await measure(host, { url: URL_ }), {
      value: 85,
      message: `${URL_}: HTTP 200 in 85 ms, certificate trusted, expires in 60 days`,
    });
    assert.deepEqual(host.calls[0], {
      fn: 'httpRequest',
      args: [URL_, { method: 'GET', timeoutMs: 10000, verifyTls: true, headers: { 'user-agent': 'Prophasis http-check/1.0' } }],
    });
  });

  it('finds a keyword in the body', async () => {
    const out = await measure(respond({ certificate: undefined }), { url: URL_, keyword: '"db":"up"' });
    assert.deepEqual(out, { value: 85, message: `${URL_}: HTTP 200 in 85 ms, keyword "\\"db\\":\\"up\\"" found` });
  });

  it('reports a missing keyword as request_error, saying when the body was cut', async () => {
    const missing = await measure(respond({}), { url: URL_, keyword: '"db":"down"' });
    assert.equal(missing.resultType, 'request_error');
    assert.equal(missing.value, undefined);
    const cut = await measure(respond({ body: 'x'.repeat(100), truncated: true }), { url: URL_, keyword: 'ok' });
    assert.deepEqual(cut, { resultType: 'request_error', message: `${URL_}: HTTP 200 in 85 ms, keyword "ok" not found in the first 100 characters` });
  });

  it('reports an unexpected status as request_error and accepts the expected one', async () => {
    assert.deepEqual(await measure(respond({ status: 503, body: 'Service Unavailable' }), { url: URL_ }), {
      resultType: 'request_error',
      message: `${URL_}: HTTP 503 in 85 ms, expected 200`,
    });
    assert.equal((await measure(respond({ status: 301 }), { url: URL_, expectedStatus: 301 })).value, 85);
  });

  it('reports 401 and 403 as authentication_error', async () => {
    assert.deepEqual(await measure(respond({ status: 401 }), { url: URL_ }), {
      resultType: 'authentication_error',
      message: `${URL_}: HTTP 401 in 85 ms, expected 200`,
    });
    assert.equal((await measure(respond({ status: 403 }), { url: URL_ })).resultType, 'authentication_error');
  });

  it('reports a refused connection as connection_error and a timeout as connection_timeout', async () => {
    const refused = createFakeHost({ http: { [URL_]: hostError('ECONNREFUSED', 'connect ECONNREFUSED 93.184.216.34:443') } });
    assert.deepEqual(await measure(refused, { url: URL_ }), { resultType: 'connection_error', message: `${URL_}: connect ECONNREFUSED 93.184.216.34:443` });
    const slow = createFakeHost({ http: { [URL_]: hostError('ETIMEDOUT', 'request timed out after 10000 ms') } });
    assert.deepEqual(await measure(slow, { url: URL_ }), { resultType: 'connection_timeout', message: `${URL_}: ETIMEDOUT: request timed out after 10000 ms` });
    const aborted = createFakeHost({ http: { [URL_]: Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }) } });
    assert.equal((await measure(aborted, { url: URL_ })).resultType, 'connection_timeout');
    const badCert = createFakeHost({ http: { [URL_]: hostError('CERT_HAS_EXPIRED', 'certificate has expired') } });
    assert.deepEqual(await measure(badCert, { url: URL_ }), { resultType: 'connection_error', message: `${URL_}: CERT_HAS_EXPIRED: certificate has expired` });
  });

  it('reports command_unsuccessful when the capability or the target is not approved', async () => {
    assert.deepEqual(await measure(createFakeHost(), { url: URL_ }), {
      resultType: 'command_unsuccessful',
      message: 'capability http.request:https://www.example.org is not approved',
    });
    const other = await measure(createFakeHost({ http: {} }), { url: URL_ });
    assert.equal(other.resultType, 'command_unsuccessful');
    assert.match(other.message ?? '', /not an approved target/);
  });

  it('refuses bad parameters without a request', async () => {
    const host = createFakeHost({ http: {} });
    for (const [params, message] of [
      [{}, 'parameter url must be an http:// or https:// URL, not undefined'],
      [{ url: 'ftp://x/' }, 'parameter url must be an http:// or https:// URL, not "ftp://x/"'],
      [{ url: URL_, expectedStatus: 1000 }, 'parameter expectedStatus must be an HTTP status, not 1000'],
      [{ url: URL_, method: 'HEAD', keyword: 'ok' }, 'parameter keyword needs method GET: a HEAD response has no body'],
      [{ url: URL_, method: 'DELETE' }, 'parameter method must be GET or HEAD, not "DELETE"'],
      [{ url: URL_, timeoutMs: 0 }, 'parameter timeoutMs must be 100 to 60000, not 0'],
    ] as const) {
      assert.deepEqual(await measure(host, params), { resultType: 'command_unsuccessful', message });
    }
    assert.deepEqual(host.calls, []);
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.http-check');
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    assert.deepEqual(await built.measure(respond({}), { url: URL_, keyword: 'ok' }), await measure(respond({}), { url: URL_, keyword: 'ok' }));
  });
});
