import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

const DEVICE = { address: '192.0.2.10' };
const V2C = { community: 'public-test' };
const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
// Recorded from Net-SNMP 5.9.3 through host.snmp.get.
const UP = [{ oid: SYS_UPTIME, type: 'TimeTicks', value: 104904012 }];

describe('snmp-uptime', () => {
  it('reads sysUpTime.0 of the device of the check and reports seconds', async () => {
    const host = createFakeHost({ target: DEVICE, snmp: { '192.0.2.10': { get: UP } } });
    assert.deepEqual(await measure(host, V2C), { value: 1049040, message: '192.0.2.10: up 12 d 3 h 24 min (sysUpTime 104904012 ticks)' });
    assert.deepEqual(host.calls.at(-1), { fn: 'snmp.get', args: ['192.0.2.10', [SYS_UPTIME], { version: '2c', community: 'public-test' }, { port: 161, timeoutMs: 2000, retries: 1 }] });
  });

  it('passes v3 authPriv credentials with their default protocols', async () => {
    const host = createFakeHost({ target: DEVICE, snmp: { '192.0.2.10': { get: UP } } });
    await measure(host, { version: '3', v3User: 'monitor', v3AuthKey: 'auth-pass-1', v3PrivKey: 'priv-pass-1', port: 1161 });
    assert.deepEqual(host.calls.at(-1)!.args.slice(2), [
      { version: '3', user: 'monitor', authProtocol: 'sha', authKey: 'auth-pass-1', privProtocol: 'aes', privKey: 'priv-pass-1' },
      { port: 1161, timeoutMs: 2000, retries: 1 },
    ]);
  });

  it('maps failures to result types: timeout, authentication, noSuchObject, unresolvable name', async () => {
    const at = (reply: unknown) => createFakeHost({ target: DEVICE, snmp: { '192.0.2.10': { get: reply as never } } });
    assert.equal((await measure(at(hostError('ETIMEDOUT', 'no SNMP answer')), V2C)).resultType, 'connection_timeout');
    const auth = await measure(at(hostError('authentication_error', '192.0.2.10:161: SNMPv3 refused: Wrong Digest')), V2C);
    assert.equal(auth.resultType, 'authentication_error');
    assert.deepEqual(await measure(at([{ oid: SYS_UPTIME, type: 'noSuchObject', value: null }]), V2C), { resultType: 'request_error', message: '192.0.2.10: sysUpTime.0 is noSuchObject on this device' });
    assert.equal((await measure(at([{ oid: SYS_UPTIME, type: 'OctetString', value: 'x' }]), V2C)).resultType, 'request_error');
    assert.equal((await measure(at(hostError('ENOTFOUND', 'getaddrinfo ENOTFOUND')), V2C)).resultType, 'connection_error');
    assert.equal((await measure(at(hostError('invalid_response', 'invalid SNMP answer')), V2C)).resultType, 'request_error');
  });

  it('refuses missing credentials, bad options, no device and a missing capability before any request', async () => {
    const host = createFakeHost({ target: DEVICE, snmp: {} });
    assert.deepEqual(await measure(host, {}), { resultType: 'command_unsuccessful', message: 'parameter community is required for SNMP v2c' });
    assert.deepEqual(await measure(host, { version: '3', v3User: 'u', v3AuthKey: 'short' }), { resultType: 'command_unsuccessful', message: 'parameter v3AuthKey (at least 8 characters) is required for SNMP v3' });
    assert.deepEqual(await measure(host, { ...V2C, port: 0 }), { resultType: 'command_unsuccessful', message: 'parameter port must be 1 to 65535, not 0' });
    assert.deepEqual(await measure(host, { ...V2C, version: '4' }), { resultType: 'command_unsuccessful', message: 'parameter version must be 1, 2c or 3, not "4"' });
    assert.deepEqual(host.calls.filter((c) => c.fn.startsWith('snmp.')), []);
    assert.deepEqual(await measure(createFakeHost({ snmp: {} }), V2C), { resultType: 'command_unsuccessful', message: 'no device: set the host parameter or run the check against a device' });
    assert.deepEqual(await measure(createFakeHost({ target: DEVICE }), V2C), { resultType: 'command_unsuccessful', message: 'capability snmp:192.0.2.10 is not approved' });
    const elsewhere = await measure(createFakeHost({ target: DEVICE, snmp: {} }), { ...V2C, host: '10.0.0.1' });
    assert.match(elsewhere.message ?? '', /^10\.0\.0\.1: not an approved target/);
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.snmp-uptime');
    assert.deepEqual(bundle.manifest.capabilities, ['snmp:$target']);
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { target: DEVICE, snmp: { '192.0.2.10': { get: UP } } };
    assert.deepEqual(await built.measure(createFakeHost(spec), V2C), await measure(createFakeHost(spec), V2C));
  });
});
