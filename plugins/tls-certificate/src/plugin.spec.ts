import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { FAKE_NOW, createFakeHost, hostError, importPluginCode, packPluginFolder, type CertificateInfo } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

// Certificates as the agent's tlsCertificate returns them (the fake clock stands at 2025-01-01T00:00:00Z).
const LETS_ENCRYPT: CertificateInfo = {
  subject: 'CN=www.example.org',
  issuer: "C=US, O=Let's Encrypt, CN=R11",
  validFrom: Date.UTC(2024, 11, 2, 8, 14, 5),
  validTo: Date.UTC(2025, 2, 2, 8, 14, 4),
  daysRemaining: 60,
  trusted: true,
};
const SELF_SIGNED_EXPIRED: CertificateInfo = {
  subject: 'CN=printer.lan',
  issuer: 'CN=printer.lan',
  validFrom: Date.UTC(2019, 5, 1),
  validTo: Date.UTC(2024, 11, 29, 12),
  daysRemaining: -3,
  trusted: false,
};
const EARLY: CertificateInfo = { ...LETS_ENCRYPT, validFrom: Date.UTC(2025, 0, 3), validTo: Date.UTC(2025, 3, 3) };

describe('tls-certificate', () => {
  it('reports whole days to expiry by the agent clock, with subject, issuer and trust', async () => {
    const host = createFakeHost({ tls: { 'www.example.org:443': LETS_ENCRYPT }, now: FAKE_NOW });
    assert.deepEqual(await measure(host, { host: 'www.example.org' }), {
      value: 60,
      message:
        "www.example.org:443: CN=www.example.org, issued by C=US, O=Let's Encrypt, CN=R11, valid until 2025-03-02T08:14:04Z, expires in 60 days; trusted",
    });
    assert.deepEqual(host.calls[0], { fn: 'tlsCertificate', args: ['www.example.org', 443, { timeoutMs: 10000, servername: 'www.example.org' }] });
  });

  it('reports an expired, self-signed certificate with a negative value', async () => {
    const host = createFakeHost({ tls: { '192.168.1.40:8443': SELF_SIGNED_EXPIRED } });
    assert.deepEqual(await measure(host, { host: '192.168.1.40', port: 8443, servername: 'printer.lan' }), {
      value: -3,
      message: '192.168.1.40:8443: CN=printer.lan, issued by CN=printer.lan, valid until 2024-12-29T12:00:00Z, EXPIRED 3 days ago; NOT trusted by the system CAs',
    });
    assert.deepEqual(host.calls[0]!.args[2], { timeoutMs: 10000, servername: 'printer.lan' });
  });

  it('says when a certificate is not valid yet', async () => {
    const out = await measure(createFakeHost({ tls: { 'www.example.org:443': EARLY } }), { host: 'www.example.org' });
    assert.equal(out.value, 92);
    assert.match(out.message ?? '', /NOT YET VALID \(from 2025-01-03T00:00:00Z\); trusted$/);
  });

  it('reports a refused connection as connection_error and a timeout as connection_timeout', async () => {
    const refused = createFakeHost({ tls: { 'mail.example.org:993': hostError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.7:993') } });
    assert.deepEqual(await measure(refused, { host: 'mail.example.org', port: 993 }), {
      resultType: 'connection_error',
      message: 'mail.example.org:993: connect ECONNREFUSED 10.0.0.7:993',
    });
    const slow = createFakeHost({ tls: { 'mail.example.org:993': hostError('ETIMEDOUT', 'TLS handshake timed out') } });
    assert.equal((await measure(slow, { host: 'mail.example.org', port: 993 })).resultType, 'connection_timeout');
  });

  it('reports command_unsuccessful when the capability or the target is not approved, and for bad parameters', async () => {
    assert.deepEqual(await measure(createFakeHost(), { host: 'www.example.org' }), {
      resultType: 'command_unsuccessful',
      message: 'capability net.connect:www.example.org:443 is not approved',
    });
    const other = await measure(createFakeHost({ tls: {} }), { host: 'www.example.org' });
    assert.equal(other.resultType, 'command_unsuccessful');
    assert.match(other.message ?? '', /not an approved target/);
    const host = createFakeHost({ tls: {} });
    assert.deepEqual(await measure(host, {}), { resultType: 'command_unsuccessful', message: 'parameter host is required' });
    assert.deepEqual(await measure(host, { host: 'x', port: 0 }), { resultType: 'command_unsuccessful', message: 'parameter port must be 1 to 65535, not 0' });
    assert.deepEqual(host.calls, []);
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.tls-certificate');
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { tls: { 'www.example.org:443': LETS_ENCRYPT } };
    assert.deepEqual(await built.measure(createFakeHost(spec), { host: 'www.example.org' }), await measure(createFakeHost(spec), { host: 'www.example.org' }));
  });
});
