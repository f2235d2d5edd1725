import assert from 'node:assert/strict';
import { availableParallelism, loadavg } from 'node:os';
import { silentLogger } from '@prophasis/protocol';
import { createClassificationEngine, type ClassificationEngine, type ClassifierErrorKind, type ClassifyRequest } from '../../src/classification/index.js';
import { CLASSIFICATION_DEFAULTS } from '../../src/classification/config.js';

// A corpus of hostile classifiers run through the real engine (worker threads, wasm Lua).
// Each must end as `unknown` with the right error kind within 200 ms, and the engine must go
// on classifying good requests correctly afterwards. The 200 ms bound is the functional
// requirement of issue 7 (time limit 50 ms + the watchdog's grace), not a benchmark. It holds on
// a machine with CPU to spare; where other processes keep every core busy, wall time stretches
// with the run queue, so the bound is scaled by load / cores when that exceeds 1.
const loadFactor = (): number => Math.max(1, loadavg()[0]! / availableParallelism());
const boundMs = (): number => 200 * loadFactor();

const GOOD = `
  local peak = arrayMax(values)
  if peak > 90 then return "major" end
  if peak > 75 then return "minor" end
  return "ok"`;

function request(code: string, values: (number | null)[] = [10, 20, 95]): ClassifyRequest {
  return { classifierKey: 'test', code, values, messages: values.map(() => null), resultTypes: values.map(() => 'plugin'), params: {} };
}

const HOSTILE: [string, string, ClassifierErrorKind | ClassifierErrorKind[], RegExp?][] = [
  ['reads a file with io.open', 'local f = io.open("/etc/passwd") return f:read("a")', 'runtime', /global 'io'/],
  ['runs a command with os.execute', 'os.execute("touch /tmp/prophasis-pwned") return "ok"', 'runtime', /global 'os'/],
  ['requires a module', 'local m = require("os") return "ok"', 'runtime', /global 'require'/],
  ['loads code with load', 'return load("return 1")()', 'runtime', /global 'load'/],
  ['loads code with loadstring', 'return loadstring("return 1")()', 'runtime', /global 'loadstring'/],
  ['runs a file with dofile', 'return dofile("/etc/passwd")', 'runtime', /global 'dofile'/],
  ['loads a file with loadfile', 'return loadfile("/etc/passwd")()', 'runtime', /global 'loadfile'/],
  ['dumps bytecode with string.dump', 'return string.dump(function() end)', 'runtime', /field 'dump'/],
  ['dumps bytecode through the string metatable', 'return ("").dump(function() end)', 'runtime', /field 'dump'/],
  ['reaches the string metatable with getmetatable', 'local mt = getmetatable("") mt.__index.x = 1 return "ok"', 'runtime', /global 'getmetatable'/],
  ['replaces a metatable with setmetatable', 'setmetatable(_ENV, {}) return "ok"', 'runtime', /global 'setmetatable'/],
  ['bypasses read-only tables with rawset', 'rawset(string, "x", 1) return "ok"', 'runtime', /global 'rawset'/],
  ['reads raw with rawget', 'return rawget(string, "upper")', 'runtime', /global 'rawget'/],
  ['drives the collector', 'collectgarbage("stop") return "ok"', 'runtime', /global 'collectgarbage'/],
  ['installs a debug hook', 'debug.sethook(function() end, "", 1) return "ok"', 'runtime', /global 'debug'/],
  ['uses coroutines', 'local co = coroutine.create(function() end) return "ok"', 'runtime', /global 'coroutine'/],
  ['reaches the package table', 'package.path = "/tmp/?.lua" return "ok"', 'runtime', /global 'package'/],
  ['runs an endless loop', 'while true do end', 'timeout'],
  ['runs an endless loop inside pcall', 'pcall(function() while true do end end) return "ok"', 'timeout'],
  ['retries an endless loop inside pcall forever', 'while true do pcall(function() while true do end end) end', 'timeout'],
  ['runs an endless loop inside xpcall', 'xpcall(function() while true do end end, function() return "ok" end) return "ok"', 'timeout'],
  ['hangs inside a C function (pattern backtracking)', 'return ("a"):rep(100000):find(".-.-.-b") and "ok" or "ok"', 'timeout'],
  ['grows a string without end', 'local s = "x" while true do s = s .. s end', 'memory'],
  ['grows a string inside pcall and ignores the error', 'pcall(function() local s = "x" while true do s = s .. s end end) return "ok"', 'memory'],
  ['allocates a huge string at once', 'local s = string.rep("x", 1e9) return "ok"', 'memory'],
  ['allocates a huge table', 'local t = {} for i = 1, 1e9 do t[i] = i end return "ok"', 'memory'],
  // Which limit ends endless recursion first depends on the machine: its frames reach the 16 MiB cap after about
  // 60–100 ms of CPU (each new call frame is an allocation through the capped allocator), near the 50-ms time
  // limit — CI saw 'timeout' where a faster run sees 'memory'. Either ends it as unknown within the bound.
  ['recurses without end', 'local function f(n) return 1 + f(n + 1) end return f(1)', ['memory', 'timeout']],
  ['returns a number', 'return 5', 'invalid_return', /returned a number/],
  ['returns critical', 'return "critical"', 'invalid_return', /reserved for services/],
  ['returns nothing', 'local x = 1', 'invalid_return', /returned nothing/],
  ['returns an unknown name', 'return "fine"', 'invalid_return', /not a severity name/],
  ['has a syntax error', 'if values[1] > 3 then return "ok"', 'compile', /classifier:1: .*expected/],
  ['is precompiled bytecode', '\x1bLua\x54\x00', 'compile', /attempt to load a binary chunk/],
  ['raises an error', 'error("boom")', 'runtime', /classifier:1: boom/],
  ['raises a table as error', 'error({})', 'runtime', /error object is not a string/],
];

