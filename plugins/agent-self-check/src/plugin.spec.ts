import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { createFakeHost, hostError, importPluginCode, packPluginFolder, type AgentInfo } from '@prophasis/protocol';
import { measure } from './plugin.js';

const folder = fileURLToPath(new URL('..', import.meta.url));
const build = (ts: string) => transformSync(ts, { loader: 'ts', format: 'esm', target: 'es2022' }).code;

const HEALTHY: AgentInfo = { version: '0.1.0', outboxDepth: 0, lastError: null, uptimeSeconds: 273_600 };
const RECONNECTED: AgentInfo = {
  version: '0.1.0',
  outboxDepth: 4312,
  lastError: 'connect ECONNREFUSED 10.0.0.1:8883',
  uptimeSeconds: 125,
};

describe('agent-self-check', () => {
  it('reports an empty outbox with version and uptime', async () => {
    const host = createFakeHost({ agent: HEALTHY });
    assert.deepEqual(await measure(host, {}), { value: 0, message: 'agent 0.1.0, up 3d 4h, outbox 0 results waiting; last error: none' });
    assert.deepEqual(host.calls, [{ fn: 'agent.info', args: [] }]);
  });

  it('reports a backlog and the last error after a reconnect', async () => {
    assert.deepEqual(await measure(createFakeHost({ agent: RECONNECTED }), {}), {
      value: 4312,
      message: 'agent 0.1.0, up 2m 5s, outbox 4312 results waiting; last error: connect ECONNREFUSED 10.0.0.1:8883',
    });
  });

  it('cuts a very long last error', async () => {
    const out = await measure(createFakeHost({ agent: { ...HEALTHY, outboxDepth: 1, lastError: 'x'.repeat(5000) } }), {});
    assert.ok((out.message ?? '').length < 1100);
    assert.match(out.message ?? '', /outbox 1 result waiting/);
  });

  it('reports command_unsuccessful when agent.info is not approved or fails', async () => {
    assert.deepEqual(await measure(createFakeHost(), {}), { resultType: 'command_unsuccessful', message: 'capability agent.info is not approved' });
    const failing = await measure(createFakeHost({ agent: hostError('EIO', 'outbox unreadable') }), {});
    assert.deepEqual(failing, { resultType: 'command_unsuccessful', message: "cannot read the agent's state: EIO: outbox unreadable" });
  });

  it('builds into a self-contained module that packs into a valid bundle and measures the same', async () => {
    const { bundle, javascript } = await packPluginFolder(folder, { build });
    assert.equal(bundle.manifest.id, 'io.prophasis.agent-self-check');
    assert.deepEqual(bundle.manifest.capabilities, ['agent.info']);
    assert.doesNotMatch(javascript, /^\s*import[\s{*]|\bimport\s*\(|\brequire\s*\(/m);
    const built = await importPluginCode(javascript);
    const spec = { agent: RECONNECTED };
    assert.deepEqual(await built.measure(createFakeHost(spec), {}), await measure(createFakeHost(spec), {}));
  });
});
