-- Swap usage in percent, thresholds from the check's parameters. Some swap in use is normal
-- (idle pages pushed out); a steady climb while it is already high is what hurts, so the
-- minor threshold also fires on a rising trend above half of it.
if result_types.n == 0 then return "no_data" end
if result_types[result_types.n] ~= "plugin" then return "unknown" end
local used = values[values.n]
local minor = params.minorAbove or 50
if used > (params.majorAbove or 80) then return "major" end
if used > minor then return "minor" end
local slope = arraySlope(values)
if slope ~= nil and slope > 5 and used > minor / 2 then return "degraded" end
return "ok"
