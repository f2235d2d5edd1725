import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProphasisError } from '@prophasis/protocol';
import { credentialsPath, readCredentials, writeCredentials, type Credentials } from './credentials.js';
import { AgentErrors } from './errors.js';

const sample: Credentials = {
  server: '127.0.0.1:8883',
  agentId: 'agent-1',
  secret: 'x'.repeat(43),
  caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
};

describe('credentials', () => {
  let root: string;
  let dir: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'prophasis-agent-cred-'));
    dir = join(root, 'data');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes owner-only (file 0600, dir 0700), atomically, and reads back', async () => {
    const path = await writeCredentials(dir, sample);
    assert.equal(path, credentialsPath(dir));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.deepEqual(await readdir(dir), ['credentials.json'], 'no temp file left behind');
    assert.deepEqual(await readCredentials(dir), sample);
  });

  it('tightens an existing, too open data directory when writing', async () => {
    await writeCredentials(dir, sample);
    await chmod(dir, 0o755);
    await writeCredentials(dir, { ...sample, agentId: 'agent-2' });
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await readCredentials(dir)).agentId, 'agent-2');
  });

  it('refuses missing credentials with AGENT_CREDENTIALS_MISSING', async () => {
    await assert.rejects(readCredentials(dir), (e) => isProphasisError(e, AgentErrors.CREDENTIALS_MISSING));
  });

  it('refuses a credentials file readable by group or others, then accepts it once fixed', async () => {
    await writeCredentials(dir, sample);
    await chmod(credentialsPath(dir), 0o644);
    await assert.rejects(readCredentials(dir), (e) => isProphasisError(e, AgentErrors.CREDENTIALS_PERMISSIONS) && /chmod 600/.test(e.message));
    await chmod(credentialsPath(dir), 0o600);
    assert.equal((await readCredentials(dir)).agentId, 'agent-1');
  });

  it('refuses a data directory open to others', async () => {
    await writeCredentials(dir, sample);
    await chmod(dir, 0o705);
    await assert.rejects(readCredentials(dir), (e) => isProphasisError(e, AgentErrors.CREDENTIALS_PERMISSIONS) && /chmod 700/.test(e.message));
  });

  it('refuses damaged files: bad JSON, wrong shape, an agent id that is not one', async () => {
    await writeCredentials(dir, sample);
    const path = credentialsPath(dir);
    for (const content of ['{not json', JSON.stringify({ ...sample, secret: 'short' }), JSON.stringify({ ...sample, agentId: 'a/b' })]) {
      await writeFile(path, content, { mode: 0o600 });
      await assert.rejects(readCredentials(dir), (e) => isProphasisError(e, AgentErrors.CREDENTIALS_INVALID), content);
    }
  });

  it('refuses to write credentials that break the schema', async () => {
    await assert.rejects(writeCredentials(dir, { ...sample, secret: '' }), (e) => isProphasisError(e, AgentErrors.CREDENTIALS_INVALID));
  });
});
