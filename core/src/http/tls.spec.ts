import { ensurePki } from '@prophasis/broker';
import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHttpsMaterial } from './tls.js';

describe('HTTPS material (loadHttpsMaterial)', function () {
  this.timeout(20_000);
  let dir: string;
  let cert: string;
  let key: string;
  let otherKey: string;
  const logger = silentLogger();
  const noOwnCa = async (): Promise<never> => assert.fail('the own CA is not asked for');
  const load = (settings: { httpsCert?: string; httpsKey?: string; httpsSelfSigned?: boolean }, ownCa: () => Promise<{ certPem: string; keyPem: string }> = noOwnCa) =>
    loadHttpsMaterial({ httpsCert: '', httpsKey: '', httpsSelfSigned: false, ...settings }, { ownCa, logger });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-tls-'));
    const a = await ensurePki(join(dir, 'a'), { hostnames: ['localhost'], ips: ['127.0.0.1'], logger });
    const b = await ensurePki(join(dir, 'b'), { hostnames: ['localhost'], ips: ['127.0.0.1'], logger });
    cert = join(dir, 'a', 'server.crt');
    key = join(dir, 'a', 'server.key');
    otherKey = join(dir, 'b', 'server.key');
    assert.notEqual(a.serverKeyPem, b.serverKeyPem);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('plain HTTP when nothing is configured', async () => {
    assert.equal(await load({}), undefined);
  });

  it('given files: the certificate, its key and the pin of its public key', async () => {
    const tls = await load({ httpsCert: cert, httpsKey: key });
    assert.ok(tls);
    assert.equal(tls.source, 'files');
    const spki = new X509Certificate(tls.certPem).publicKey.export({ type: 'spki', format: 'der' });
    assert.equal(tls.publicKeyPin, `sha256//${createHash('sha256').update(spki).digest('base64')}`);
    assert.ok(tls.notAfter.getTime() > Date.now());
  });

  it('httpsSelfSigned: the server certificate of the core\'s own CA', async () => {
    const own = await ensurePki(join(dir, 'a'), { hostnames: ['localhost'], ips: ['127.0.0.1'], logger });
    const tls = await load({ httpsSelfSigned: true }, async () => ({ certPem: own.serverCertPem, keyPem: own.serverKeyPem }));
    assert.equal(tls?.source, 'own-ca');
    assert.equal(tls?.certPem, own.serverCertPem);
  });

  it('refuses half a configuration, both sources, unreadable files, no PEM, an encrypted key and a key of another certificate, naming the setting and its variable', async () => {
    await assert.rejects(load({ httpsCert: cert }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'CORE_HTTPS_INCOMPLETE');
      assert.match(err.message, /httpsKey \(PROPHASIS_HTTPS_KEY\) is not set/);
      return true;
    });
    await assert.rejects(load({ httpsKey: key }), { code: 'CORE_HTTPS_INCOMPLETE', message: /httpsCert \(PROPHASIS_HTTPS_CERT\)/ });
    await assert.rejects(load({ httpsCert: cert, httpsKey: key, httpsSelfSigned: true }), { code: 'CORE_HTTPS_AMBIGUOUS', message: /httpsSelfSigned \(PROPHASIS_HTTPS\)/ });
    const missing = join(dir, 'nope.crt');
    await assert.rejects(load({ httpsCert: missing, httpsKey: key }), { code: 'CORE_HTTPS_UNREADABLE', message: new RegExp(`httpsCert \\(PROPHASIS_HTTPS_CERT\\): ${missing}: ENOENT`) });
    await assert.rejects(load({ httpsCert: cert, httpsKey: dir }), { code: 'CORE_HTTPS_UNREADABLE', message: /httpsKey \(PROPHASIS_HTTPS_KEY\): .*EISDIR/ });

    const garbage = join(dir, 'garbage.pem');
    await writeFile(garbage, 'not a certificate\n');
    await assert.rejects(load({ httpsCert: garbage, httpsKey: key }), { code: 'CORE_HTTPS_INVALID', message: /httpsCert \(PROPHASIS_HTTPS_CERT\): .*garbage\.pem holds no PEM certificate/ });
    await assert.rejects(load({ httpsCert: cert, httpsKey: garbage }), { code: 'CORE_HTTPS_INVALID', message: /httpsKey \(PROPHASIS_HTTPS_KEY\): .*holds no unencrypted PEM private key/ });
    // A key the certificate file itself holds is no private key either.
    await assert.rejects(load({ httpsCert: cert, httpsKey: cert }), { code: 'CORE_HTTPS_INVALID' });

    const encrypted = join(dir, 'encrypted.key');
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    await writeFile(encrypted, pair.privateKey);
    await assert.rejects(load({ httpsCert: cert, httpsKey: encrypted }), { code: 'CORE_HTTPS_INVALID', message: /unencrypted/ });

    await assert.rejects(load({ httpsCert: cert, httpsKey: otherKey }), { code: 'CORE_HTTPS_KEY_MISMATCH', message: /httpsKey \(PROPHASIS_HTTPS_KEY\): .*b\/server\.key is not the key of httpsCert \(PROPHASIS_HTTPS_CERT\)/ });
  });
});
