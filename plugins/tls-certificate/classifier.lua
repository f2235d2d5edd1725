-- TLS certificate: days to expiry against thresholds from the check's parameters. An expired
-- certificate is major whatever the thresholds say. An unreachable server is unknown here (the
-- expiry is not known); watch reachability with the TCP port or HTTP(S) check.
if result_types.n == 0 then return "no_data" end
if result_types[result_types.n] ~= "plugin" then return "unknown" end
local days = values[values.n]
if days < 0 or days < (params.majorBelow or 7) then return "major" end
if days < (params.minorBelow or 21) then return "minor" end
local message = messages[messages.n] or ""
if params.requireTrusted ~= false and string.find(message, "NOT trusted", 1, true) then return "minor" end
if string.find(message, "NOT YET VALID", 1, true) then return "minor" end
return "ok"
