-- SNMP OID: a numeric value against the thresholds of the check (each optional); a string
-- compared with expect is 1 (as expected) or 0 (major).
if result_types.n == 0 then return "no_data" end
local last = result_types[result_types.n]
if last == "connection_timeout" or last == "connection_error" or last == "authentication_error" then return "major" end
if last ~= "plugin" then return "unknown" end
local v = values[values.n]
if v == nil then return "ok" end
if params.expect ~= nil then
  if v == 1 then return "ok" end
  return "major"
end
if params.majorAbove ~= nil and v > params.majorAbove then return "major" end
if params.majorBelow ~= nil and v < params.majorBelow then return "major" end
if params.minorAbove ~= nil and v > params.minorAbove then return "minor" end
if params.minorBelow ~= nil and v < params.minorBelow then return "minor" end
return "ok"
