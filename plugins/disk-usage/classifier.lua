-- Disk usage in percent, thresholds from the check's parameters. Besides the thresholds, a disk
-- filling fast (more than 2 points per sample over the window) is degraded before it is full.
if result_types.n == 0 then return "no_data" end
if result_types[result_types.n] ~= "plugin" then return "unknown" end
local used = values[values.n]
if used > (params.majorAbove or 95) then return "major" end
if used > (params.minorAbove or 85) then return "minor" end
local slope = arraySlope(values)
if slope ~= nil and slope > 2 then return "degraded" end
return "ok"
