import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import { captureLogger } from '../support/log-capture.js';
import { createPluginRunner, type PluginJob, type PluginRunner } from '../../src/sandbox/index.js';
import { haveSnmpd, startSnmpd, TEST_COMMUNITY, TEST_V3, type TestSnmpd } from '../support/snmpd.js';

/**
 * The first-party device plugins of issue 18 (plugins/ping, snmp-*, printer-supplies, ups), built
 * the way the core builds them, run by the real runner in the real sandbox process against real
 * peers: fping to 127.0.0.1 and to an address in a network namespace that never answers, and
 * Debian's snmpd on a free port of 127.0.0.1 (v2c and v3 authPriv). The Printer-MIB and UPS-MIB
 * objects, which no module of this snmpd implements, are served with `override` lines. The check's
 * device reaches the plugin as the run's `target`, which `$target` in their capabilities stands for.
 */

const PLUGINS = new URL('../../../plugins/', import.meta.url);

function pluginJob(name: string, params: Record<string, unknown>, target?: { address: string; name?: string }): PluginJob {
  const manifest = JSON.parse(readFileSync(new URL(`${name}/manifest.json`, PLUGINS), 'utf8')) as { id: string; version: string; main: string; capabilities: string[] };
  const code = transformSync(readFileSync(new URL(`${name}/src/plugin.ts`, PLUGINS), 'utf8'), { loader: 'ts', format: 'esm', target: 'es2022' }).code;
  return {
    manifest: { id: manifest.id, version: manifest.version, main: manifest.main, capabilities: manifest.capabilities },
    code,
    approvedCapabilities: manifest.capabilities,
    params,
    ...(target ? { target } : {}),
  };
}

const LOCAL = { address: '127.0.0.1', name: 'test device' };
const E = '.1.3.6.1.2.1.43.11.1.1';
const U = '.1.3.6.1.2.1.33.1';

