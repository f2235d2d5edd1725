import assert from 'node:assert/strict';
import { effectiveLimits, SANDBOX_DEFAULTS } from './runner.js';
import { SANDBOX_BUNDLE_FILE, sandboxEntry } from './spawn.js';

describe('sandbox entry and limits', () => {
  it('runs sandbox-process.ts through tsx from source, and the sandbox bundle beside the packed agent', () => {
    assert.deepEqual(sandboxEntry('file:///repo/agent/src/sandbox/spawn.ts'), { path: '/repo/agent/src/sandbox/sandbox-process.ts', typescript: true });
    assert.deepEqual(sandboxEntry('file:///opt/prophasis-agent/lib/node_modules/prophasis-agent/dist/prophasis-agent.mjs'), {
      path: `/opt/prophasis-agent/lib/node_modules/prophasis-agent/dist/${SANDBOX_BUNDLE_FILE}`,
      typescript: false,
    });
    // This very module, loaded from source.
    assert.equal(sandboxEntry().typescript, true);
  });

  it('lets the manifest and then the plan entry shorten the limits, never lengthen them', () => {
    assert.deepEqual(effectiveLimits(SANDBOX_DEFAULTS, undefined), SANDBOX_DEFAULTS);
    assert.deepEqual(effectiveLimits(SANDBOX_DEFAULTS, { memoryMiB: 16, timeoutMs: 2_000 }), { memoryMiB: 16, timeoutMs: 2_000 });
    assert.deepEqual(effectiveLimits(SANDBOX_DEFAULTS, { memoryMiB: 512, timeoutMs: 60_000 }), SANDBOX_DEFAULTS, 'the operator caps');
    assert.equal(effectiveLimits(SANDBOX_DEFAULTS, { timeoutMs: 2_000 }, 500).timeoutMs, 500, 'the entry is shorter');
    assert.equal(effectiveLimits(SANDBOX_DEFAULTS, { timeoutMs: 2_000 }, 5_000).timeoutMs, 2_000, 'the manifest is shorter');
    assert.equal(effectiveLimits(SANDBOX_DEFAULTS, undefined, 60_000).timeoutMs, SANDBOX_DEFAULTS.timeoutMs, 'the entry cannot pass the cap');
  });
});
