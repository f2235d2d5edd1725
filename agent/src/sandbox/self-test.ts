import type { RunOutcome } from './output.js';
import type { PluginJob, PluginRunner } from './runner.js';

/** The value the self-test plugin computes inside the isolate. */
const SELF_TEST_VALUE = 42;

/**
 * A built-in plugin that proves a run really happened in an isolate: it computes its value
 * there, finds no Node.js globals, and makes one host call (`now`, granted to every plugin).
 */
const SELF_TEST_CODE = `
export async function measure(host, params) {
  const bare = typeof process === 'undefined' && typeof require === 'undefined' && typeof Buffer === 'undefined';
  const t = host.now();
  return { value: params.a * params.b, message: (bare ? 'isolated' : 'NOT ISOLATED') + (t > 0 ? '' : ' (no clock)') };
}
`;

export interface SelfTestOutcome {
  ok: boolean;
  outcome: RunOutcome;
  /** Why the self-test failed, when it did. */
  problem?: string;
}

/**
 * Runs the built-in plugin through `runner` (the real sandbox: sandbox process, native addon,
 * isolate) and checks what came back. `prophasis-agent sandbox-selftest` prints it, so an
 * operator can tell on the host itself whether plugins can run (docs/install-agent.md).
 */
export async function sandboxSelfTest(runner: Pick<PluginRunner, 'run'>): Promise<SelfTestOutcome> {
  const job: PluginJob = {
    manifest: { id: 'io.prophasis.agent.self-test', version: '1.0.0', main: 'self-test.js', capabilities: [] },
    code: SELF_TEST_CODE,
    approvedCapabilities: [],
    params: { a: 6, b: 7 },
  };
  const outcome = await runner.run(job);
  const problem =
    outcome.resultType !== 'plugin'
      ? `${outcome.resultType}: ${outcome.message ?? ''}`
      : outcome.value !== SELF_TEST_VALUE
        ? `expected the value ${SELF_TEST_VALUE}, got ${String(outcome.value)}`
        : outcome.message !== 'isolated'
          ? `the plugin said ${JSON.stringify(outcome.message)}`
          : undefined;
  return problem === undefined ? { ok: true, outcome } : { ok: false, outcome, problem };
}
