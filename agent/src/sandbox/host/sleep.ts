import { setTimeout as delay } from 'node:timers/promises';
import { invalid, type HostFunctionDeps } from './common.js';
import type { HostFamilyFunctions } from './table.js';

/** The longest single `host.sleep`; the run's timeout bounds the total anyway. */
const MAX_SLEEP_MS = 5_000;

/** `host.sleep`: the table's `always` kind, needing no capability. */
export function sleepFunctions(_caps: unknown, { signal }: HostFunctionDeps): HostFamilyFunctions<'always'> {
  return {
    async sleep(ms) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_SLEEP_MS) throw invalid(`sleep takes 0 to ${MAX_SLEEP_MS} ms`);
      await delay(ms, undefined, { signal });
    },
  };
}
