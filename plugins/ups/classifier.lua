-- UPS (RFC 1628): on battery, a low or depleted battery is major; a charge below minorBelow
-- is minor; an unknown battery status is degraded.
if result_types.n == 0 then return "no_data" end
local last = result_types[result_types.n]
if last == "connection_timeout" or last == "connection_error" or last == "authentication_error" then return "major" end
if last ~= "plugin" then return "unknown" end
local message = messages[messages.n] or ""
if string.find(message, "on battery", 1, true) then return "major" end
if string.find(message, "battery low", 1, true) or string.find(message, "battery depleted", 1, true) then return "major" end
local charge = values[values.n]
if charge ~= nil and charge < (params.minorBelow or 50) then return "minor" end
if string.find(message, "battery status unknown", 1, true) or string.find(message, "battery unknown", 1, true) then return "degraded" end
return "ok"
