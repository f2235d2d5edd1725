import assert from 'node:assert/strict';
import { Sandbox, type SandboxItem } from './sandbox.js';

// The sandbox driven directly (in production only workers own one): the classifier contract
// and the helpers, item by item. Hostile classifiers are covered through the engine in
// test/classification/hostile.test.ts, where the worker pool's own limits apply too.

const LIMITS = { memoryBytes: 16 * 1024 * 1024, timeoutMs: 1000, maxCompiled: 8 };

function window(values: (number | null)[], messages?: (string | null)[], resultTypes?: string[]): Omit<SandboxItem, 'key'> {
  return {
    values,
    messages: messages ?? values.map(() => null),
    resultTypes: resultTypes ?? values.map(() => 'plugin'),
  };
}

describe('classification sandbox', () => {
  let sandbox: Sandbox;
  let seq = 0;
  before(async () => {
    sandbox = await Sandbox.create(LIMITS);
  });
  after(() => sandbox.close());

  /** Runs `code` (a fresh key each time unless given) and returns the severity or `kind: message`. */
  function run(code: string, w: Omit<SandboxItem, 'key'>, params?: SandboxItem['params'], key = `k${seq++}`): string {
    const out = sandbox.classify({ key, ...w, params }, code);
    assert.equal(sandbox.broken, false);
    return out.error ? `${out.error.kind}: ${out.error.message}` : out.severity;
  }

  /** Evaluates a Lua expression and returns it as a string through the `message` trick: the classifier errors with the value. */
  function evaluate(expr: string, w: Omit<SandboxItem, 'key'>): string {
    const out = sandbox.classify({ key: `e${seq++}`, ...w }, `error(tostring(${expr}), 0)`);
    assert.equal(out.error?.kind, 'runtime');
    return out.error!.message;
  }

  describe('the original CPU classifier (arrayMax thresholds)', () => {
    const CPU = `
      local peak = arrayMax(values)
      if peak > 90 then return "major" end
      if peak > 75 then return "minor" end
      return "ok"`;
    const cases: [string, (number | null)[], string][] = [
      ['all low', [5, 10, 20, 30, 40], 'ok'],
      ['exactly 75 is still ok', [75, 75, 75], 'ok'],
      ['one sample above 75', [10, 76, 20], 'minor'],
      ['exactly 90 is minor', [90, 10], 'minor'],
      ['one spike above 90 in the oldest slot', [95, 10, 10, 10, 10, 10, 10, 10, 10, 10], 'major'],
      ['newest sample above 90', [10, 20, 30, 91.5], 'major'],
      ['gaps (results without value) are skipped', [null, 80, null, 12], 'minor'],
    ];
    for (const [name, values, expected] of cases) {
      it(`${name} → ${expected}`, () => assert.equal(run(CPU, window(values), undefined, 'cpu'), expected));
    }
    it('an empty window makes arrayMax nil, so the comparison errors → unknown (runtime)', () => {
      assert.match(run(CPU, window([null, null])), /^runtime: classifier:3: attempt to compare (nil with number|number with nil)/);
    });
    it('compiles the classifier once and reuses it', () => {
      const before = sandbox.compiledCount;
      for (let i = 0; i < 20; i++) run(CPU, window([i]), undefined, 'cpu-once');
      assert.equal(sandbox.compiledCount, before + 1);
    });
  });

  describe('globals', () => {
    it('values, messages and result_types are arrays oldest first with n set; nil where absent', () => {
      const w = window([1, null, 3], ['a', null, 'c'], ['plugin', 'connection_error', 'plugin']);
      assert.equal(evaluate('values.n .. "," .. tostring(values[1]) .. "," .. tostring(values[2]) .. "," .. tostring(values[3])', w), '3,1.0,nil,3.0');
      assert.equal(evaluate('messages.n .. messages[1] .. tostring(messages[2]) .. messages[3]', w), '3anilc');
      assert.equal(evaluate('result_types.n .. result_types[2]', w), '3connection_error');
    });
    it('params holds the check parameters, nested values included', () => {
      const out = run('if params.threshold == 80 and params.mount == "/" and params.tags[2] == "b" and params.opts.strict then return "degraded" end return "ok"', window([1]), {
        threshold: 80,
        mount: '/',
        tags: ['a', 'b'],
        opts: { strict: true },
      });
      assert.equal(out, 'degraded');
    });
    it('params is an empty table when the check has none', () => {
      assert.equal(run('if next(params) == nil then return "ok" end return "major"', window([1])), 'ok');
    });
    it('messages and result types can drive the severity', () => {
      const code = `
        if arrayCount(result_types, "connection_timeout") >= 2 then return "major" end
        if arrayContains(messages, "degraded array") then return "degraded" end
        return "ok"`;
      assert.equal(run(code, window([1, 1, 1], [null, 'degraded array', null])), 'degraded');
      assert.equal(run(code, window([null, null, 1], null as never, ['connection_timeout', 'connection_timeout', 'plugin'])), 'major');
    });
    it('every severity but critical may be returned', () => {
      for (const s of ['major', 'minor', 'degraded', 'unknown', 'ok', 'no_data']) assert.equal(run(`return "${s}"`, window([1])), s);
      assert.match(run('return "critical"', window([1])), /^invalid_return: .*reserved for services/);
    });
    it('globals written by one call do not survive into the next', () => {
      assert.equal(run('counter = (counter or 0) + 1 return counter == 1 and "ok" or "major"', window([1]), undefined, 'counter'), 'ok');
      assert.equal(run('counter = (counter or 0) + 1 return counter == 1 and "ok" or "major"', window([1]), undefined, 'counter'), 'ok');
      assert.equal(run('arrayMax = nil return "ok"', window([1])), 'ok');
      assert.equal(run('return arrayMax(values) == 7 and "ok" or "major"', window([7])), 'ok');
    });
    it('library tables are read-only but still iterable', () => {
      assert.match(run('math.max = nil return "ok"', window([1])), /^runtime: classifier:1: math is read-only/);
      assert.equal(run('local n = 0 for _ in pairs(math) do n = n + 1 end return n > 20 and "ok" or "major"', window([1])), 'ok');
      assert.equal(run('return ("%d"):format(3) == "3" and string.upper("ok") == "OK" and "ok" or "major"', window([1])), 'ok');
    });
  });

  describe('helpers', () => {
    const w = window([3, null, 9, -2, 7]);
    const cases: [string, string][] = [
      ['arrayMax(values)', '9.0'],
      ['arrayMin(values)', '-2.0'],
      ['arrayAvg(values)', '4.25'],
      ['arrayAvg({n = 3})', 'nil'],
      ['arrayMax({})', 'nil'],
      ['arrayContains(values, 9)', 'true'],
      ['arrayContains(values, 4)', 'false'],
      ['arrayContains(values, nil)', 'false'],
      ['arrayCount({1, 2, 1, 1, n = 4}, 1)', '3'],
      ['arrayCount(values, 100)', '0'],
      ['arrayCountAbove(values, 3)', '2'],
      ['arrayCountAbove(values, -10)', '4'],
      ['arrayLast(values)', '7.0'],
      ['arrayLast({1, 2, nil, n = 3})', '2'],
      ['arrayLast({n = 0})', 'nil'],
      ['arraySlope({1, 2, 3, 4})', '1.0'],
      ['arraySlope({10, 8, 6, 4})', '-2.0'],
      ['arraySlope({5, 5, 5})', '0.0'],
      // gaps keep their positions: 1 at x=1 and 5 at x=3 → slope 2
      ['arraySlope({1, nil, 5, n = 3})', '2.0'],
      ['arraySlope({42})', 'nil'],
      ['arraySlope({n = 0})', 'nil'],
    ];
    for (const [expr, expected] of cases) {
      it(`${expr} = ${expected}`, () => assert.equal(evaluate(expr, w), expected));
    }
    it('a helper given a non-table errors with a clear message', () => {
      assert.match(run('local m = arrayMax(5) return m', window([1])), /^runtime: classifier:1: expected an array, got number/);
    });
  });

  describe('bounded compile cache', () => {
    it('drops the least recently used classifiers beyond maxCompiled and recompiles them on demand', async () => {
      const small = await Sandbox.create({ ...LIMITS, maxCompiled: 3 });
      try {
        for (let i = 0; i < 10; i++) {
          const out = small.classify({ key: `c${i}`, ...window([i]) }, `return values[1] == ${i} and "ok" or "major"`);
          assert.equal(out.severity, 'ok');
        }
        assert.equal(small.compiledCount, 3);
        assert.equal(small.classify({ key: 'c0', ...window([0]) }, 'return values[1] == 0 and "ok" or "major"').severity, 'ok');
        assert.equal(small.classify({ key: 'c9', ...window([9]) }, undefined).severity, 'ok', 'c9 is still cached: no code needed');
      } finally {
        small.close();
      }
    });
  });
});
