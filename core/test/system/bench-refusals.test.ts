import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../../../bench/run.mjs', import.meta.url));

/** Runs `npm run bench -- ARGS` (bench/run.mjs on this Node) without PostgreSQL configured. */
function bench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.PROPHASIS_TEST_POSTGRES_URL;
    const child = spawn(process.execPath, [RUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const bound = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(bound);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A bench given a wrong option or missing its database says so in one line and exits 2, before
 * it starts anything (issue #16: `npm run bench -- ingest` without PostgreSQL stopped with a stack trace).
 */
describe('bench refusals (bench/_args.ts refuse)', function () {
  this.timeout(90_000);
  const cases: [string, string[], RegExp][] = [
    ['ingest --db postgres without a PostgreSQL URL', ['ingest', '--db', 'postgres'], /^bench: PostgreSQL needs PROPHASIS_TEST_POSTGRES_URL=postgres:\/\/USER@HOST:5432\/DB or --pg-url URL$/],
    ['soak --db postgres without a PostgreSQL URL', ['soak', '--db', 'postgres'], /^bench: --db postgres needs PROPHASIS_TEST_POSTGRES_URL or --pg-url$/],
    ['a number option that is not a number', ['ingest', '--seconds', 'ten'], /^bench: --seconds needs a number, got "ten"$/],
    ['an unknown option', ['soak', '--hostz', '5'], /^bench: Unknown option '--hostz'.*; options: .*--hosts/],
    ['storage with an unknown database', ['storage', '--db', 'oracle'], /^bench: --db must be sqlite, postgres or both, not oracle$/],
  ];
  for (const [what, args, message] of cases) {
    it(`refuses ${what} in one line, without a stack trace, exit code 2`, async () => {
      const { code, stdout, stderr } = await bench(args);
      assert.equal(code, 2, `exit code; stderr: ${stderr}`);
      assert.equal(stdout, '');
      const lines = stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line, not a stack trace:\n${stderr}`);
      assert.match(lines[0]!, message);
    });
  }
});