describe('classification engine: hostile classifiers', function () {
  this.timeout(30_000);
  let engine: ClassificationEngine;
  before(async () => {
    engine = createClassificationEngine({ ...CLASSIFICATION_DEFAULTS, workers: 2, timeoutMs: 50, killGraceMs: Math.round(100 * loadFactor()), memoryMiB: 16 }, { logger: silentLogger() });
    await engine.start();
  });
  after(() => engine.stop());

  for (const [name, code, kind, message] of HOSTILE) {
    it(`${name} → unknown (${[kind].flat().join(' or ')}) within 200 ms, then a good classifier still works`, async () => {
      const bound = boundMs();
      const started = performance.now();
      const [outcome] = await engine.classify([request(code)]);
      const elapsed = performance.now() - started;
      assert.equal(outcome!.severity, 'unknown');
      assert.ok(([kind].flat() as string[]).includes(outcome!.error?.kind ?? ''), `error: ${JSON.stringify(outcome!.error)}, expected ${[kind].flat().join(' or ')}`);
      if (message) assert.match(outcome!.error!.message, message);
      assert.ok(elapsed < bound, `took ${elapsed.toFixed(0)} ms (bound ${bound.toFixed(0)} ms)`);

      const good = await engine.classify([request(GOOD, [10, 80]), request(GOOD, [99]), request(GOOD, [1])]);
      assert.deepEqual(
        good.map((o) => o.severity),
        ['minor', 'major', 'ok'],
      );
    });
  }

  it('a hostile item in the middle of a batch does not disturb the other items', async () => {
    const batch = [
      ...Array.from({ length: 50 }, (_, i) => request(GOOD, [i, 95 - (i % 3) * 10])),
      request('while true do end'),
      request('return ("a"):rep(100000):find(".-.-.-b") and "ok" or "ok"'),
      ...Array.from({ length: 50 }, (_, i) => request(GOOD, [i])),
    ];
    const outcomes = await engine.classify(batch);
    assert.equal(outcomes.length, batch.length);
    for (let i = 0; i < 50; i++) assert.equal(outcomes[i]!.severity, ['major', 'minor', 'ok'][i % 3], `item ${i}`);
    assert.equal(outcomes[50]!.error?.kind, 'timeout');
    assert.equal(outcomes[51]!.error?.kind, 'timeout');
    for (let i = 52; i < batch.length; i++) assert.deepEqual(outcomes[i], { severity: 'ok' }, `item ${i}`);
  });

  it('the file the hostile os.execute named was never created', async () => {
    const { existsSync } = await import('node:fs');
    assert.equal(existsSync('/tmp/prophasis-pwned'), false);
  });
});
