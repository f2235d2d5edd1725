import assert from 'node:assert/strict';
import { Sandbox, type SandboxItem } from '../../src/classification/sandbox.js';
import type { ClassifyOutcome } from '../../src/classification/types.js';

// Batched classification (issue 16): items sharing a classifier go into Lua in one call. Every
// item must get exactly the outcome a call of its own gives (docs/classifiers.md): the same
// windows (nil holes, n, messages, result types), fresh params and globals per item, and the
// same failures (runtime, invalid return, memory, timeout) confined to their item.

const LIMITS = { memoryBytes: 8 * 1024 * 1024, timeoutMs: 50, maxCompiled: 16 };

// One classifier that looks at everything a window offers and misbehaves on request.
const CODE = `
  if params.mode == "mutate" then params.major = -1; values[1] = 1000; messages[1] = "x"; result_types[1] = "y"; leaked = true end
  if leaked then return "degraded" end
  if params.mode == "error" then error("boom " .. tostring(values.n)) end
  if params.mode == "table-error" then error({}) end
  if params.mode == "number" then return 42 end
  if params.mode == "nil" then return nil end
  if params.mode == "bad" then return "fine" end
  if params.mode == "critical" then return "critical" end
  if params.mode == "memory" then local t = {} for i = 1, 1e7 do t[i] = i end return "ok" end
  if params.mode == "caught-memory" then pcall(function() local t = {} for i = 1, 1e7 do t[i] = i end end) return "ok" end
  if params.mode == "spin" then while true do end end
  if params.nested and params.nested.list[2] ~= "b" then return "unknown" end
  local parts = { tostring(values.n), tostring(#messages), tostring(messages.n), tostring(result_types.n) }
  for i = 1, values.n do parts[#parts + 1] = values[i] == nil and "_" or tostring(values[i]) end
  for i = 1, messages.n do if messages[i] ~= nil then parts[#parts + 1] = "m:" .. messages[i] end end
  for i = 1, result_types.n do parts[#parts + 1] = result_types[i] end
  local s = table.concat(parts, ",")
  if s:find("connection_error") then return "major" end
  if s:find("_", 1, true) then return "minor" end
  if s:find("disk full") then return "no_data" end
  local peak = arrayMax(values)
  if peak and peak > params.major then return "major" end
  return "ok"`;

function item(values: (number | null)[], params: Record<string, unknown> = { major: 90 }, messages?: (string | null)[], resultTypes?: string[]): SandboxItem {
  return {
    key: 'k',
    values,
    messages: messages ?? values.map(() => null),
    resultTypes: resultTypes ?? values.map(() => 'plugin'),
    params: params as SandboxItem['params'],
  };
}

const shared = { major: 90 };
const ITEMS: SandboxItem[] = [
  item([1, 2, 3], shared),
  item([95], shared),
  item([1, null, 3], shared),
  item([], shared),
  item([10, 20], shared, ['a', null], ['plugin', 'plugin']),
  item([10, 20], shared, [null, 'disk full']),
  item([10, 20], shared, [null, null], ['plugin', 'connection_error']),
  item([NaN, Infinity, -0], shared),
  item([50], { mode: 'mutate', major: 1 }),
  item([95], shared), // after a classifier mutated its params, window and globals: nothing leaked
  item([1], { mode: 'error' }),
  item([1], { mode: 'table-error' }),
  item([1], { mode: 'number' }),
  item([1], { mode: 'nil' }),
  item([1], { mode: 'bad' }),
  item([1], { mode: 'critical' }),
  item([1], { mode: 'memory' }),
  item([80], { major: 70 }),
  item([1], { mode: 'caught-memory' }),
  item([5], { major: 1, nested: { list: ['a', 'b'] } }),
  item([5], { major: 1, nested: { list: ['a', 'c'] } }),
  item(Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? null : i)), { major: 1000 }),
  item([1], {}),
];

async function oneByOne(items: readonly SandboxItem[]): Promise<ClassifyOutcome[]> {
  const sandbox = await Sandbox.create(LIMITS);
  const out = items.map((i) => sandbox.classify(i, CODE));
  sandbox.close();
  return out;
}

describe('batched classification (one call into Lua per classifier)', function () {
  this.timeout(60_000);

  it('gives every item the outcome a call of its own gives', async () => {
    const expected = await oneByOne(ITEMS);
    // The fixture covers what it claims: failures of each kind and plain severities.
    assert.deepEqual(new Set(expected.map((o) => o.error?.kind ?? o.severity)), new Set(['ok', 'major', 'minor', 'no_data', 'degraded', 'unknown', 'runtime', 'invalid_return', 'memory']));
    const sandbox = await Sandbox.create(LIMITS);
    const begun: number[] = [];
    const got = sandbox.classifyBatch(ITEMS, 'k', CODE, (j) => begun.push(j));
    assert.deepEqual(got, expected);
    assert.deepEqual(begun, ITEMS.map((_, j) => j));
    // And again on the same state: nothing a batch left behind changes the next one.
    assert.deepEqual(sandbox.classifyBatch(ITEMS, 'k', CODE), expected);
    sandbox.close();
  });

  it('batch after batch, the Lua heap does not grow (freed blocks recycled by the allocator are accounted as free)', async () => {
    const sandbox = await Sandbox.create(LIMITS);
    const plain = ITEMS.filter((i) => !i.params?.mode);
    const expected = await oneByOne(plain);
    sandbox.classifyBatch(plain, 'k', CODE);
    const after1 = sandbox.heapBytes;
    for (let k = 0; k < 200; k++) assert.deepEqual(sandbox.classifyBatch(plain, 'k', CODE), expected);
    assert.ok(sandbox.heapBytes < after1 + 256 * 1024, `heap ${sandbox.heapBytes} after 200 batches, ${after1} after one`);
    sandbox.close();
  });

  it('a compile error fails every item of the batch as compile', async () => {
    const sandbox = await Sandbox.create(LIMITS);
    const got = sandbox.classifyBatch([item([1]), item([2])], 'bad', 'return (');
    assert.equal(got.length, 2);
    for (const o of got) assert.equal(o?.error?.kind, 'compile');
    sandbox.close();
  });

  it('a timeout settles the item that ran and leaves the others to run again on a new sandbox', async () => {
    const sandbox = await Sandbox.create(LIMITS);
    const items = [item([1], shared), item([95], shared), item([1], { mode: 'spin' }), item([95], shared)];
    const got = sandbox.classifyBatch(items, 'k', CODE);
    assert.equal(sandbox.broken, true);
    assert.equal(got[2]?.error?.kind, 'timeout');
    assert.deepEqual([got[0], got[1], got[3]], [undefined, undefined, undefined]);
    const fresh = await Sandbox.create(LIMITS);
    assert.deepEqual(fresh.classifyBatch([items[0]!, items[1]!, items[3]!], 'k', CODE), [{ severity: 'ok' }, { severity: 'major' }, { severity: 'major' }]);
    fresh.close();
  });
});
