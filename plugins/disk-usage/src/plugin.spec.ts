import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder, type MountInfo } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

// The first four mounts recorded with `df -T -B1` on a build VM; the data disk, full to root's
// reserve, written to match.
const MOUNTS: MountInfo[] = [
  { device: 'devtmpfs', mountpoint: '/dev', fstype: 'devtmpfs', sizeBytes: 12630487040, usedBytes: 0, availableBytes: 12630487040 },
  { device: 'tmpfs', mountpoint: '/dev/shm', fstype: 'tmpfs', sizeBytes: 25276502016, usedBytes: 1077248, availableBytes: 25275424768 },
  { device: '/dev/vda', mountpoint: '/', fstype: 'ext4', sizeBytes: 270553174016, usedBytes: 26082291712, availableBytes: 82862002176 },
  { device: 'proc', mountpoint: '/proc', fstype: 'proc', sizeBytes: 0, usedBytes: 0, availableBytes: 0 },
  { device: '/dev/sdb1', mountpoint: '/var/lib/postgresql', fstype: 'xfs', sizeBytes: 1099511627776, usedBytes: 1044536885248, availableBytes: 0 },
];

describe('disk-usage', () => {
  it('reports / by default, like df', async () => {
    const host = createFakeHost({ os: { mounts: MOUNTS } });
    assert.deepEqual(await measure(host, {}), { value: 23.9, message: '/ (ext4 on /dev/vda): 23.9% used, 77.2 GiB free of 252.0 GiB' });
    assert.deepEqual(host.calls, [{ fn: 'os.mounts', args: [] }]);
  });

  it('reports the mount point asked for, ignoring a trailing slash; a full disk is 100%', async () => {
    const out = await measure(createFakeHost({ os: { mounts: MOUNTS } }), { mountpoint: '/var/lib/postgresql/' });
    assert.deepEqual(out, { value: 100, message: '/var/lib/postgresql (xfs on /dev/sdb1): 100% used, 0 B free of 1.0 TiB' });
  });

  it('uses the last of two mounts on one path, the one in effect', async () => {
    const over: MountInfo = { device: 'overlay', mountpoint: '/', fstype: 'overlay', sizeBytes: 1000, usedBytes: 250, availableBytes: 750 };
    const out = await measure(createFakeHost({ os: { mounts: [...MOUNTS, over] } }), {});
    assert.equal(out.value, 25);
    assert.match(out.message ?? '', /overlay on overlay/);
  });

  it('lists the real mounts when nothing is mounted at the mount point', async () => {
    assert.deepEqual(await measure(createFakeHost({ os: { mounts: MOUNTS } }), { mountpoint: '/data' }), {
      resultType: 'command_unsuccessful',
      message: 'no file system mounted at /data (mounted: /dev, /dev/shm, /, /var/lib/postgresql)',
    });
  });

  it('reports command_unsuccessful when os.info is not approved or the mount list fails', async () => {
    assert.deepEqual(await measure(createFakeHost(), {}), { resultType: 'command_unsuccessful', message: 'capability os.info is not approved' });
    const failing = await measure(createFakeHost({ os: { mounts: hostError('EACCES', 'permission denied') } }), {});
    assert.deepEqual(failing, { resultType: 'command_unsuccessful', message: 'cannot list mounts: EACCES: permission denied' });
  });

  it('refuses a relative mountpoint and a file system without size', async () => {
    const host = createFakeHost({ os: { mounts: MOUNTS } });
    assert.deepEqual(await measure(host, { mountpoint: 'data' }), {
      resultType: 'command_unsuccessful',
      message: 'parameter mountpoint must be an absolute path, not "data"',
    });
    assert.deepEqual(host.calls, []);
    assert.deepEqual(await measure(host, { mountpoint: '/proc' }), { resultType: 'command_unsuccessful', message: '/proc (proc on proc) reports no size' });
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.disk-usage');
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { os: { mounts: MOUNTS } };
    assert.deepEqual(await built.measure(createFakeHost(spec), {}), await measure(createFakeHost(spec), {}));
  });
});
