import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder, type SnmpVarbind } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

const DEVICE = { address: '192.0.2.20' };
const V2C = { community: 'public-test' };

const P = { ...V2C, oid: 'sysName.0' };

describe('snmp-oid', () => {
  const at = (reply: SnmpVarbind[]) => createFakeHost({ target: DEVICE, snmp: { '192.0.2.20': { get: reply } } });

  it('a numeric OID with a number: the value (Counter64 strings too)', async () => {
    const host = at([{ oid: '1.3.6.1.4.1.2021.11.11.0', type: 'Integer', value: 97 }]);
    assert.deepEqual(await measure(host, { ...V2C, oid: '.1.3.6.1.4.1.2021.11.11.0' }), { value: 97, message: '192.0.2.20: .1.3.6.1.4.1.2021.11.11.0 (1.3.6.1.4.1.2021.11.11.0) = 97 (Integer)' });
    assert.deepEqual(host.calls.at(-1)!.args[1], ['1.3.6.1.4.1.2021.11.11.0']);
    const big = await measure(at([{ oid: '1.3.6.1.2.1.31.1.1.1.6.1', type: 'Counter64', value: '154391931' }]), { ...V2C, oid: '1.3.6.1.2.1.31.1.1.1.6.1' });
    assert.equal(big.value, 154391931);
  });

  it('a named OID with a string: in the message; with expect, 1 or 0', async () => {
    const host = at([{ oid: '1.3.6.1.2.1.1.5.0', type: 'OctetString', value: 'sw1' }]);
    assert.deepEqual(await measure(host, P), { message: '192.0.2.20: sysName.0 (1.3.6.1.2.1.1.5.0) = "sw1" (OctetString)' });
    assert.deepEqual(host.calls.at(-1)!.args[1], ['1.3.6.1.2.1.1.5.0']);
    assert.equal((await measure(host, { ...P, expect: 'sw1' })).value, 1);
    assert.deepEqual(await measure(host, { ...P, expect: 'sw2' }), { value: 0, message: '192.0.2.20: sysName.0 (1.3.6.1.2.1.1.5.0) = "sw1", expected "sw2"' });
  });

  it('noSuchObject and noSuchInstance are request_error; unknown names and malformed OIDs are refused', async () => {
    assert.deepEqual(await measure(at([{ oid: '1.3.6.1.2.1.1.5.0', type: 'noSuchObject', value: null }]), P), { resultType: 'request_error', message: '192.0.2.20: sysName.0 is noSuchObject on this device' });
    assert.equal((await measure(at([{ oid: '1.3.6.1.2.1.2.2.1.8.9', type: 'noSuchInstance', value: null }]), { ...V2C, oid: 'ifOperStatus.9' })).resultType, 'request_error');
    const host = createFakeHost({ target: DEVICE, snmp: {} });
    assert.match((await measure(host, { ...V2C, oid: 'upsBatteryStatus.0' })).message ?? '', /^parameter oid must be numeric/);
    assert.match((await measure(host, { ...V2C, oid: '1.3.6.x' })).message ?? '', /^parameter oid must be numeric/);
    assert.deepEqual(await measure(host, V2C), { resultType: 'command_unsuccessful', message: 'parameter oid is required' });
    assert.deepEqual(host.calls.filter((c) => c.fn.startsWith('snmp.')), []);
  });

  it('maps failures to result types and refuses bad parameters before any request', async () => {
    const at = (reply: unknown) => createFakeHost({ target: DEVICE, snmp: { '192.0.2.20': { get: reply as never } } });
    assert.equal((await measure(at(hostError('ETIMEDOUT', 'no SNMP answer')), P)).resultType, 'connection_timeout');
    assert.equal((await measure(at(hostError('authentication_error', 'Wrong Digest')), P)).resultType, 'authentication_error');
    assert.equal((await measure(at(hostError('invalid_response', 'malformed')), P)).resultType, 'request_error');
    assert.equal((await measure(at(hostError('ENOTFOUND', 'getaddrinfo ENOTFOUND')), P)).resultType, 'connection_error');
    assert.deepEqual(await measure(createFakeHost({ target: DEVICE }), P), { resultType: 'command_unsuccessful', message: 'capability snmp:192.0.2.20 is not approved' });
    const host = createFakeHost({ target: DEVICE, snmp: {} });
    assert.equal((await measure(host, { ...P, community: undefined })).resultType, 'command_unsuccessful');
    assert.equal((await measure(host, { ...P, timeoutMs: 50 })).resultType, 'command_unsuccessful');
    assert.deepEqual(host.calls.filter((c) => c.fn.startsWith('snmp.')), []);
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.snmp-oid');
    assert.deepEqual(bundle.manifest.capabilities, ['snmp:$target']);
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { target: DEVICE, snmp: { '192.0.2.20': { get: [{ oid: '1.3.6.1.2.1.1.5.0', type: 'OctetString', value: 'sw1' }] } } };
    assert.deepEqual(await built.measure(createFakeHost(spec), P), await measure(createFakeHost(spec), P));
  });
});
