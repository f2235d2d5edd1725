-- Agent self-check: the value is the outbox depth (results waiting for the broker). A result
-- that arrives at all proves the agent delivers again, so a deep outbox is a backlog draining
-- or a broker that acknowledges slowly.
if result_types.n == 0 then return "no_data" end
if result_types[result_types.n] ~= "plugin" then return "unknown" end
local depth = values[values.n]
if depth > (params.majorAbove or 10000) then return "major" end
if depth > (params.minorAbove or 100) then return "minor" end
local message = messages[messages.n] or ""
if params.degradedOnError ~= false and not string.find(message, "last error: none", 1, true) then return "degraded" end
return "ok"
