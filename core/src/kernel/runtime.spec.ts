import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDatabase, readRuntimeFacts, removeRuntimeFacts, withoutCredentials, writeRuntimeFacts, type RuntimeFacts } from './runtime.js';

const facts = (pid: number): RuntimeFacts => ({
  v: 1,
  pid,
  startedAt: '2026-12-07T18:00:00.000Z',
  baseUrl: 'https://localhost:8080',
  publicUrl: '',
  http: { port: 8080, host: '0.0.0.0', certificate: 'own-ca', publicKeyPin: `sha256//${'Q'.repeat(43)}=` },
  mqtt: { port: 18883, host: '0.0.0.0', externalUrl: '', caFingerprint: 'ab'.repeat(32), server: 'core.lan' },
  database: 'sqlite:/var/lib/prophasis/prophasis.sqlite',
});

describe('runtime facts (runtime.json)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-runtime-spec-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('written with mode 0600 and read back as running while the pid lives, stale once it is gone', async () => {
    await writeRuntimeFacts(dir, facts(4242));
    assert.equal((await stat(join(dir, 'runtime.json'))).mode & 0o777, 0o600);
    assert.deepEqual(await readRuntimeFacts(dir, { isAlive: () => true }), { state: 'running', path: join(dir, 'runtime.json'), facts: facts(4242) });
    assert.equal((await readRuntimeFacts(dir, { isAlive: () => false })).state, 'stale');
    // This process is alive, by the real check.
    await writeRuntimeFacts(dir, facts(process.pid));
    assert.equal((await readRuntimeFacts(dir)).state, 'running');
  });

  it('absent, or not in this format: the reason is given, nothing is thrown', async () => {
    assert.deepEqual(await readRuntimeFacts(dir), { state: 'absent', path: join(dir, 'runtime.json') });
    await writeFile(join(dir, 'runtime.json'), '{ half a file');
    const broken = await readRuntimeFacts(dir);
    assert.equal(broken.state, 'invalid');
    await writeFile(join(dir, 'runtime.json'), JSON.stringify({ ...facts(4242), v: 2 }));
    const future = await readRuntimeFacts(dir);
    assert.ok(future.state === 'invalid' && future.reason.startsWith('/v: '), JSON.stringify(future));
  });

  it('removed only by the process that wrote it', async () => {
    await writeRuntimeFacts(dir, facts(4242));
    await removeRuntimeFacts(dir, 999_999);
    assert.equal(JSON.parse(await readFile(join(dir, 'runtime.json'), 'utf8')).pid, 4242, 'another core\'s file stays');
    await removeRuntimeFacts(dir, 4242);
    assert.equal((await readRuntimeFacts(dir)).state, 'absent');
    await removeRuntimeFacts(dir, 4242); // nothing to remove: no error
  });

  it('names databases and brokers without passwords', () => {
    assert.equal(describeDatabase('', '/d/prophasis.sqlite'), 'sqlite:/d/prophasis.sqlite');
    assert.equal(describeDatabase('postgres://core:s3cret@db.lan:5432/prophasis', '/d/x'), 'postgres://core@db.lan:5432/prophasis');
    assert.equal(describeDatabase('postgres://core:other@db.lan:5432/prophasis', '/d/x'), describeDatabase('postgres://core:s3cret@db.lan:5432/prophasis', '/d/x'));
    assert.equal(withoutCredentials('mqtts://core:s3cret@broker.lan:8883'), 'mqtts://broker.lan:8883');
    assert.equal(withoutCredentials(''), '');
    assert.equal(withoutCredentials('not a url'), '(unparsable URL)');
  });
});
