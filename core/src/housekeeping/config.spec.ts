import assert from 'node:assert/strict';
import { HOUSEKEEPING_DEFAULTS, readHousekeepingConfig } from './config.js';

describe('housekeeping config', () => {
  it('reads its timing from the environment', () => {
    assert.deepEqual(readHousekeepingConfig({}), HOUSEKEEPING_DEFAULTS);
    assert.deepEqual(readHousekeepingConfig({ PROPHASIS_HOUSEKEEPING_INTERVAL_MS: '600000', PROPHASIS_HOUSEKEEPING_FIRST_RUN_MS: '0' }), {
      ...HOUSEKEEPING_DEFAULTS,
      intervalMs: 600_000,
      firstRunDelayMs: 0,
    });
  });

  it('refuses a bad value, naming it, instead of running with a guess', () => {
    for (const [variable, value] of [
      ['PROPHASIS_HOUSEKEEPING_INTERVAL_MS', 'hourly'],
      ['PROPHASIS_HOUSEKEEPING_INTERVAL_MS', '0'],
      ['PROPHASIS_HOUSEKEEPING_FIRST_RUN_MS', '-1'],
    ] as const) {
      assert.throws(() => readHousekeepingConfig({ [variable]: value }), (err: Error) => {
        assert.match(err.message, /intervalMs|firstRunDelayMs|PROPHASIS_HOUSEKEEPING/);
        return true;
      });
    }
    assert.throws(() => readHousekeepingConfig({}, { chunkRows: 10 }), /chunkRows/);
  });
});
