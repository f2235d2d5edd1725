import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createAgentTarball } from '../../src/downloads/agent-tarball.js';
import { createTestApi, type TestApi } from './helpers.js';

describe('agent download', function () {
  this.timeout(180_000); // builds the agent bundle with esbuild and npm pack

  let api: TestApi;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'prophasis-dl-'));
    api = await createTestApi('sqlite', { agentTarball: createAgentTarball({ dataDir }, { logger: silentLogger() }) });
  });
  after(async () => {
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the agent tarball without a session, with its checksum', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/downloads/prophasis-agent.tgz' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/gzip');
    const body = res.rawPayload;
    assert.equal(res.headers['x-checksum-sha256'], createHash('sha256').update(body).digest('hex'));
    // a gzipped tar whose first entry is the npm package folder
    const tar = gunzipSync(body);
    assert.equal(tar.subarray(0, 7).toString(), 'package');
    assert.ok(tar.includes(Buffer.from('"name": "prophasis-agent"')) || tar.includes(Buffer.from('"name":"prophasis-agent"')));
  });

  it('serves the same build again without rebuilding', async () => {
    const a = await api.app.inject({ method: 'GET', url: '/downloads/prophasis-agent.tgz' });
    const b = await api.app.inject({ method: 'GET', url: '/downloads/prophasis-agent.tgz' });
    assert.equal(a.headers['x-checksum-sha256'], b.headers['x-checksum-sha256']);
  });
});
