import { CLASSIFIER_SEVERITIES } from './types.js';

/**
 * The batch driver (trusted, run in the state's real globals after the prelude): one call
 * classifies every item of a batch that shares one classifier. JavaScript packs the windows into
 * one binary string (see {@link Sandbox.classifyBatch}); the driver unpacks each item into fresh
 * tables exactly as {@link Sandbox.classify} builds them (values with nil holes and n, messages,
 * result_types, a fresh copy of params, a fresh environment), calls `begin(fn, env)` (JavaScript:
 * sets the item's time budget, tells the watchdog which item runs and sets the chunk's _ENV),
 * runs the classifier under pcall, and collects one severity code per item plus the failures.
 */
export const DRIVER = String.raw`
local unpack, setmetatable, pcall, type, next, concat, rep, char = string.unpack, setmetatable, pcall, type, next, table.concat, string.rep, string.char
local pack, tunpack = table.pack, table.unpack
local SEV = {}
local CH = { [0] = char(0) }
for k, name in ipairs({ ${CLASSIFIER_SEVERITIES.map((s) => `"${s}"`).join(', ')} }) do SEV[name] = k; CH[k] = char(k) end
local FD, FI = {}, {}
local function fd(n) local f = FD[n]; if not f then f = "<" .. rep("d", n); FD[n] = f end; return f end
local function fi(n) local f = FI[n]; if not f then f = "<" .. rep("I4", n); FI[n] = f end; return f end
-- SAME[s]: an array of s repeated, at least n long (the result types of a window, all alike).
local SAME = {}
local function same(s, n)
  local t = SAME[s]
  if not t or #t < n then
    t = {}
    for k = 1, n do t[k] = s end
    SAME[s] = t
  end
  return t
end
local function copy(t)
  local c = {}
  for k, v in next, t do
    if type(v) == "table" then c[k] = copy(v) else c[k] = v end
  end
  return c
end
return function(fn, begin, meta, count, data, strs, params)
  local out, errs = {}, {}
  local pos = 1
  for i = 1, count do
    local n, mn, rn, pi, ti, fl
    n, mn, rn, pi, ti, fl, pos = unpack("<I4I4I4I4I4B", data, pos)
    local values = pack(unpack(fd(n), data, pos))
    pos = values[n + 1]; values[n + 1] = nil; values.n = n
    if fl & 1 ~= 0 then
      local nulls
      nulls, pos = unpack("<I4", data, pos)
      local ix = { unpack(fi(nulls), data, pos) }
      pos = ix[nulls + 1]
      for k = 1, nulls do values[ix[k]] = nil end
    end
    local messages
    if fl & 2 ~= 0 then
      local ix = { unpack(fi(mn), data, pos) }
      pos = ix[mn + 1]
      messages = { n = mn }
      for k = 1, mn do local s = ix[k]; if s > 0 then messages[k] = strs[s] end end
    else
      messages = { n = mn }
    end
    local types
    if fl & 4 ~= 0 then
      types = pack(unpack(fi(rn), data, pos))
      pos = types[rn + 1]; types[rn + 1] = nil; types.n = rn
      for k = 1, rn do types[k] = strs[types[k]] end
    else
      types = pack(tunpack(same(strs[ti], rn), 1, rn))
    end
    local env = setmetatable({ values = values, messages = messages, result_types = types, params = copy(params[pi]) }, meta)
    begin(fn, env)
    local ok, r = pcall(fn)
    local code = 0
    if ok then
      if type(r) == "string" then
        code = SEV[r]
        if not code then code = 0; errs[#errs + 1] = i; errs[#errs + 1] = "s"; errs[#errs + 1] = r end
      else
        errs[#errs + 1] = i; errs[#errs + 1] = "t"; errs[#errs + 1] = type(r)
      end
    else
      errs[#errs + 1] = i; errs[#errs + 1] = "e"; errs[#errs + 1] = type(r) == "string" and r or false
    end
    out[i] = CH[code]
  end
  return concat(out), errs
end`;
