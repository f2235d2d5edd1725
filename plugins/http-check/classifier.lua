-- HTTP(S) check: no answer, a wrong status or a missing keyword is major; repeated slow answers
-- are minor; a steady rise in response time is degraded before it becomes an outage.
if result_types.n == 0 then return "no_data" end
local last = result_types[result_types.n]
if last == "connection_error" or last == "connection_timeout" or last == "request_error" or last == "authentication_error" then
  return "major"
end
if last ~= "plugin" then return "unknown" end
if arrayCountAbove(values, params.slowAboveMs or 2000) >= 3 then return "minor" end
local slope = arraySlope(values)   -- ms per sample
local avg = arrayAvg(values)
if slope ~= nil and slope > 50 and avg > 500 then return "degraded" end
return "ok"
