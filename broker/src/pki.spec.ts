import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateFingerprint, ensurePki, openTicketKeys } from './pki.js';

describe('ensurePki', () => {
  let dir: string;
  const logger = silentLogger();
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-pki-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a P-256 CA and a server certificate it signed, keys 0600', async () => {
    const pki = await ensurePki(dir, { hostnames: ['core.example', 'localhost'], ips: ['127.0.0.1', '::1'], logger });
    const ca = new X509Certificate(pki.caCertPem);
    const server = new X509Certificate(pki.serverCertPem);
    assert.equal(ca.ca, true);
    assert.equal(server.ca, false);
    assert.equal(server.verify(ca.publicKey), true);
    assert.equal(server.checkIssued(ca), true);
    assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(server.checkHost('core.example'), 'core.example');
    assert.equal(server.checkIP('::1'), '::1');
    assert.equal(server.checkHost('other.example'), undefined);
    const years = (Date.parse(ca.validTo) - Date.now()) / (365.25 * 24 * 3600 * 1000);
    assert.ok(years > 9.9 && years < 10.1, `CA valid ${years} years`);
    const days = (Date.parse(server.validTo) - Date.now()) / (24 * 3600 * 1000);
    assert.ok(days > 360 && days <= 366, `server valid ${days} days`);
    assert.equal(pki.caFingerprint, certificateFingerprint(pki.caCertPem));
    assert.equal(pki.caFingerprint, ca.fingerprint256.replaceAll(':', '').toLowerCase());
    for (const f of ['ca.key', 'server.key']) assert.equal((await stat(join(dir, f))).mode & 0o777, 0o600, f);
  });

  it('loads the same material on the next call', async () => {
    const opts = { hostnames: ['localhost'], ips: ['127.0.0.1'], logger };
    const { ticketKeys: ka, ...a } = await ensurePki(dir, opts);
    const { ticketKeys: kb, ...b } = await ensurePki(dir, opts);
    assert.deepEqual(b, a);
    assert.ok((await kb.current()).equals(await ka.current()));
  });

  it('re-issues only the server certificate when the names change', async () => {
    const a = await ensurePki(dir, { hostnames: ['localhost'], ips: ['127.0.0.1'], logger });
    const b = await ensurePki(dir, { hostnames: ['localhost', 'core.lan'], ips: ['127.0.0.1'], logger });
    assert.equal(b.caCertPem, a.caCertPem);
    assert.equal(b.caFingerprint, a.caFingerprint);
    assert.notEqual(b.serverCertPem, a.serverCertPem);
    assert.equal(new X509Certificate(b.serverCertPem).checkHost('core.lan'), 'core.lan');
  });

  it('uses the machine hostname, localhost and 127.0.0.1 by default', async () => {
    const pki = await ensurePki(dir, { hostnames: [], ips: [], logger });
    const server = new X509Certificate(pki.serverCertPem);
    assert.equal(server.checkHost('localhost'), 'localhost');
    assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
  });

  it('refuses an IP that is not one', async () => {
    await assert.rejects(ensurePki(dir, { hostnames: [], ips: ['not-an-ip'], logger }), /BROKER_PKI_INVALID|not an IP/);
  });

  it('keeps TLS ticket keys in a 0600 file, the same across loads until their lifetime ends', async () => {
    let now = Date.now();
    const keys = openTicketKeys(dir, { logger, lifetimeMs: 60_000, now: () => now });
    const first = await keys.current();
    assert.equal(first.length, 48);
    assert.equal((await stat(join(dir, 'ticket-keys.bin'))).mode & 0o777, 0o600);
    assert.ok(first.equals(await openTicketKeys(dir, { logger, lifetimeMs: 60_000, now: () => now }).current()), 'a restart loads the same keys');
    now += 61_000;
    const second = await keys.current();
    assert.equal(second.length, 48);
    assert.ok(!second.equals(first), 'expired keys are replaced');
    assert.ok(second.equals(await keys.current()));
  });

  it('replaces a ticket key file of the wrong size', async () => {
    await writeFile(join(dir, 'ticket-keys.bin'), Buffer.alloc(12, 1));
    const keys = await openTicketKeys(dir, { logger }).current();
    assert.equal(keys.length, 48);
    assert.ok(!keys.subarray(0, 12).equals(Buffer.alloc(12, 1)));
  });
});
