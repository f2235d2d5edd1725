import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPABILITY_DENIED, FAKE_NOW, createFakeHost, fakeSequence, hostError, importPluginCode, packPluginFolder } from './index.js';

const rejectsWithCode = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (err: Error & { code?: string }) => {
    assert.equal(err.code, code);
    return true;
  });

describe('createFakeHost', () => {
  it('has only now and log when nothing is recorded, like a plugin with no approved capability', () => {
    const host = createFakeHost();
    assert.equal(host.now(), FAKE_NOW);
    host.log('hello');
    for (const fn of ['readFile', 'listDir', 'exec', 'tcpConnect', 'tlsCertificate', 'httpRequest', 'os', 'agent'] as const) {
      assert.equal(host[fn], undefined, fn);
    }
    assert.deepEqual(host.logs, ['hello']);
    assert.deepEqual(host.calls, [
      { fn: 'now', args: [] },
      { fn: 'log', args: ['hello'] },
    ]);
  });

  it('answers recorded files, refuses unrecorded paths with capability_denied and rejects recorded errors', async () => {
    const host = createFakeHost({
      files: { '/proc/loadavg': '0.52 0.58 0.59 1/467 12345\n', '/proc/mdstat': hostError('EACCES', 'permission denied') },
    });
    assert.equal(await host.readFile!('/proc/loadavg'), '0.52 0.58 0.59 1/467 12345\n');
    await rejectsWithCode(host.readFile!('/etc/shadow'), CAPABILITY_DENIED);
    await rejectsWithCode(host.readFile!('/proc/mdstat'), 'EACCES');
    await rejectsWithCode(host.listDir!('/proc'), CAPABILITY_DENIED);
    assert.deepEqual(
      host.calls.map((c) => [c.fn, c.args[0]]),
      [
        ['readFile', '/proc/loadavg'],
        ['readFile', '/etc/shadow'],
        ['readFile', '/proc/mdstat'],
        ['listDir', '/proc'],
      ],
    );
    assert.equal(host.exec, undefined);
  });

  it('plays sequences in order and repeats the last item', async () => {
    const host = createFakeHost({ files: { '/proc/stat': fakeSequence('a', hostError('EIO'), 'c') }, now: fakeSequence(1, 5) });
    assert.equal(await host.readFile!('/proc/stat'), 'a');
    await rejectsWithCode(host.readFile!('/proc/stat'), 'EIO');
    assert.equal(await host.readFile!('/proc/stat'), 'c');
    assert.equal(await host.readFile!('/proc/stat'), 'c');
    assert.deepEqual([host.now(), host.now(), host.now()], [1, 5, 5]);
  });

  it('keys exec by path and arguments and computes answers from functions', async () => {
    const host = createFakeHost({
      exec: {
        '/sbin/mdadm --detail /dev/md0': { exitCode: 0, signal: null, stdout: 'State : clean', stderr: '', timedOut: false, truncated: false },
      },
      http: { 'https://example.org/': (_url, options) => ({ status: 200, headers: {}, body: options?.method ?? 'GET', latencyMs: 12, truncated: false }) },
    });
    assert.equal((await host.exec!('/sbin/mdadm', ['--detail', '/dev/md0'])).stdout, 'State : clean');
    await rejectsWithCode(host.exec!('/sbin/mdadm', ['--detail', '/dev/md1']), CAPABILITY_DENIED);
    assert.equal((await host.httpRequest!('https://example.org/', { method: 'HEAD' })).body, 'HEAD');
    assert.deepEqual(host.calls[2], { fn: 'httpRequest', args: ['https://example.org/', { method: 'HEAD' }] });
  });

  it('gives tcpConnect and tlsCertificate together, keyed by host:port', async () => {
    const host = createFakeHost({ tcp: { 'db.example.org:5432': { connected: true, latencyMs: 3 } } });
    assert.deepEqual(await host.tcpConnect!('db.example.org', 5432), { connected: true, latencyMs: 3 });
    await rejectsWithCode(host.tcpConnect!('db.example.org', 5433), CAPABILITY_DENIED);
    await rejectsWithCode(host.tlsCertificate!('db.example.org', 5432), CAPABILITY_DENIED);
  });

  it('hands out copies, so a plugin cannot change the recording', async () => {
    const mounts = [{ device: '/dev/sda1', mountpoint: '/', fstype: 'ext4', sizeBytes: 10, usedBytes: 4, availableBytes: 6 }];
    const host = createFakeHost({ os: { mounts } });
    const first = await host.os!.mounts();
    first[0]!.usedBytes = 999;
    assert.equal((await host.os!.mounts())[0]!.usedBytes, 4);
    assert.equal(mounts[0]!.usedBytes, 4);
  });

  it('rejects an os fact that was not recorded, and gives agent.info only when recorded', async () => {
    const host = createFakeHost({ os: { uptime: 42 }, agent: { version: '1.2.3', outboxDepth: 0, lastError: null, uptimeSeconds: 5 } });
    assert.equal(await host.os!.uptime(), 42);
    await assert.rejects(host.os!.mounts(), /no os\.mounts recorded/);
    assert.equal((await host.agent!.info()).version, '1.2.3');
    assert.deepEqual(
      host.calls.map((c) => c.fn),
      ['os.uptime', 'os.mounts', 'agent.info'],
    );
  });
  it('gives target, icmpEcho and snmp only when recorded; snmp answers per target and request kind', async () => {
    const bare = createFakeHost();
    assert.equal(bare.target, undefined);
    assert.equal(bare.icmpEcho, undefined);
    assert.equal(bare.snmp, undefined);
    const auth = { version: '2c', community: 'c' } as const;
    const host = createFakeHost({
      target: { address: '192.0.2.1' },
      icmp: { '192.0.2.1': { sent: 1, received: 0, lossPct: 100, rttMs: null } },
      snmp: { '192.0.2.1': { get: [{ oid: '1.3.6.1.2.1.1.3.0', type: 'TimeTicks', value: 5 }] } },
    });
    assert.deepEqual(host.target!(), { address: '192.0.2.1' });
    assert.equal((await host.icmpEcho!('192.0.2.1')).received, 0);
    assert.equal((await host.snmp!.get('192.0.2.1', ['1.3.6.1.2.1.1.3.0'], auth))[0]!.value, 5);
    await assert.rejects(host.snmp!.get('192.0.2.2', ['1.3.6.1.2.1.1.3.0'], auth), (e: { code?: string }) => e.code === CAPABILITY_DENIED);
    await assert.rejects(host.snmp!.walk('192.0.2.1', '1.3.6.1.2.1.2', auth), /no snmp.walk recorded/);
    await assert.rejects(host.icmpEcho!('192.0.2.9'), (e: { code?: string }) => e.code === CAPABILITY_DENIED);
    assert.deepEqual(host.calls.map((c) => c.fn), ['target', 'icmpEcho', 'snmp.get', 'snmp.get', 'snmp.walk', 'icmpEcho']);
  });
});

