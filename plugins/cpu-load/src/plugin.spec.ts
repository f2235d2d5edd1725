import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { FAKE_NOW, createFakeHost, fakeSequence, hostError, importPluginCode, packPluginFolder, type FakeHostSpec } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;
const stat = (name: string) => readFileSync(new URL(`fixtures/stat-${name}.txt`, import.meta.url), 'utf8');

// Two pairs of /proc/stat readings: a 2-CPU build host flat out compiling, recorded one second
// apart; and a 4-CPU VM a quarter busy with iowait and steal, written in the kernel's format with
// round differences (400 ticks: 60 user, 20 system, 4 softirq, 280 idle, 20 iowait, 16 steal).
const vm = (): FakeHostSpec => ({ files: { '/proc/stat': fakeSequence(stat('vm-a'), stat('vm-b')) }, now: fakeSequence(FAKE_NOW, FAKE_NOW + 1000) });
const busy = (): FakeHostSpec => ({ files: { '/proc/stat': fakeSequence(stat('busy-a'), stat('busy-b')) }, now: fakeSequence(FAKE_NOW, FAKE_NOW + 1002) });

const sleeps = (host: ReturnType<typeof createFakeHost>) => host.calls.filter((c) => c.fn === 'sleep').map((c) => c.args[0]);

describe('cpu-load', () => {
  it('reports busy time between two samples, with the breakdown', async () => {
    const host = createFakeHost(vm());
    assert.deepEqual(await measure(host, {}), {
      value: 25,
      message: '25% busy over 1000 ms on 4 CPUs: user 15.0%, system 6.0%, iowait 5.0%, steal 4.0%',
    });
    assert.deepEqual(sleeps(host), [1000]);
    assert.deepEqual(
      host.calls.map((c) => c.fn),
      ['readFile', 'now', 'sleep', 'readFile', 'now'],
    );
  });

  it('reports a saturated host and waits as long as sampleMs says', async () => {
    const host = createFakeHost(busy());
    assert.deepEqual(await measure(host, { sampleMs: 250 }), {
      value: 100,
      message: '100% busy over 1002 ms on 2 CPUs: user 91.5%, system 8.5%, iowait 0.0%, steal 0.0%',
    });
    assert.deepEqual(sleeps(host), [250]);
  });

  it('reports command_unsuccessful when fs.read is not approved', async () => {
    assert.deepEqual(await measure(createFakeHost(), {}), {
      resultType: 'command_unsuccessful',
      message: 'capability fs.read:/proc/stat is not approved',
    });
  });

  it('reports command_unsuccessful when a sample cannot be read or makes no sense', async () => {
    const second = await measure(createFakeHost({ files: { '/proc/stat': fakeSequence(stat('vm-a'), hostError('EIO', 'i/o error')) } }), {});
    assert.deepEqual(second, { resultType: 'command_unsuccessful', message: 'cannot read /proc/stat: EIO: i/o error' });
    const garbage = await measure(createFakeHost({ files: { '/proc/stat': 'intr 12 0 0\n' } }), {});
    assert.equal(garbage.resultType, 'command_unsuccessful');
    assert.match(garbage.message ?? '', /unexpected content in \/proc\/stat/);
  });

  it('reports command_unsuccessful when no time passed, and for a bad sampleMs', async () => {
    const same = await measure(createFakeHost({ files: { '/proc/stat': stat('vm-a') } }), {});
    assert.deepEqual(same, { resultType: 'command_unsuccessful', message: 'no CPU time passed between the two samples of /proc/stat (0 ms apart)' });
    const host = createFakeHost(vm());
    const bad = await measure(host, { sampleMs: 60_000 });
    assert.deepEqual(bad, { resultType: 'command_unsuccessful', message: 'parameter sampleMs must be an integer from 10 to 5000, not 60000' });
    assert.deepEqual(host.calls, []);
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.cpu-load');
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    assert.deepEqual(await built.measure(createFakeHost(vm()), {}), await measure(createFakeHost(vm()), {}));
  });
});
