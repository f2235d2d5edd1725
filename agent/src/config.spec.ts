import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProphasisError, ProtocolErrors } from '@prophasis/protocol';
import { readAgentConfig, sandboxConfig } from './config.js';
import { SANDBOX_DEFAULTS, SANDBOX_IDLE_DEFAULT_MS } from './sandbox/runner.js';

describe('agent configuration: sandbox caps', () => {
  // readAgentConfig creates the data directory; give it a throwaway one.
  const dir = mkdtempSync(join(tmpdir(), 'prophasis-agent-config-'));
  const env = { PROPHASIS_DATA_DIR: join(dir, 'data') };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to the sandbox defaults and takes the environment', () => {
    assert.deepEqual(sandboxConfig(readAgentConfig(env)), { ...SANDBOX_DEFAULTS, idleMs: SANDBOX_IDLE_DEFAULT_MS });
    assert.equal(SANDBOX_IDLE_DEFAULT_MS, 60_000, 'the sandbox process goes after a minute without work');
    const set = readAgentConfig({ ...env, PROPHASIS_SANDBOX_MEMORY_MIB: '32', PROPHASIS_SANDBOX_TIMEOUT_MS: '2500', PROPHASIS_SANDBOX_IDLE_MS: '500' });
    assert.deepEqual(sandboxConfig(set), { memoryMiB: 32, timeoutMs: 2_500, idleMs: 500 });
    assert.equal(readAgentConfig({ ...env, PROPHASIS_SANDBOX_IDLE_MS: '0' }).sandboxIdleMs, 0, '0 keeps the sandbox process');
  });

  it('refuses caps outside the sandbox schema, naming the key, and reads a good value afterwards', () => {
    for (const [variable, raw, key] of [
      ['PROPHASIS_SANDBOX_MEMORY_MIB', '4', 'sandboxMemoryMiB'],
      ['PROPHASIS_SANDBOX_MEMORY_MIB', '2048', 'sandboxMemoryMiB'],
      ['PROPHASIS_SANDBOX_TIMEOUT_MS', '50', 'sandboxTimeoutMs'],
      ['PROPHASIS_SANDBOX_TIMEOUT_MS', 'soon', 'PROPHASIS_SANDBOX_TIMEOUT_MS'],
      ['PROPHASIS_SANDBOX_IDLE_MS', '-1', 'sandboxIdleMs'],
      ['PROPHASIS_SANDBOX_IDLE_MS', 'later', 'PROPHASIS_SANDBOX_IDLE_MS'],
      ['PROPHASIS_UPGRADE_ROLLBACK_MS', '500', 'upgradeRollbackMs'],
    ] as const) {
      assert.throws(
        () => readAgentConfig({ ...env, [variable]: raw }),
        (err: unknown) => isProphasisError(err, ProtocolErrors.INVALID_CONFIG) && (err as Error).message.includes(key),
        `${variable}=${raw}`,
      );
    }
    assert.equal(readAgentConfig({ ...env, PROPHASIS_SANDBOX_TIMEOUT_MS: '100' }).sandboxTimeoutMs, 100);
    assert.equal(readAgentConfig(env).upgradeRollbackMs, 120_000, 'a new version has two minutes to connect');
    assert.equal(readAgentConfig({ ...env, PROPHASIS_UPGRADE_ROLLBACK_MS: '30000' }).upgradeRollbackMs, 30_000);
  });
});
