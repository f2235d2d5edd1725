import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

const DEVICE = { address: '192.0.2.10', name: 'ups1' };
// Recorded from fping 5.1 through host.icmpEcho: 127.0.0.1 and a peer that never answers.
const ANSWERED = { sent: 3, received: 3, lossPct: 0, rttMs: { min: 0.031, avg: 0.0443, max: 0.06 } };
const LOSSY = { sent: 3, received: 2, lossPct: 33, rttMs: { min: 1.1, avg: 1.25, max: 1.4 } };
const SILENT = { sent: 3, received: 0, lossPct: 100, rttMs: null };

describe('ping', () => {
  it('pings the device of the check by default and reports the average round trip', async () => {
    const host = createFakeHost({ target: DEVICE, icmp: { '192.0.2.10': ANSWERED } });
    assert.deepEqual(await measure(host, {}), { value: 0.044, message: '192.0.2.10: 3/3 replies, loss 0%, rtt min/avg/max 0.031/0.044/0.06 ms' });
    assert.deepEqual(host.calls.filter((c) => c.fn === 'icmpEcho'), [{ fn: 'icmpEcho', args: ['192.0.2.10', { count: 3, timeoutMs: 1000 }] }]);
  });

  it('a host parameter wins over the target; count and timeout are passed on', async () => {
    const host = createFakeHost({ target: DEVICE, icmp: { 'sw1.example.org': LOSSY } });
    const out = await measure(host, { host: 'sw1.example.org', count: 5, timeoutMs: 300 });
    assert.equal(out.value, 1.25);
    assert.match(out.message ?? '', /2\/3 replies, loss 33%/);
    assert.deepEqual(host.calls.at(-1), { fn: 'icmpEcho', args: ['sw1.example.org', { count: 5, timeoutMs: 300 }] });
  });

  it('no reply at all is connection_timeout (unreachable), without a value', async () => {
    const out = await measure(createFakeHost({ target: DEVICE, icmp: { '192.0.2.10': SILENT } }), {});
    assert.deepEqual(out, { resultType: 'connection_timeout', message: '192.0.2.10: unreachable, 0/3 replies (loss 100%)' });
  });

  it('a name that does not resolve is connection_error', async () => {
    const out = await measure(createFakeHost({ icmp: { 'nope.invalid': hostError('ENOTFOUND', 'nope.invalid: host name not found') } }), { host: 'nope.invalid' });
    assert.deepEqual(out, { resultType: 'connection_error', message: 'nope.invalid: host name not found (ENOTFOUND)' });
  });

  it('a collector that cannot send ICMP is command_unsuccessful with the reason, not a down device', async () => {
    const why = '/usr/bin/fping may not send ICMP as this user (give it cap_net_raw or widen net.ipv4.ping_group_range, docs/decisions/0011)';
    const out = await measure(createFakeHost({ target: DEVICE, icmp: { '192.0.2.10': hostError('icmp_unavailable', why) } }), {});
    assert.equal(out.resultType, 'command_unsuccessful');
    assert.equal(out.message, `192.0.2.10: cannot ping from this agent: ${why} (icmp_unavailable)`);
  });

  it('refuses a missing capability, an unapproved target, no device and bad parameters', async () => {
    assert.deepEqual(await measure(createFakeHost({ target: DEVICE }), {}), { resultType: 'command_unsuccessful', message: 'capability icmp.echo:192.0.2.10 is not approved' });
    const elsewhere = await measure(createFakeHost({ target: DEVICE, icmp: {} }), { host: '10.0.0.1' });
    assert.equal(elsewhere.resultType, 'command_unsuccessful');
    assert.match(elsewhere.message ?? '', /^10\.0\.0\.1: not an approved target/);
    assert.deepEqual(await measure(createFakeHost({ icmp: {} }), {}), { resultType: 'command_unsuccessful', message: 'no device: set the host parameter or run the check against a device' });
    const host = createFakeHost({ target: DEVICE, icmp: {} });
    assert.deepEqual(await measure(host, { count: 0 }), { resultType: 'command_unsuccessful', message: 'parameter count must be 1 to 10, not 0' });
    assert.deepEqual(await measure(host, { timeoutMs: 10 }), { resultType: 'command_unsuccessful', message: 'parameter timeoutMs must be 100 to 5000, not 10' });
    assert.deepEqual(host.calls.filter((c) => c.fn === 'icmpEcho'), []);
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.ping');
    assert.deepEqual(bundle.manifest.capabilities, ['icmp.echo:$target']);
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { target: DEVICE, icmp: { '192.0.2.10': LOSSY } };
    assert.deepEqual(await built.measure(createFakeHost(spec), {}), await measure(createFakeHost(spec), {}));
  });
});
