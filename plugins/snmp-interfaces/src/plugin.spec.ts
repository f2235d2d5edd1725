import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, fakeSequence, hostError, importPluginCode, packPluginFolder, type SnmpVarbind } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

const DEVICE = { address: '192.0.2.1' };
const P = { community: 'public-test', ifIndex: 2 };
const T0 = Date.UTC(2025, 0, 1);

/** One recorded answer of the plugin's get (sysUpTime and the eight columns of interface 2), as Net-SNMP 5.9.3 gives it. */
function answer(o: { up: number; hcIn: string | null; hcOut: string | null; in32?: number; out32?: number; inErr?: number; outErr?: number; oper?: number; disc?: number }): SnmpVarbind[] {
  const vb = (oid: string, type: string, value: number | string | null): SnmpVarbind => (value === null ? { oid, type: 'noSuchInstance', value: null } : { oid, type, value });
  return [
    vb('1.3.6.1.2.1.1.3.0', 'TimeTicks', o.up),
    vb('1.3.6.1.2.1.31.1.1.1.6.2', 'Counter64', o.hcIn),
    vb('1.3.6.1.2.1.31.1.1.1.10.2', 'Counter64', o.hcOut),
    vb('1.3.6.1.2.1.2.2.1.10.2', 'Counter32', o.in32 ?? 0),
    vb('1.3.6.1.2.1.2.2.1.16.2', 'Counter32', o.out32 ?? 0),
    vb('1.3.6.1.2.1.2.2.1.14.2', 'Counter32', o.inErr ?? 0),
    vb('1.3.6.1.2.1.2.2.1.20.2', 'Counter32', o.outErr ?? 0),
    vb('1.3.6.1.2.1.2.2.1.8.2', 'Integer', o.oper ?? 1),
    vb('1.3.6.1.2.1.31.1.1.1.19.2', 'TimeTicks', o.disc ?? 0),
  ];
}
const hostWith = (...answers: SnmpVarbind[][]) =>
  createFakeHost({ target: DEVICE, now: fakeSequence(T0, T0 + 5000, T0 + 10000, T0 + 15000), snmp: { '192.0.2.1': { get: fakeSequence(...answers) } } });

