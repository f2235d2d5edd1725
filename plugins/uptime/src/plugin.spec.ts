import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { FAKE_NOW, createFakeHost, hostError, importPluginCode, packPluginFolder } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

// A server up four days, and the build host (recorded) 33 minutes after it booted.
const UP_DAYS = '350735.47 1234388.90\n';
const UP_MINUTES = '2018.63 1997.98\n';

describe('uptime', () => {
  it('reports whole seconds since boot with the boot time', async () => {
    const host = createFakeHost({ files: { '/proc/uptime': UP_DAYS }, now: FAKE_NOW });
    assert.deepEqual(await measure(host, {}), { value: 350735, message: 'up 4d 1h 25m, booted 2024-12-27T22:34:25Z' });
  });

  it('gives minutes and seconds shortly after a boot', async () => {
    const host = createFakeHost({ files: { '/proc/uptime': UP_MINUTES } });
    assert.deepEqual(await measure(host, {}), { value: 2018, message: 'up 33m 38s, booted 2024-12-31T23:26:22Z' });
  });

  it('reports command_unsuccessful when fs.read is not approved', async () => {
    assert.deepEqual(await measure(createFakeHost(), {}), {
      resultType: 'command_unsuccessful',
      message: 'capability fs.read:/proc/uptime is not approved',
    });
  });

  it('reports command_unsuccessful when the file cannot be read or makes no sense', async () => {
    const denied = await measure(createFakeHost({ files: { '/proc/uptime': hostError('EACCES', 'permission denied') } }), {});
    assert.deepEqual(denied, { resultType: 'command_unsuccessful', message: 'cannot read /proc/uptime: EACCES: permission denied' });
    const garbage = await measure(createFakeHost({ files: { '/proc/uptime': '' } }), {});
    assert.equal(garbage.resultType, 'command_unsuccessful');
    assert.match(garbage.message ?? '', /unexpected content in \/proc\/uptime/);
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.uptime');
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { files: { '/proc/uptime': UP_DAYS } };
    assert.deepEqual(await built.measure(createFakeHost(spec), {}), await measure(createFakeHost(spec), {}));
  });
});
