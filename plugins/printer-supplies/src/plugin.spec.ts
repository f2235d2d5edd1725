import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder, type SnmpVarbind } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

const DEVICE = { address: '192.0.2.20' };
const V2C = { community: 'public-test' };

const E = '1.3.6.1.2.1.43.11.1.1';
// Recorded from a walk of prtMarkerSuppliesEntry (Net-SNMP 5.9.3 serving the objects with override lines).
const TABLE: SnmpVarbind[] = [
  { oid: `${E}.6.1.1`, type: 'OctetString', value: 'Black Toner' },
  { oid: `${E}.6.1.2`, type: 'OctetString', value: 'Cyan Toner' },
  { oid: `${E}.6.1.3`, type: 'OctetString', value: 'Waste Toner Box' },
  { oid: `${E}.8.1.1`, type: 'Integer', value: 100 },
  { oid: `${E}.8.1.2`, type: 'Integer', value: 2500 },
  { oid: `${E}.8.1.3`, type: 'Integer', value: -2 },
  { oid: `${E}.9.1.1`, type: 'Integer', value: 40 },
  { oid: `${E}.9.1.2`, type: 'Integer', value: 300 },
  { oid: `${E}.9.1.3`, type: 'Integer', value: -3 },
];

describe('printer-supplies', () => {
  it('reports the lowest supply in percent and lists every supply', async () => {
    const host = createFakeHost({ target: DEVICE, snmp: { '192.0.2.20': { walk: { varbinds: TABLE, truncated: false } } } });
    assert.deepEqual(await measure(host, V2C), {
      value: 12,
      message: '192.0.2.20: lowest Cyan Toner 12%; Black Toner 40%, Cyan Toner 12%, Waste Toner Box some remaining',
    });
    assert.deepEqual(host.calls.at(-1)!.args.slice(0, 2), ['192.0.2.20', E]);
  });

  it('unknown levels never count as empty; no measurable level is a result without a value', async () => {
    const unknown = TABLE.map((vb) => (vb.oid.startsWith(`${E}.9.`) ? { ...vb, value: -2 } : vb));
    const out = await measure(createFakeHost({ target: DEVICE, snmp: { '192.0.2.20': { walk: { varbinds: unknown, truncated: false } } } }), V2C);
    assert.equal(out.value, undefined);
    assert.match(out.message ?? '', /no supply reports a measurable level: Black Toner level unknown/);
  });

  it('a device without the Printer-MIB is a request_error', async () => {
    const out = await measure(createFakeHost({ target: DEVICE, snmp: { '192.0.2.20': { walk: { varbinds: [], truncated: false } } } }), V2C);
    assert.deepEqual(out, { resultType: 'request_error', message: '192.0.2.20: no Printer-MIB supplies (prtMarkerSuppliesTable is empty or absent)' });
  });

  it('maps failures to result types and refuses bad parameters before any request', async () => {
    const at = (reply: unknown) => createFakeHost({ target: DEVICE, snmp: { '192.0.2.20': { walk: reply as never } } });
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
    assert.equal(bundle.manifest.id, 'io.prophasis.printer-supplies');
    assert.deepEqual(bundle.manifest.capabilities, ['snmp:$target']);
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { target: DEVICE, snmp: { '192.0.2.20': { walk: { varbinds: TABLE, truncated: false } } } };
    assert.deepEqual(await built.measure(createFakeHost(spec), V2C), await measure(createFakeHost(spec), V2C));
  });
});
