import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../../../bench/run.mjs', import.meta.url));

function bench(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
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

/** The failover bench refuses what it cannot run in one line, exit 2, before it starts anything. */
describe('failover bench refusals', function () {
  this.timeout(90_000);
  const withoutPg = { ...process.env };
  delete withoutPg.PROPHASIS_TEST_POSTGRES_URL;
  const withPg = { ...process.env, PROPHASIS_TEST_POSTGRES_URL: 'postgres://nobody@127.0.0.1:1/none' };
  const cases: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
    ['without PostgreSQL', ['failover'], withoutPg, /^bench: the failover bench needs PostgreSQL: PROPHASIS_TEST_POSTGRES_URL=.* or --pg-url URL$/],
    ['one core (nothing to fail over to)', ['failover', '--cores', '1'], withPg, /^bench: --cores must be an integer from 2 to 8$/],
    ['too short a run', ['failover', '--seconds', '5'], withPg, /^bench: --seconds must be at least 30$/],
  ];
  for (const [what, args, env, message] of cases) {
    it(`refuses ${what} in one line, exit code 2`, async () => {
      const { code, stdout, stderr } = await bench(args, env);
      assert.equal(code, 2, `exit code; stderr: ${stderr}`);
      assert.equal(stdout, '');
      const lines = stderr.trim().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0]!, message);
    });
  }
});
