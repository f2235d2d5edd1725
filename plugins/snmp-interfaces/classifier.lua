-- SNMP interface: an interface that is not up (the message says "oper down", "oper
-- lowerLayerDown"...) is major unless expectDown; errors per second above errorsMinorAbove are
-- minor; traffic above majorAboveBps / minorAboveBps (0: off) is major / minor.
if result_types.n == 0 then return "no_data" end
local last = result_types[result_types.n]
if last == "connection_timeout" or last == "connection_error" or last == "authentication_error" then return "major" end
if last ~= "plugin" then return "unknown" end
local message = messages[messages.n] or ""
local oper = string.match(message, " oper (%w+),")
if oper ~= nil and oper ~= "up" and not params.expectDown then return "major" end
local errors = tonumber(string.match(message, "errors ([%d.]+)/s")) or 0
local value = values[values.n]
local major = params.majorAboveBps or 0
local minor = params.minorAboveBps or 0
if major > 0 and value > major then return "major" end
if errors > (params.errorsMinorAbove or 0) then return "minor" end
if minor > 0 and value > minor then return "minor" end
return "ok"