describe('snmp-interfaces', () => {
  it('turns two readings 5 s apart into bits per second, errors per second and the oper status', async () => {
    const host = hostWith(answer({ up: 1000, hcIn: '1000000', hcOut: '500000', inErr: 10 }), answer({ up: 1500, hcIn: '1625000', hcOut: '687500', inErr: 12 }));
    const out = await measure(host, P);
    // in: 625000 B / 5 s = 1 Mbit/s; out: 187500 B / 5 s = 300 kbit/s; the busier direction is the value.
    assert.equal(out.value, 1000000);
    assert.equal(out.message, '192.0.2.1: interface ifIndex 2 oper up, in 1 Mbit/s, out 300 kbit/s, errors 0.4/s (in 0.4/s, out 0/s) over 5 s');
    assert.deepEqual(host.calls.filter((c) => c.fn === 'sleep'), [{ fn: 'sleep', args: [5000] }]);
    assert.equal((await measure(hostWith(answer({ up: 1, hcIn: '0', hcOut: '0' }), answer({ up: 501, hcIn: '625000', hcOut: '187500' })), { ...P, direction: 'sum' })).value, 1300000);
  });

  it('Counter64 differences are exact beyond 2^53; a Counter64 going down is a reset ("clear counters"): sampled again', async () => {
    const out = await measure(hostWith(answer({ up: 1000, hcIn: '18014398509481984', hcOut: '18014398509481984' }), answer({ up: 1500, hcIn: '18014398509486984', hcOut: '18014398509481985' })), P);
    // in: 5000 B beyond 2^54 in 5 s = 8000 bit/s (a double would lose these units).
    assert.equal(out.value, 8000);
    const cleared = await measure(
      hostWith(answer({ up: 1000, hcIn: '900000000', hcOut: '5' }), answer({ up: 1500, hcIn: '1000', hcOut: '0' }), answer({ up: 2000, hcIn: '6000', hcOut: '0' })),
      P,
    );
    assert.equal(cleared.value, 8000);
    assert.match(cleared.message ?? '', /counters restarted: sampled again$/);
  });

  it('32-bit counters when the device has no ifHC counters, wrapping modulo 2^32', async () => {
    const out = await measure(hostWith(answer({ up: 1000, hcIn: null, hcOut: null, in32: 4294967000, out32: 10 }), answer({ up: 1500, hcIn: null, hcOut: null, in32: 704, out32: 10 })), P);
    assert.equal(out.value, (296 + 704) * 8 / 5);
    assert.match(out.message ?? '', /\(32-bit counters\)$/);
  });

  it('counters restarted between the readings (sysUpTime went back): samples again from the new start', async () => {
    const host = hostWith(
      answer({ up: 900000, hcIn: '99999999', hcOut: '5' }),
      answer({ up: 200, hcIn: '1000', hcOut: '0' }),
      answer({ up: 700, hcIn: '626000', hcOut: '0' }),
    );
    const out = await measure(host, P);
    assert.equal(out.value, 1000000);
    assert.match(out.message ?? '', /counters restarted: sampled again$/);
    assert.deepEqual(host.calls.filter((c) => c.fn === 'sleep').map((c) => c.args[0]), [5000, 2000]);
    const twice = await measure(hostWith(answer({ up: 900000, hcIn: '5', hcOut: '5' }), answer({ up: 200, hcIn: '1', hcOut: '1' }), answer({ up: 100, hcIn: '1', hcOut: '1' })), P);
    assert.deepEqual(twice, { resultType: 'request_error', message: '192.0.2.1: interface ifIndex 2: counters restarted twice in a row' });
    const disc = await measure(hostWith(answer({ up: 1000, hcIn: '50', hcOut: '5', disc: 0 }), answer({ up: 1500, hcIn: '10', hcOut: '1', disc: 1200 }), answer({ up: 2000, hcIn: '20', hcOut: '1', disc: 1200 })), P);
    assert.equal(disc.value, 16);
  });

  it('reports oper status down in the message (the classifier makes it major)', async () => {
    const out = await measure(hostWith(answer({ up: 1, hcIn: '0', hcOut: '0', oper: 2 }), answer({ up: 501, hcIn: '0', hcOut: '0', oper: 2 })), P);
    assert.equal(out.value, 0);
    assert.match(out.message ?? '', / oper down, /);
  });

  it('finds the interface by ifName, then ifDescr', async () => {
    const walks: Record<string, SnmpVarbind[]> = {
      '1.3.6.1.2.1.31.1.1.1.1': [{ oid: '1.3.6.1.2.1.31.1.1.1.1.1', type: 'OctetString', value: 'lo' }],
      '1.3.6.1.2.1.2.2.1.2': [{ oid: '1.3.6.1.2.1.2.2.1.2.2', type: 'OctetString', value: 'eth0' }],
    };
    const host = createFakeHost({
      target: DEVICE,
      now: fakeSequence(T0, T0 + 5000),
      snmp: { '192.0.2.1': { walk: (root: string) => ({ varbinds: walks[root] ?? [], truncated: false }), get: fakeSequence(answer({ up: 1, hcIn: '0', hcOut: '0' }), answer({ up: 501, hcIn: '0', hcOut: '0' })) } },
    });
    const out = await measure(host, { community: 'c', ifName: 'eth0' });
    assert.match(out.message ?? '', /interface eth0 \(ifIndex 2\) oper up/);
    assert.deepEqual((await measure(host, { community: 'c', ifName: 'wlan9' })).resultType, 'request_error');
  });

  it('maps failures: no such interface, timeout, v3 authentication, bad parameters', async () => {
    const none = answer({ up: 1, hcIn: null, hcOut: null }).map((vb) => (vb.oid.startsWith('1.3.6.1.2.1.1.3') ? vb : { oid: vb.oid, type: 'noSuchInstance', value: null }));
    assert.deepEqual(await measure(hostWith(none), P), { resultType: 'request_error', message: '192.0.2.1: interface ifIndex 2: ifOperStatus is noSuchInstance (no such interface)' });
    const timeout = createFakeHost({ target: DEVICE, snmp: { '192.0.2.1': { get: hostError('ETIMEDOUT', 'no answer') } } });
    assert.equal((await measure(timeout, P)).resultType, 'connection_timeout');
    const auth = createFakeHost({ target: DEVICE, snmp: { '192.0.2.1': { get: hostError('authentication_error', 'Unknown User Name') } } });
    assert.equal((await measure(auth, P)).resultType, 'authentication_error');
    const host = createFakeHost({ target: DEVICE, snmp: {} });
    assert.deepEqual(await measure(host, { community: 'c' }), { resultType: 'command_unsuccessful', message: 'parameter ifIndex or ifName is required' });
    assert.deepEqual(await measure(host, { ...P, sampleMs: 60000 }), { resultType: 'command_unsuccessful', message: 'parameter sampleMs must be 500 to 5000, not 60000' });
    assert.deepEqual(await measure(host, { ...P, direction: 'up' }), { resultType: 'command_unsuccessful', message: 'parameter direction must be in, out, max or sum, not "up"' });
    assert.deepEqual(host.calls.filter((c) => c.fn.startsWith('snmp.')), []);
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.snmp-interfaces');
    assert.deepEqual(bundle.manifest.capabilities, ['snmp:$target']);
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const answers = [answer({ up: 1000, hcIn: '1000000', hcOut: '500000' }), answer({ up: 1500, hcIn: '1625000', hcOut: '687500' })];
    assert.deepEqual(await built.measure(hostWith(...answers), P), await measure(hostWith(...answers), P));
  });
});
