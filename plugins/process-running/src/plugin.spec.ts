import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder, type ProcessInfo } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

// A web server's process list as `ps -e -o pid,comm` shows it (abridged).
const PROCESSES: ProcessInfo[] = [
  { pid: 1, name: 'systemd' },
  { pid: 402, name: 'systemd-journal' },
  { pid: 611, name: 'systemd-resolve' },
  { pid: 790, name: 'sshd' },
  { pid: 814, name: 'nginx' },
  { pid: 812, name: 'nginx' },
  { pid: 813, name: 'nginx' },
  { pid: 901, name: 'postgres' },
  { pid: 1204, name: 'nginx-exporter' },
  { pid: 20211, name: 'bash' },
];

describe('process-running', () => {
  it('counts processes with exactly that name and lists their pids', async () => {
    const host = createFakeHost({ os: { processes: PROCESSES } });
    assert.deepEqual(await measure(host, { name: 'nginx' }), { value: 3, message: 'nginx: 3 processes (pid 812, 813, 814)' });
    assert.deepEqual(host.calls, [{ fn: 'os.processes', args: [] }]);
  });

  it('reports 0 for a process that is not running', async () => {
    assert.deepEqual(await measure(createFakeHost({ os: { processes: PROCESSES } }), { name: 'mysqld' }), { value: 0, message: 'mysqld: not running' });
  });

  it('matches a long name against the 15 characters Linux keeps', async () => {
    const out = await measure(createFakeHost({ os: { processes: PROCESSES } }), { name: 'systemd-resolved' });
    assert.deepEqual(out, { value: 1, message: 'systemd-resolved: 1 process (pid 611)' });
  });

  it('lists at most ten pids', async () => {
    const many = Array.from({ length: 13 }, (_, i) => ({ pid: 100 + i, name: 'php-fpm' }));
    const out = await measure(createFakeHost({ os: { processes: many } }), { name: 'php-fpm' });
    assert.equal(out.value, 13);
    assert.equal(out.message, 'php-fpm: 13 processes (pid 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, ... (3 more))');
  });

  it('reports command_unsuccessful without a name, without os.info, and when the list fails', async () => {
    const host = createFakeHost({ os: { processes: PROCESSES } });
    assert.deepEqual(await measure(host, {}), { resultType: 'command_unsuccessful', message: 'parameter name is required: the process name to look for' });
    assert.deepEqual(host.calls, []);
    assert.deepEqual(await measure(createFakeHost(), { name: 'nginx' }), { resultType: 'command_unsuccessful', message: 'capability os.info is not approved' });
    const failing = await measure(createFakeHost({ os: { processes: hostError('EPERM', 'operation not permitted') } }), { name: 'nginx' });
    assert.deepEqual(failing, { resultType: 'command_unsuccessful', message: 'cannot list processes: EPERM: operation not permitted' });
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.process-running');
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { os: { processes: PROCESSES } };
    assert.deepEqual(await built.measure(createFakeHost(spec), { name: 'nginx' }), await measure(createFakeHost(spec), { name: 'nginx' }));
  });
});
