-- TCP port: a port that refuses or does not answer is major; a slow handshake is minor.
if result_types.n == 0 then return "no_data" end
local last = result_types[result_types.n]
if last == "connection_error" or last == "connection_timeout" then return "major" end
if last ~= "plugin" then return "unknown" end
if values[values.n] > (params.slowAboveMs or 1000) then return "minor" end
return "ok"