describe('device plugins in the real sandbox against fping and a real snmpd (issue 18)', function () {
  this.timeout(90_000);
  let runner: PluginRunner;
  let snmpd: TestSnmpd;
  const log = captureLogger('debug');
  let v2c: Record<string, unknown>;
  let v3: Record<string, unknown>;

  before(async function () {
    if (!haveSnmpd()) this.skip();
    runner = createPluginRunner({ timeoutMs: 10_000, memoryMiB: 32 }, { logger: log.logger });
    snmpd = await startSnmpd([
      [`${E}.6.1.1`, 'octet_str', 'Black Toner'],
      [`${E}.6.1.2`, 'octet_str', 'Cyan Toner'],
      [`${E}.8.1.1`, 'integer', '100'],
      [`${E}.8.1.2`, 'integer', '2500'],
      [`${E}.9.1.1`, 'integer', '40'],
      [`${E}.9.1.2`, 'integer', '300'],
      [`${U}.2.1.0`, 'integer', '2'],
      [`${U}.2.2.0`, 'integer', '40'],
      [`${U}.2.3.0`, 'integer', '41'],
      [`${U}.2.4.0`, 'integer', '96'],
      [`${U}.4.1.0`, 'integer', '5'],
    ]);
    v2c = { community: TEST_COMMUNITY, port: snmpd.port, timeoutMs: 500, retries: 0 };
    v3 = { version: '3', v3User: TEST_V3.user, v3AuthKey: TEST_V3.authKey, v3PrivKey: TEST_V3.privKey, port: snmpd.port, timeoutMs: 500, retries: 0 };
  });
  after(async () => {
    await runner?.dispose();
    await snmpd?.stop();
  });

  it('ping: 127.0.0.1 answers; the target is what $target allows', async () => {
    const out = await runner.run(pluginJob('ping', { count: 2, timeoutMs: 500 }, LOCAL));
    assert.equal(out.resultType, 'plugin', out.message ?? '');
    assert.ok(typeof out.value === 'number' && out.value >= 0);
    assert.match(out.message ?? '', /^127\.0\.0\.1: 2\/2 replies, loss 0%, rtt min\/avg\/max /);
    const elsewhere = await runner.run(pluginJob('ping', { host: '127.0.0.2', count: 1 }, LOCAL));
    assert.equal(elsewhere.resultType, 'command_unsuccessful');
    assert.match(elsewhere.message ?? '', /^127\.0\.0\.2: not an approved target/);
    const noTarget = await runner.run(pluginJob('ping', { host: '127.0.0.1', count: 1 }));
    assert.equal(noTarget.resultType, 'command_unsuccessful');
  });

  it('ping: an address that never answers (a network namespace the test creates) is connection_timeout', async function () {
    const ns = `pxp${process.pid}`;
    const veth = `pxq${process.pid}`.slice(0, 15);
    const net = `10.${150 + (process.pid % 50)}.${process.pid % 250}`;
    try {
      execFileSync('ip', ['netns', 'add', ns]);
      execFileSync('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`, 'netns', ns]);
      execFileSync('ip', ['addr', 'add', `${net}.1/30`, 'dev', veth]);
      execFileSync('ip', ['link', 'set', veth, 'up']);
    } catch (err) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // none made
      }
      console.log(`      (skipped: cannot create a network namespace: ${(err as Error).message.split('\n')[0]})`);
      this.skip();
    }
    try {
      const out = await runner.run(pluginJob('ping', { count: 2, timeoutMs: 300 }, { address: `${net}.2` }));
      assert.deepEqual({ resultType: out.resultType, message: out.message, value: out.value ?? null }, { resultType: 'connection_timeout', message: `${net}.2: unreachable, 0/2 replies (loss 100%)`, value: null });
    } finally {
      execFileSync('ip', ['link', 'del', veth], { stdio: 'ignore' });
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    }
  });

  it('snmp-uptime over v2c and v3; a restart of snmpd is a smaller uptime (the classifier calls it a reboot)', async () => {
    const a = await runner.run(pluginJob('snmp-uptime', v2c, LOCAL));
    assert.equal(a.resultType, 'plugin', a.message ?? '');
    assert.match(a.message ?? '', /^127\.0\.0\.1: up 0 d 0 h \d+ min \(sysUpTime \d+ ticks\)$/);
    const b = await runner.run(pluginJob('snmp-uptime', v3, LOCAL));
    assert.equal(b.resultType, 'plugin', b.message ?? '');
    await new Promise((r) => setTimeout(r, 1100));
    const before = await runner.run(pluginJob('snmp-uptime', v2c, LOCAL));
    await snmpd.restart();
    const after = await runner.run(pluginJob('snmp-uptime', v2c, LOCAL));
    assert.ok((after.value as number) < (before.value as number), `${before.value} then ${after.value}`);
  });

  it('a wrong community is connection_timeout, wrong v3 keys or user authentication_error; the agent stays healthy', async () => {
    const started = Date.now();
    const wrong = await runner.run(pluginJob('snmp-uptime', { ...v2c, community: 'not-the-community' }, LOCAL));
    assert.equal(wrong.resultType, 'connection_timeout');
    assert.match(wrong.message ?? '', new RegExp(`^127\\.0\\.0\\.1: no SNMP answer`));
    assert.ok(Date.now() - started < 5_000);
    const badKey = await runner.run(pluginJob('snmp-uptime', { ...v3, v3AuthKey: 'not-the-key-1' }, LOCAL));
    assert.equal(badKey.resultType, 'authentication_error');
    assert.match(badKey.message ?? '', /Wrong Digest/);
    assert.doesNotMatch(badKey.message ?? '', /not-the-key-1/);
    const badUser = await runner.run(pluginJob('snmp-uptime', { ...v3, v3User: 'nobody' }, LOCAL));
    assert.equal(badUser.resultType, 'authentication_error');
    assert.match(badUser.message ?? '', /Unknown User Name/);
    assert.equal((await runner.run(pluginJob('snmp-uptime', v2c, LOCAL))).resultType, 'plugin');
  });

  it('snmp-interfaces: the loopback by ifIndex and by ifName, oper up, a rate from two readings', async () => {
    const out = await runner.run(pluginJob('snmp-interfaces', { ...v2c, ifIndex: 1, sampleMs: 500 }, LOCAL));
    assert.equal(out.resultType, 'plugin', out.message ?? '');
    assert.ok(typeof out.value === 'number' && out.value >= 0);
    assert.match(out.message ?? '', /^127\.0\.0\.1: interface ifIndex 1 oper up, in [\d.]+ [kMG]?bit\/s, out [\d.]+ [kMG]?bit\/s, errors [\d.]+\/s/);
    const named = await runner.run(pluginJob('snmp-interfaces', { ...v3, ifName: 'lo', sampleMs: 500 }, LOCAL));
    assert.match(named.message ?? '', /interface lo \(ifIndex 1\) oper up/);
    const none = await runner.run(pluginJob('snmp-interfaces', { ...v2c, ifIndex: 9999, sampleMs: 500 }, LOCAL));
    assert.deepEqual([none.resultType, none.message], ['request_error', '127.0.0.1: interface ifIndex 9999: ifOperStatus is noSuchInstance (no such interface)']);
  });

  it('printer-supplies and ups read the Printer-MIB and UPS-MIB objects', async () => {
    const printer = await runner.run(pluginJob('printer-supplies', v2c, LOCAL));
    assert.deepEqual([printer.resultType, printer.value, printer.message], ['plugin', 12, '127.0.0.1: lowest Cyan Toner 12%; Black Toner 40%, Cyan Toner 12%']);
    const ups = await runner.run(pluginJob('ups', v3, LOCAL));
    assert.deepEqual([ups.resultType, ups.value, ups.message], ['plugin', 96, '127.0.0.1: battery normal, charge 96%, on battery for 40 s, 41 min remaining']);
  });

  it('snmp-oid: a string with expect, a number, noSuchObject as request_error', async () => {
    const name = await runner.run(pluginJob('snmp-oid', { ...v2c, oid: `${U}.2.4.0` }, LOCAL));
    assert.deepEqual([name.resultType, name.value], ['plugin', 96]);
    const text = await runner.run(pluginJob('snmp-oid', { ...v2c, oid: `${E}.6.1.1`, expect: 'Black Toner' }, LOCAL));
    assert.deepEqual([text.resultType, text.value], ['plugin', 1]);
    const absent = await runner.run(pluginJob('snmp-oid', { ...v2c, oid: '1.3.6.1.2.1.99.0' }, LOCAL));
    assert.deepEqual([absent.resultType, absent.message], ['request_error', '127.0.0.1: 1.3.6.1.2.1.99.0 is noSuchObject on this device']);
  });

  it('without a target, or for another address, snmp:$target grants nothing', async () => {
    const noTarget = await runner.run(pluginJob('snmp-uptime', { ...v2c, host: '127.0.0.1' }));
    assert.equal(noTarget.resultType, 'command_unsuccessful');
    assert.match(noTarget.message ?? '', /^127\.0\.0\.1: not an approved target \(SNMP to 127\.0\.0\.1:\d+ is not covered/);
    const other = await runner.run(pluginJob('snmp-uptime', { ...v2c, host: 'localhost' }, LOCAL));
    assert.equal(other.resultType, 'command_unsuccessful');
    assert.equal((await runner.run(pluginJob('snmp-uptime', v2c, LOCAL))).resultType, 'plugin');
  });
});
