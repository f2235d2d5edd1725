import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { createCapabilitySet, createHostFunctions, HOST_LIMITS, type HostFunctions } from '../../src/sandbox/index.js';

/** The host functions called directly (no isolate): each refuses on its own and stays bounded. */
describe('sandbox host functions', function () {
  this.timeout(20_000);
  let dir: string;
  const controller = new AbortController();
  const fns = (caps: string[]): HostFunctions => createHostFunctions(createCapabilitySet(caps), { signal: controller.signal, runTimeoutMs: 5_000 });
  const code = async (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: string }) => e.code);

  before(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'prophasis-hostfn-'));
    await writeFile(join(dir, 'big.txt'), Buffer.alloc(HOST_LIMITS.readFileBytes + 1, 'a'));
    await writeFile(join(dir, 'exact.txt'), Buffer.alloc(HOST_LIMITS.readFileBytes, 'b'));
  });
  after(async () => {
    controller.abort();
    await rm(dir, { recursive: true, force: true });
  });

  it('each function checks its own capability (defence in depth)', async () => {
    const none = fns([]);
    for (const [name, args] of [
      ['readFile', ['/etc/hostname']],
      ['listDir', ['/etc']],
      ['exec', ['/bin/true', []]],
      ['tcpConnect', ['127.0.0.1', 1]],
      ['tlsCertificate', ['127.0.0.1', 1]],
      ['httpRequest', ['http://127.0.0.1:1/']],
      ['os.hostname', []],
      ['agent.info', []],
    ] as const) {
      assert.equal(await code(none[name]!(...args)), 'capability_denied', name);
    }
  });

  it('readFile reads up to 1 MiB and refuses more', async () => {
    const f = fns([`fs.read:${dir}/*`]);
    assert.equal(((await f.readFile!(join(dir, 'exact.txt'))) as string).length, HOST_LIMITS.readFileBytes);
    assert.equal(await code(f.readFile!(join(dir, 'big.txt'))), 'file_too_large');
    assert.equal(await code(f.readFile!(dir + '/')), 'capability_denied', 'the directory itself is not matched by its glob');
  });

  it('reads /proc files whose size is reported as 0', async () => {
    const text = (await fns(['fs.read:/proc/loadavg']).readFile!('/proc/loadavg')) as string;
    assert.match(text, /^\d+\.\d+ \d+\.\d+ \d+\.\d+ /);
  });

  it('exec kills a program at its timeout and caps its output', async () => {
    const f = fns(['exec:/bin/sleep', 'exec:/usr/bin/yes']);
    const started = performance.now();
    const slept = (await f.exec!('/bin/sleep', ['10'], { timeoutMs: 200 })) as { timedOut: boolean; signal: string };
    assert.equal(slept.timedOut, true);
    assert.equal(slept.signal, 'SIGKILL');
    assert.ok(performance.now() - started < 3_000);
    const yes = (await f.exec!('/usr/bin/yes', ['y'], { timeoutMs: 300, maxOutputBytes: 1000 })) as { stdout: string; truncated: boolean };
    assert.equal(yes.stdout.length, 1000);
    assert.equal(yes.truncated, true);
    assert.equal(await code(f.exec!('/bin/sleep', 'not an array')), 'invalid_argument');
  });

  it('exec passes no agent environment to the program', async () => {
    process.env.PROPHASIS_TEST_SECRET = 'do-not-leak';
    try {
      const r = (await fns(['exec:/usr/bin/env']).exec!('/usr/bin/env', [])) as { stdout: string };
      assert.doesNotMatch(r.stdout, /do-not-leak/);
      assert.match(r.stdout, /^PATH=/m);
    } finally {
      delete process.env.PROPHASIS_TEST_SECRET;
    }
  });

  it('httpRequest keeps at most maxBodyBytes, follows no redirect, and reports a closed port', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://example.org/' });
        res.end();
        return;
      }
      res.end('z'.repeat(100_000));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const f = fns([`http.request:${base}`, 'http.request:http://127.0.0.1:1']);
      const r = (await f.httpRequest!(`${base}/big`, { maxBodyBytes: 1000 })) as { body: string; truncated: boolean; status: number };
      assert.equal(r.status, 200);
      assert.equal(r.body.length, 1000);
      assert.equal(r.truncated, true);
      const redirect = (await f.httpRequest!(`${base}/redirect`)) as { status: number; headers: Record<string, string> };
      assert.equal(redirect.status, 302);
      assert.equal(redirect.headers.location, 'http://example.org/');
      assert.equal(await code(f.httpRequest!('http://127.0.0.1:1/')), 'ECONNREFUSED');
      assert.equal(await code(f.httpRequest!(`${base}/`, { method: 'DELETE' })), 'invalid_argument');
    } finally {
      server.close();
    }
  });

  it('tcpConnect reports a refused connection as data, not an error', async () => {
    const r = (await fns(['net.connect:127.0.0.1:1']).tcpConnect!('127.0.0.1', 1, { timeoutMs: 1000 })) as { connected: boolean; error: string };
    assert.equal(r.connected, false);
    assert.equal(r.error, 'ECONNREFUSED');
  });
});
