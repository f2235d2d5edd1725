-- Ping: no reply at all (unreachable) or a name that does not resolve is major; losing more
-- than lossMajorAbovePct of the echoes is major, any loss above lossMinorAbovePct minor; a slow
-- average round trip is minor.
if result_types.n == 0 then return "no_data" end
local last = result_types[result_types.n]
if last == "connection_timeout" or last == "connection_error" then return "major" end
if last ~= "plugin" then return "unknown" end
local loss = tonumber(string.match(messages[messages.n] or "", "loss (%d+)%%")) or 0
if loss > (params.lossMajorAbovePct or 50) then return "major" end
if loss > (params.lossMinorAbovePct or 0) then return "minor" end
if values[values.n] > (params.slowAboveMs or 200) then return "minor" end
return "ok"
