/**
 * The trusted Lua prelude, run once per Lua state before any classifier. It sees the state's
 * real globals (base, table, string, math and utf8 only: io, os, debug, package and coroutine
 * are never opened) and returns the metatable of every classifier environment.
 *
 * A classifier runs with a fresh environment table per call whose `__index` is a shared,
 * read-only base built here from an allow-list, so:
 * - nothing outside the allow-list is reachable (`load`, `dofile`, `require`, raw access,
 *   metatable functions, `collectgarbage` are simply absent);
 * - globals a classifier writes vanish after the call and never leak into another classifier;
 * - library tables are read-only proxies, so `string.format = nil` cannot break the next call.
 * `string.dump` is removed from the real string table too, because strings reach it through
 * their metatable (`("").dump`), which the proxy does not cover.
 */
export const PRELUDE = String.raw`
local next, type, error, select, tostring = next, type, error, select, tostring
local setmetatable, rawpcall, rawxpcall = setmetatable, pcall, xpcall
local MEM = "not enough memory"

string.dump = nil

local function readonly(t, name)
  return setmetatable({}, {
    __index = t,
    __newindex = function() error(name .. " is read-only", 2) end,
    __pairs = function() return next, t, nil end,
    __len = function() return #t end,
    __metatable = false,
  })
end

-- pcall and xpcall must not swallow an out-of-memory error: the state is at its cap, and a
-- classifier that catches the error would only spin until its time limit.
local function rethrow(ok, ...)
  if not ok and (...) == MEM then error(MEM, 0) end
  return ok, ...
end
local function safe_pcall(f, ...) return rethrow(rawpcall(f, ...)) end
local function safe_xpcall(f, handler, ...)
  return rethrow(rawxpcall(f, function(e)
    if e == MEM then return MEM end
    return handler(e)
  end, ...))
end

-- Helpers see the window as 1..n, where n is arr.n when set (values and messages may hold
-- nils, so # is unreliable) and #arr otherwise. Nils and non-numbers are skipped.
local function len(arr)
  if type(arr) ~= "table" then error("expected an array, got " .. type(arr), 3) end
  local n = arr.n
  if type(n) ~= "number" then n = #arr end
  return n
end

local function arrayMax(arr)
  local m
  for i = 1, len(arr) do
    local v = arr[i]
    if type(v) == "number" and (m == nil or v > m) then m = v end
  end
  return m
end

local function arrayMin(arr)
  local m
  for i = 1, len(arr) do
    local v = arr[i]
    if type(v) == "number" and (m == nil or v < m) then m = v end
  end
  return m
end

local function arrayAvg(arr)
  local sum, count = 0, 0
  for i = 1, len(arr) do
    local v = arr[i]
    if type(v) == "number" then sum = sum + v; count = count + 1 end
  end
  if count == 0 then return nil end
  return sum / count
end

local function arrayContains(arr, value)
  for i = 1, len(arr) do
    if arr[i] ~= nil and arr[i] == value then return true end
  end
  return false
end

local function arrayCount(arr, value)
  local count = 0
  for i = 1, len(arr) do
    if arr[i] ~= nil and arr[i] == value then count = count + 1 end
  end
  return count
end

local function arrayCountAbove(arr, threshold)
  local count = 0
  for i = 1, len(arr) do
    local v = arr[i]
    if type(v) == "number" and v > threshold then count = count + 1 end
  end
  return count
end

local function arrayLast(arr)
  for i = len(arr), 1, -1 do
    if arr[i] ~= nil then return arr[i] end
  end
  return nil
end

-- Least-squares slope of value against position (change per sample), over the numeric
-- entries only, each at its own position in the window; nil with fewer than two points.
local function arraySlope(arr)
  local n, sx, sy, sxx, sxy = 0, 0, 0, 0, 0
  for i = 1, len(arr) do
    local v = arr[i]
    if type(v) == "number" then
      n = n + 1; sx = sx + i; sy = sy + v; sxx = sxx + i * i; sxy = sxy + i * v
    end
  end
  if n < 2 then return nil end
  local d = n * sxx - sx * sx
  if d == 0 then return nil end
  return (n * sxy - sx * sy) / d
end

local base = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs,
  pcall = safe_pcall, xpcall = safe_xpcall, select = select, tonumber = tonumber,
  tostring = tostring, type = type, _VERSION = _VERSION,
  print = function() end,
  unpack = table.unpack,
  string = readonly(string, "string"), table = readonly(table, "table"),
  math = readonly(math, "math"), utf8 = readonly(utf8, "utf8"),
  arrayMax = arrayMax, arrayMin = arrayMin, arrayAvg = arrayAvg,
  arrayContains = arrayContains, arrayCount = arrayCount,
  arrayCountAbove = arrayCountAbove, arrayLast = arrayLast, arraySlope = arraySlope,
}

return { __index = base, __metatable = false }
`;
