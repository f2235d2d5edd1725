import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

// A 2 GiB VM using a little swap (written in the kernel's format) and a build host with no swap
// at all (recorded).
const SWAPPING = fixture('meminfo-swapping.txt');
const NO_SWAP = fixture('meminfo-no-swap.txt');

describe('swap-usage', () => {
  it('reports the share of swap in use', async () => {
    const host = createFakeHost({ files: { '/proc/meminfo': SWAPPING } });
    // (2097148 - 2031604) / 2097148 kB = 3.13 %
    assert.deepEqual(await measure(host, {}), { value: 3.1, message: '3.1% used: 64 MiB of 2.0 GiB, 3 MiB cached' });
    assert.deepEqual(host.calls, [{ fn: 'readFile', args: ['/proc/meminfo'] }]);
  });

  it('reports 0 for a host without swap', async () => {
    assert.deepEqual(await measure(createFakeHost({ files: { '/proc/meminfo': NO_SWAP } }), {}), { value: 0, message: 'no swap configured' });
  });

  it('reports command_unsuccessful when fs.read is not approved', async () => {
    assert.deepEqual(await measure(createFakeHost(), {}), {
      resultType: 'command_unsuccessful',
      message: 'capability fs.read:/proc/meminfo is not approved',
    });
  });

  it('reports command_unsuccessful when the file cannot be read or has no swap fields', async () => {
    const denied = await measure(createFakeHost({ files: { '/proc/meminfo': hostError('EIO', 'i/o error') } }), {});
    assert.deepEqual(denied, { resultType: 'command_unsuccessful', message: 'cannot read /proc/meminfo: EIO: i/o error' });
    const garbage = await measure(createFakeHost({ files: { '/proc/meminfo': 'MemTotal: 12 kB\n' } }), {});
    assert.deepEqual(garbage, { resultType: 'command_unsuccessful', message: 'no SwapTotal/SwapFree in /proc/meminfo' });
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.swap-usage');
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { files: { '/proc/meminfo': SWAPPING } };
    assert.deepEqual(await built.measure(createFakeHost(spec), {}), await measure(createFakeHost(spec), {}));
  });
});
