import { ensurePki } from '@prophasis/broker';
import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCoreConfig } from '../../src/kernel/config.js';
import { startCore, type Core } from '../../src/main.js';

/** One HTTPS request that trusts only `ca`; `servername`: the name checked against the certificate. */
function call(url: string, options: { ca: string; servername?: string; method?: string; body?: unknown }): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        ...(options.servername ? { servername: options.servername } : {}),
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        timeout: 5_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const base = { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' as const };

describe('HTTPS for the console', function () {
  this.timeout(90_000);
  let dir: string;
  let core: Core | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-https-'));
  });
  afterEach(async () => {
    await core?.stop();
    core = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('PROPHASIS_HTTPS=1: answers over TLS with a certificate of the core\'s own CA, sends HSTS, sets the session cookie Secure, prints https links', async () => {
    core = await startCore(readCoreConfig({ PROPHASIS_DATA_DIR: dir, PROPHASIS_HTTPS: '1' }, base), silentLogger());
    const ca = await readFile(join(dir, 'pki', 'ca.crt'), 'utf8');
    const origin = `https://127.0.0.1:${core.httpPort}`;
    assert.equal(core.baseUrl, `https://localhost:${core.httpPort}`);

    const health = await call(`${origin}/api/health`, { ca });
    assert.equal(health.status, 200, health.body);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
    assert.equal(health.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    // The certificate names localhost too (the printed links use it).
    assert.equal((await call(`${origin}/api/health`, { ca, servername: 'localhost' })).status, 200);
    // Only the core's own CA vouches for it: a client that trusts another CA refuses it.
    const stranger = await ensurePki(join(dir, 'stranger'), { hostnames: ['localhost'], ips: ['127.0.0.1'], logger: silentLogger() });
    await assert.rejects(call(`${origin}/api/health`, { ca: stranger.caCertPem }), /certificate/);
    // Plain HTTP is not served on the port.
    await assert.rejects(fetch(`http://127.0.0.1:${core.httpPort}/api/health`, { signal: AbortSignal.timeout(5_000) }));

    const link = core.setupLink();
    assert.match(link ?? '', new RegExp(`^https://localhost:${core.httpPort}/setup\\?token=`));
    const created = await call(`${origin}/api/setup`, {
      ca,
      method: 'POST',
      body: { token: new URL(link!).searchParams.get('token'), name: 'owner', password: 'a sturdy first password' },
    });
    assert.equal(created.status, 201, created.body);
    const cookie = [created.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('prophasis_session='));
    assert.ok(cookie, 'a session cookie');
    assert.match(cookie, /; Secure(;|$)/);
    assert.match(cookie, /; HttpOnly(;|$)/);
  });

  it('httpsCert/httpsKey: serves the given certificate (chain of another CA)', async () => {
    const given = await ensurePki(join(dir, 'given'), { hostnames: ['console.test'], ips: ['127.0.0.1'], logger: silentLogger() });
    core = await startCore(
      readCoreConfig({ PROPHASIS_DATA_DIR: join(dir, 'data'), PROPHASIS_HTTPS_CERT: join(dir, 'given', 'server.crt'), PROPHASIS_HTTPS_KEY: join(dir, 'given', 'server.key') }, base),
      silentLogger(),
    );
    const res = await call(`https://127.0.0.1:${core.httpPort}/api/health`, { ca: given.caCertPem, servername: 'console.test' });
    assert.equal(res.status, 200, res.body);
    assert.ok(res.headers['strict-transport-security']);
    // The core's own CA did not sign it.
    await assert.rejects(call(`https://127.0.0.1:${core.httpPort}/api/health`, { ca: await readFile(join(dir, 'data', 'pki', 'ca.crt'), 'utf8') }), /certificate/);
  });

  it('a bad path or a key of another certificate stops the start, naming the variable, before anything is opened', async () => {
    const other = join(dir, 'other');
    await ensurePki(other, { hostnames: ['localhost'], ips: ['127.0.0.1'], logger: silentLogger() });
    const data = join(dir, 'data');
    await assert.rejects(
      startCore(readCoreConfig({ PROPHASIS_DATA_DIR: data, PROPHASIS_HTTPS_CERT: join(dir, 'missing.crt'), PROPHASIS_HTTPS_KEY: join(other, 'server.key') }, base), silentLogger()),
      { code: 'CORE_HTTPS_UNREADABLE', message: /PROPHASIS_HTTPS_CERT.*missing\.crt: ENOENT/ },
    );
    // readCoreConfig makes the data directory (mode 0700); nothing is put in it.
    assert.deepEqual(await readdir(data), [], 'no database, no PKI');
    const stray = join(dir, 'stray');
    await ensurePki(stray, { hostnames: ['localhost'], ips: ['127.0.0.1'], logger: silentLogger() });
    await assert.rejects(
      startCore(readCoreConfig({ PROPHASIS_DATA_DIR: data, PROPHASIS_HTTPS_CERT: join(other, 'server.crt'), PROPHASIS_HTTPS_KEY: join(stray, 'server.key') }, base), silentLogger()),
      { code: 'CORE_HTTPS_KEY_MISMATCH', message: /httpsKey \(PROPHASIS_HTTPS_KEY\)/ },
    );
    assert.deepEqual(await readdir(data), []);
    await assert.rejects(startCore(readCoreConfig({ PROPHASIS_DATA_DIR: data, PROPHASIS_HTTPS_KEY: join(other, 'server.key') }, base), silentLogger()), { code: 'CORE_HTTPS_INCOMPLETE' });
    assert.deepEqual(await readdir(data), []);
  });
});
