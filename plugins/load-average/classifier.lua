-- Load average. Thresholds come from the check's parameters (see manifest.json), because what
-- counts as high depends on the number of CPUs: a load of 4 saturates 4 CPUs.
if result_types.n == 0 then return "no_data" end
if result_types[result_types.n] ~= "plugin" then return "unknown" end
local last = values[values.n]
local minor = params.minorAbove or 4
local major = params.majorAbove or 8
-- Major only when the whole window is above the threshold: one busy minute is not an incident.
if values.n >= 3 and arrayCountAbove(values, major) == values.n then return "major" end
if last > minor then return "minor" end
return "ok"
