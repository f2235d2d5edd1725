import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../../../bench/run.mjs', import.meta.url));
/** The counts that must be 0 (docs/performance.md, "Soak"; issue #14). */
const COUNTS = ['results_lost', 'results_duplicated', 'alerts_missing', 'alerts_duplicated', 'alerts_unexpected', 'state_disagreements', 'children_orphaned', 'core_stops_over_30_s'] as const;
/** A bound of its own, so that a hanging run is ended (by pid) before mocha gives up on it. */
const RUN_BOUND_MS = 400_000;

/** Runs `npm run bench -- soak ARGS` (bench/run.mjs on this Node) and resolves with its exit code and output. */
function runSoak(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, 'soak', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-20_000)));
    // SIGTERM lets the bench end what it started (the core, by pid); SIGKILL if it does not.
    const bound = setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
    }, RUN_BOUND_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(bound);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The soak bench's short form (issue #14): a real core process and simulated agents over TLS on a
 * compressed clock, four simulated days in a minute with agents stopped, a site cut off, the core
 * SIGKILLed and restarted, and the broker restarted. Its JSON line must show nothing lost,
 * repeated, missing or disagreeing, no orphaned process, and a database that stopped growing
 * once retention (one simulated day) applied.
 */
describe('soak bench, short form (bench/soak.ts)', function () {
  this.timeout(RUN_BOUND_MS + 30_000);
  const dialects = ['sqlite', ...(process.env.PROPHASIS_TEST_POSTGRES_URL ? ['postgres'] : [])];
  for (const db of dialects) {
    it(`${db}: four simulated days with faults in 60 s, every count 0 and a flat database`, async () => {
      const { code, stdout, stderr } = await runSoak(['--db', db, '--seconds', '60', '--days', '4', '--hosts', '12', '--sites', '3', '--rate', '50']);
      const context = `\n--- bench output ---\n${stdout.slice(-6_000)}\n--- stderr ---\n${stderr.slice(-3_000)}`;
      assert.equal(code, 0, `the bench failed${context}`);
      const figures = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number | boolean | string>;
      // The run did what it says: results flowed, states changed, the core was killed and restarted.
      assert.ok(Number(figures.results_acked) > 1_000, `results acknowledged: ${figures.results_acked}${context}`);
      assert.ok(Number(figures.transitions) > 0, `host transitions: ${figures.transitions}${context}`);
      assert.ok(Number(figures.core_kills) >= 1 && Number(figures.core_restarts) >= 2, `core kills ${figures.core_kills}, restarts ${figures.core_restarts}${context}`);
      assert.ok(Number(figures.state_checks) >= 3, `state checks: ${figures.state_checks}${context}`);
      const nonZero = COUNTS.filter((k) => figures[k] !== 0).map((k) => `${k} = ${figures[k]}`);
      assert.deepEqual(nonZero, [], `counts that are not 0: ${nonZero.join(', ')}${context}`);
      assert.equal(
        figures.db_stopped_growing,
        true,
        `the database still grew ${figures.db_late_growth_per_day_bytes} bytes per simulated day after day ${figures.db_late_growth_from_day} (${figures.db_late_growth_ratio} of the first day's growth)${context}`,
      );
    });
  }
});
