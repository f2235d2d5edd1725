import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { createAgentPackages, type AgentPlatform } from '../../src/downloads/index.js';
import { createAgentTarball } from '../../src/downloads/agent-tarball.js';
import { createTestApi, type TestApi } from './helpers.js';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const INSTALL_SH = readFileSync(new URL('../../../agent/scripts/install.sh', import.meta.url));

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

describe('agent packages and install.sh', function () {
  // Builds the linux-x64 package: Node.js from the npm registry (npm's cache after the first time).
  this.timeout(300_000);

  let api: TestApi;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'prophasis-pkg-'));
    const agentPackages = createAgentPackages({ dataDir, platforms: ['linux-x64'] }, { logger: silentLogger() });
    api = await createTestApi('sqlite', { deps: () => ({ agentPackages }) });
  });
  after(async () => {
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = (url: string) => api.app.inject({ method: 'GET', url });

  it('serves install.sh, SHA256SUMS, the index and each package without a session, every hash matching the bytes served', async () => {
    const script = await get('/install.sh');
    assert.equal(script.statusCode, 200, script.body);
    assert.match(String(script.headers['content-type']), /^text\/x-shellscript/);
    assert.deepEqual(script.rawPayload, INSTALL_SH);
    assert.deepEqual((await get('/downloads/install.sh')).rawPayload, INSTALL_SH);

    const index = (await get('/downloads/index.json')).json();
    const sums = await get('/downloads/SHA256SUMS');
    assert.equal(sums.statusCode, 200);
    assert.equal(sha256(sums.rawPayload), index.sums.sha256, 'the hash the install line carries');
    assert.equal(sums.headers['x-checksum-sha256'], index.sums.sha256);
    const listed = Object.fromEntries(sums.body.trim().split('\n').map((line) => line.split(/ {2}/).reverse()));
    assert.deepEqual(Object.keys(listed).sort(), ['install.sh', 'prophasis-agent-linux-x64.tar.gz']);
    assert.equal(listed['install.sh'], sha256(INSTALL_SH));

    assert.equal(index.packages.length, 1);
    const [pkg] = index.packages;
    assert.deepEqual({ platform: pkg.platform, file: pkg.file, url: pkg.url }, { platform: 'linux-x64', file: 'prophasis-agent-linux-x64.tar.gz', url: '/downloads/prophasis-agent-linux-x64.tar.gz' });
    assert.equal(index.node, process.versions.node);
    const download = await get(pkg.url);
    assert.equal(download.statusCode, 200);
    assert.equal(download.headers['content-type'], 'application/gzip');
    assert.equal(Number(download.headers['content-length']), pkg.size);
    assert.equal(download.rawPayload.length, pkg.size);
    assert.equal(sha256(download.rawPayload), pkg.sha256);
    assert.equal(listed[pkg.file], pkg.sha256);
    assert.equal(download.headers['x-checksum-sha256'], pkg.sha256);
    // a gzipped tar whose first entry is the package folder
    assert.equal(gunzipSync(download.rawPayload).subarray(0, 16).toString(), 'prophasis-agent/');
    assert.equal((await get(`${pkg.url}.sha256`)).body, `${pkg.sha256}  ${pkg.file}\n`);
  });

  it('answers 404 naming what it serves for a package it does not build, and any other name', async () => {
    for (const url of ['/downloads/prophasis-agent-linux-arm64.tar.gz', '/downloads/prophasis-agent-linux-x64.tar.gz.md5', '/downloads/..%2Findex.json', '/downloads/registry']) {
      const res = await get(url);
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().code, 'CORE_API_NOT_FOUND');
      assert.match(res.json().message, /this core serves prophasis-agent-linux-x64\.tar\.gz \(and \.sha256 of each\), SHA256SUMS, index\.json and install\.sh/);
    }
  });

  it('answers 503 with the builder\'s reason when the packages cannot be built, and tries again on the next request', async () => {
    const agentPackages = createAgentPackages({ dataDir, platforms: ['linux-sparc' as AgentPlatform] }, { logger: silentLogger() });
    const broken = await createTestApi('sqlite', { deps: () => ({ agentPackages }) });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await broken.app.inject({ method: 'GET', url: '/install.sh' });
        assert.equal(res.statusCode, 503);
        assert.equal(res.json().code, 'CORE_API_UNAVAILABLE');
        assert.match(res.json().message, /the agent packages could not be built: .*unknown platform linux-sparc/);
      }
    } finally {
      await broken.close();
    }
  });
});
