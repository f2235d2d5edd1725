-- Process count: major when fewer than minCount run (default 1: the process is gone), minor
-- when more than maxCount run (only when maxCount is set).
if result_types.n == 0 then return "no_data" end
if result_types[result_types.n] ~= "plugin" then return "unknown" end
local count = values[values.n]
if count < (params.minCount or 1) then return "major" end
if params.maxCount ~= nil and count > params.maxCount then return "minor" end
return "ok"
