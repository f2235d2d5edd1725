-- Memory usage in percent, thresholds from the check's parameters.
if result_types.n == 0 then return "no_data" end
if result_types[result_types.n] ~= "plugin" then return "unknown" end
local used = values[values.n]
if used > (params.majorAbove or 95) then return "major" end
if used > (params.minorAbove or 85) then return "minor" end
return "ok"
