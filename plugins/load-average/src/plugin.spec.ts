import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

// Recorded on a 2-CPU build machine under a compile job.
const LOADAVG = '11.02 13.82 8.75 15/333 15020\n';

describe('load-average', () => {
  it('reports the 1-minute average by default and all three in the message', async () => {
    const host = createFakeHost({ files: { '/proc/loadavg': LOADAVG } });
    assert.deepEqual(await measure(host, {}), {
      value: 11.02,
      message: 'load average 11.02 13.82 8.75 (1, 5, 15 min), 15 of 333 tasks runnable',
    });
    assert.deepEqual(host.calls, [{ fn: 'readFile', args: ['/proc/loadavg'] }]);
  });

  it('reports the 5- and 15-minute averages when asked', async () => {
    const host = createFakeHost({ files: { '/proc/loadavg': LOADAVG } });
    assert.equal((await measure(host, { window: 5 })).value, 13.82);
    assert.equal((await measure(host, { window: 15 })).value, 8.75);
  });

  it('reads an idle machine without the task field', async () => {
    const host = createFakeHost({ files: { '/proc/loadavg': '0.00 0.01 0.05' } });
    assert.deepEqual(await measure(host, {}), { value: 0, message: 'load average 0.00 0.01 0.05 (1, 5, 15 min)' });
  });

  it('reports command_unsuccessful when fs.read is not approved', async () => {
    const out = await measure(createFakeHost(), {});
    assert.deepEqual(out, { resultType: 'command_unsuccessful', message: 'capability fs.read:/proc/loadavg is not approved' });
  });

  it('reports command_unsuccessful when the file cannot be read', async () => {
    const host = createFakeHost({ files: { '/proc/loadavg': hostError('ENOENT', 'no such file or directory') } });
    assert.deepEqual(await measure(host, {}), {
      resultType: 'command_unsuccessful',
      message: 'cannot read /proc/loadavg: ENOENT: no such file or directory',
    });
  });

  it('reports command_unsuccessful for content it does not understand, and for a bad window', async () => {
    const garbage = await measure(createFakeHost({ files: { '/proc/loadavg': 'nonsense\n' } }), {});
    assert.equal(garbage.resultType, 'command_unsuccessful');
    assert.match(garbage.message ?? '', /unexpected content in \/proc\/loadavg/);
    const host = createFakeHost({ files: { '/proc/loadavg': LOADAVG } });
    assert.deepEqual(await measure(host, { window: 10 }), {
      resultType: 'command_unsuccessful',
      message: 'parameter window must be 1, 5 or 15, not 10',
    });
    assert.deepEqual(host.calls, [], 'a bad parameter reads nothing');
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.load-average');
    assert.deepEqual(bundle.manifest.capabilities, ['fs.read:/proc/loadavg']);
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { files: { '/proc/loadavg': LOADAVG } };
    assert.deepEqual(await built.measure(createFakeHost(spec), { window: 5 }), await measure(createFakeHost(spec), { window: 5 }));
  });
});
