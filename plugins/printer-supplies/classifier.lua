-- Printer supplies: the lowest supply (toner, ink, drum...) in percent of its capacity.
if result_types.n == 0 then return "no_data" end
local last = result_types[result_types.n]
if last == "connection_timeout" or last == "connection_error" or last == "authentication_error" then return "major" end
if last ~= "plugin" then return "unknown" end
local lowest = values[values.n]
if lowest == nil then return "ok" end
if lowest < (params.majorBelow or 5) then return "major" end
if lowest < (params.minorBelow or 15) then return "minor" end
return "ok"
