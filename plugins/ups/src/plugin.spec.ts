import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder, type SnmpVarbind } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

const DEVICE = { address: '192.0.2.20' };
const V2C = { community: 'public-test' };

const U = '1.3.6.1.2.1.33.1';
/** An answer to the plugin's get, as Net-SNMP 5.9.3 gives it (objects served with override lines). */
const answer = (status: number, onBattery: number, minutes: number, charge: number, source: number): SnmpVarbind[] => [
  { oid: `${U}.2.1.0`, type: 'Integer', value: status },
  { oid: `${U}.2.2.0`, type: 'Integer', value: onBattery },
  { oid: `${U}.2.3.0`, type: 'Integer', value: minutes },
  { oid: `${U}.2.4.0`, type: 'Integer', value: charge },
  { oid: `${U}.4.1.0`, type: 'Integer', value: source },
];
const at = (reply: SnmpVarbind[]) => createFakeHost({ target: DEVICE, snmp: { '192.0.2.20': { get: reply } } });

describe('ups', () => {
  it('on mains: the charge is the value; status, source and minutes in the message', async () => {
    const host = at(answer(2, 0, 45, 100, 3));
    assert.deepEqual(await measure(host, V2C), { value: 100, message: '192.0.2.20: battery normal, charge 100%, output normal, 45 min remaining' });
    assert.deepEqual(host.calls.at(-1)!.args[1], [`${U}.2.1.0`, `${U}.2.2.0`, `${U}.2.3.0`, `${U}.2.4.0`, `${U}.4.1.0`]);
  });

  it('on battery and battery low are said in the message', async () => {
    assert.equal((await measure(at(answer(2, 40, 41, 96, 5)), V2C)).message, '192.0.2.20: battery normal, charge 96%, on battery for 40 s, 41 min remaining');
    assert.equal((await measure(at(answer(3, 600, 2, 12, 5)), V2C)).message, '192.0.2.20: battery low, charge 12%, on battery for 600 s, 2 min remaining');
  });

  it('objects the UPS does not have: partial answers are reported, none at all is a request_error', async () => {
    const partial = answer(2, 0, 45, 100, 3).map((vb, i) => (i === 2 ? { oid: vb.oid, type: 'noSuchObject', value: null } : vb));
    assert.equal((await measure(at(partial), V2C)).message, '192.0.2.20: battery normal, charge 100%, output normal');
    const none = answer(2, 0, 45, 100, 3).map((vb) => ({ oid: vb.oid, type: 'noSuchObject', value: null }));
    assert.deepEqual(await measure(at(none), V2C), { resultType: 'request_error', message: '192.0.2.20: no UPS-MIB (RFC 1628) objects on this device (upsBatteryStatus is noSuchObject)' });
  });

  it('maps failures to result types and refuses bad parameters before any request', async () => {
    const at = (reply: unknown) => createFakeHost({ target: DEVICE, snmp: { '192.0.2.20': { get: reply as never } } });
    assert.equal((await measure(at(hostError('ETIMEDOUT', 'no SNMP answer')), V2C)).resultType, 'connection_timeout');
    assert.equal((await measure(at(hostError('authentication_error', 'Wrong Digest')), V2C)).resultType, 'authentication_error');
    assert.equal((await measure(at(hostError('invalid_response', 'malformed')), V2C)).resultType, 'request_error');
    assert.equal((await measure(at(hostError('ENOTFOUND', 'getaddrinfo ENOTFOUND')), V2C)).resultType, 'connection_error');
    assert.deepEqual(await measure(createFakeHost({ target: DEVICE }), V2C), { resultType: 'command_unsuccessful', message: 'capability snmp:192.0.2.20 is not approved' });
    const host = createFakeHost({ target: DEVICE, snmp: {} });
    assert.equal((await measure(host, { ...V2C, community: undefined })).resultType, 'command_unsuccessful');
    assert.equal((await measure(host, { ...V2C, timeoutMs: 50 })).resultType, 'command_unsuccessful');
    assert.deepEqual(host.calls.filter((c) => c.fn.startsWith('snmp.')), []);
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.ups');
    assert.deepEqual(bundle.manifest.capabilities, ['snmp:$target']);
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { target: DEVICE, snmp: { '192.0.2.20': { get: answer(2, 0, 45, 100, 3) } } };
    assert.deepEqual(await built.measure(createFakeHost(spec), V2C), await measure(createFakeHost(spec), V2C));
  });
});
