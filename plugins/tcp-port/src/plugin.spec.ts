import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

const DB = { host: 'db1.example.org', port: 5432 };

describe('tcp-port', () => {
  it('reports the connect time of an open port and passes the timeout on', async () => {
    const host = createFakeHost({ tcp: { 'db1.example.org:5432': { connected: true, latencyMs: 3.2371 } } });
    assert.deepEqual(await measure(host, DB), { value: 3.2, message: 'db1.example.org:5432 open, connected in 3.2 ms' });
    assert.deepEqual(host.calls, [{ fn: 'tcpConnect', args: ['db1.example.org', 5432, { timeoutMs: 5000 }] }]);
    await measure(host, { ...DB, timeoutMs: 750 });
    assert.deepEqual(host.calls[1]!.args[2], { timeoutMs: 750 });
  });

  it('reports a refused port as connection_error', async () => {
    const host = createFakeHost({ tcp: { 'db1.example.org:5432': { connected: false, latencyMs: 0.4, error: 'ECONNREFUSED' } } });
    assert.deepEqual(await measure(host, DB), {
      resultType: 'connection_error',
      message: 'db1.example.org:5432: connection refused (ECONNREFUSED)',
    });
  });

  it('reports no answer in time as connection_timeout, whether reported or thrown', async () => {
    const reported = createFakeHost({ tcp: { 'db1.example.org:5432': { connected: false, latencyMs: 5000, error: 'ETIMEDOUT' } } });
    assert.deepEqual(await measure(reported, DB), { resultType: 'connection_timeout', message: 'db1.example.org:5432: timed out (ETIMEDOUT)' });
    const thrown = createFakeHost({ tcp: { 'db1.example.org:5432': hostError('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.5:5432') } });
    assert.equal((await measure(thrown, DB)).resultType, 'connection_timeout');
  });

  it('reports an unknown host name as connection_error', async () => {
    const host = createFakeHost({ tcp: { 'db1.example.org:5432': hostError('ENOTFOUND', 'getaddrinfo ENOTFOUND db1.example.org') } });
    assert.deepEqual(await measure(host, DB), { resultType: 'connection_error', message: 'db1.example.org:5432: host name not found (ENOTFOUND)' });
  });

  it('reports command_unsuccessful when the capability or the target is not approved', async () => {
    assert.deepEqual(await measure(createFakeHost(), DB), {
      resultType: 'command_unsuccessful',
      message: 'capability net.connect:db1.example.org:5432 is not approved',
    });
    const elsewhere = await measure(createFakeHost({ tcp: {} }), DB);
    assert.equal(elsewhere.resultType, 'command_unsuccessful');
    assert.match(elsewhere.message ?? '', /^db1\.example\.org:5432: not an approved target/);
    assert.ok(!('value' in elsewhere));
  });

  it('refuses bad parameters without connecting', async () => {
    const host = createFakeHost({ tcp: {} });
    assert.deepEqual(await measure(host, { port: 22 }), { resultType: 'command_unsuccessful', message: 'parameter host is required' });
    assert.deepEqual(await measure(host, { host: 'x', port: 70000 }), { resultType: 'command_unsuccessful', message: 'parameter port must be 1 to 65535, not 70000' });
    assert.deepEqual(await measure(host, { ...DB, timeoutMs: 5 }), { resultType: 'command_unsuccessful', message: 'parameter timeoutMs must be 100 to 60000, not 5' });
    assert.deepEqual(host.calls, []);
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.tcp-port');
    assert.deepEqual(bundle.manifest.capabilities, ['net.connect:*:*']);
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { tcp: { 'db1.example.org:5432': { connected: false, latencyMs: 1, error: 'ECONNREFUSED' } } };
    assert.deepEqual(await built.measure(createFakeHost(spec), DB), await measure(createFakeHost(spec), DB));
  });
});
