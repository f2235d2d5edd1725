import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;
const mdstat = (name: string) => readFileSync(new URL(`fixtures/mdstat-${name}.txt`, import.meta.url), 'utf8');
const run = (name: string) => measure(createFakeHost({ files: { '/proc/mdstat': mdstat(name) } }), {});

describe('mdraid', () => {
  it('reports two healthy RAID1 arrays', async () => {
    assert.deepEqual(await run('healthy'), {
      value: 0,
      message: '0 of 2 arrays degraded (0 recovering): md1: raid1 [UU]; md0: raid1 [UU]',
    });
  });

  it('counts degraded arrays and names the failed member', async () => {
    assert.deepEqual(await run('degraded'), {
      value: 2,
      message: '2 of 2 arrays degraded (0 recovering): md1: raid1 [U_] DEGRADED, failed sdb2; md0: raid1 [U_] DEGRADED',
    });
  });

  it('shows a RAID5 rebuild with its progress, and a check on a healthy array', async () => {
    assert.deepEqual(await run('rebuilding'), {
      value: 1,
      message:
        '1 of 2 arrays degraded (1 recovering): md2: raid5 [UUU_] DEGRADED, recovery 26.4% (finish 143.3min); md0: raid1 [UU], check 12.5% (finish 0.1min)',
    });
  });

  it('counts an inactive array as degraded and shows a pending resync', async () => {
    assert.deepEqual(await run('inactive'), {
      value: 1,
      message: '1 of 2 arrays degraded (0 recovering): md127: inactive DEGRADED; md0: raid1 [UU], resync pending',
    });
  });

  it('reports 0 on a host with the md driver but no arrays', async () => {
    assert.deepEqual(await run('none'), { value: 0, message: 'no MD arrays' });
  });

  it('reports command_unsuccessful when fs.read is not approved', async () => {
    assert.deepEqual(await measure(createFakeHost(), {}), {
      resultType: 'command_unsuccessful',
      message: 'capability fs.read:/proc/mdstat is not approved',
    });
  });

  it('reports command_unsuccessful without the md driver and for content that is not mdstat', async () => {
    const missing = await measure(createFakeHost({ files: { '/proc/mdstat': hostError('ENOENT', 'no such file or directory') } }), {});
    assert.deepEqual(missing, {
      resultType: 'command_unsuccessful',
      message: 'cannot read /proc/mdstat (is the md driver loaded?): ENOENT: no such file or directory',
    });
    const garbage = await measure(createFakeHost({ files: { '/proc/mdstat': '<html>' } }), {});
    assert.equal(garbage.resultType, 'command_unsuccessful');
    assert.match(garbage.message ?? '', /unexpected content in \/proc\/mdstat/);
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.mdraid');
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { files: { '/proc/mdstat': mdstat('rebuilding') } };
    assert.deepEqual(await built.measure(createFakeHost(spec), {}), await measure(createFakeHost(spec), {}));
  });
});
