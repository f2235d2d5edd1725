import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

// A 24 GiB build host (recorded, kernel 6.x) and a 2 GiB VM of a pre-3.14 kernel without
// MemAvailable (written in that kernel's format).
const BUILD_HOST = fixture('meminfo-build-host.txt');
const OLD_KERNEL = fixture('meminfo-old-kernel.txt');

describe('memory-usage', () => {
  it('reports used = total - MemAvailable as a percentage', async () => {
    const host = createFakeHost({ files: { '/proc/meminfo': BUILD_HOST } });
    const total = Number(/MemTotal:\s+(\d+)/.exec(BUILD_HOST)![1]);
    const available = Number(/MemAvailable:\s+(\d+)/.exec(BUILD_HOST)![1]);
    const out = await measure(host, {});
    assert.equal(out.value, Math.round(((total - available) / total) * 1000) / 10);
    assert.match(out.message ?? '', /^\d+(\.\d)?% used: \d+\.\d GiB of 23\.5 GiB, \d+\.\d GiB available$/);
    assert.deepEqual(host.calls, [{ fn: 'readFile', args: ['/proc/meminfo'] }]);
  });

  it('estimates available memory on kernels without MemAvailable, and says so', async () => {
    const out = await measure(createFakeHost({ files: { '/proc/meminfo': OLD_KERNEL } }), {});
    // available = 102344 + 84320 + 912044 = 1098708 kB of 2052012 kB
    assert.deepEqual(out, { value: 46.5, message: '46.5% used: 0.9 GiB of 2.0 GiB, 1.0 GiB available (estimated: no MemAvailable)' });
  });

  it('reports command_unsuccessful when fs.read is not approved', async () => {
    assert.deepEqual(await measure(createFakeHost(), {}), {
      resultType: 'command_unsuccessful',
      message: 'capability fs.read:/proc/meminfo is not approved',
    });
  });

  it('reports command_unsuccessful when the file cannot be read or has no MemTotal', async () => {
    const denied = await measure(createFakeHost({ files: { '/proc/meminfo': hostError('ENOENT', 'no such file or directory') } }), {});
    assert.deepEqual(denied, { resultType: 'command_unsuccessful', message: 'cannot read /proc/meminfo: ENOENT: no such file or directory' });
    const garbage = await measure(createFakeHost({ files: { '/proc/meminfo': 'MemFree: 12 kB\n' } }), {});
    assert.deepEqual(garbage, { resultType: 'command_unsuccessful', message: 'no MemTotal in /proc/meminfo' });
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.memory-usage');
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { files: { '/proc/meminfo': OLD_KERNEL } };
    assert.deepEqual(await built.measure(createFakeHost(spec), {}), await measure(createFakeHost(spec), {}));
  });
});