describe('importPluginCode / packPluginFolder', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prophasis-plugin-testing-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const manifest = {
    manifestVersion: 1,
    id: 'io.example.answer',
    name: 'Answer',
    version: '1.0.0',
    description: 'Always 42',
    publisher: 'Example',
    main: 'plugin.js',
    classifier: 'classifier.lua',
    readme: 'README.md',
    parameters: { type: 'object', properties: {} },
    history: 1,
    capabilities: [],
    chart: { unit: '%' },
  };

  it('packs the built code, classifier and README into a bundle that inspects clean', async () => {
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'classifier.lua'), 'return "ok"\n');
    writeFileSync(join(dir, 'README.md'), '# Answer\n');
    writeFileSync(join(dir, 'tsconfig.json'), '{}');
    writeFileSync(join(dir, 'plugin.ts'), 'export async function measure(host: unknown) { return { value: 42 }; }');
    const { bundle, javascript } = await packPluginFolder(dir, {
      source: 'plugin.ts',
      build: (ts) => ts.replace('host: unknown', 'host'),
    });
    assert.deepEqual([...bundle.files.keys()].sort(), ['README.md', 'classifier.lua', 'plugin.js']);
    assert.equal(bundle.manifest.id, 'io.example.answer');
    const mod = await importPluginCode(javascript);
    assert.deepEqual(await mod.measure(createFakeHost(), {}), { value: 42 });
  });

  it('refuses a manifest that does not match the schema', async () => {
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, capabilities: ['process.spawn'] }));
    writeFileSync(join(dir, 'classifier.lua'), 'return "ok"\n');
    writeFileSync(join(dir, 'README.md'), '# Answer\n');
    writeFileSync(join(dir, 'plugin.ts'), 'export function measure() { return { value: 1 }; }');
    await assert.rejects(packPluginFolder(dir, { source: 'plugin.ts', build: (ts) => ts }), { code: 'BUNDLE_INVALID_MANIFEST' });
  });

  it('refuses code that exports no measure function', async () => {
    await assert.rejects(importPluginCode('export const x = 1;'), /does not export a measure function/);
  });
});
