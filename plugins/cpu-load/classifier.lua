-- CPU load in percent; the original Prophasis example: the worst sample of the window decides.
-- With three samples, a single busy minute is already visible; lower "history" in a copy of
-- this plugin for a quieter alert.
if result_types.n == 0 then return "no_data" end
if result_types[result_types.n] ~= "plugin" then return "unknown" end
local peak = arrayMax(values)
if peak > (params.majorAbove or 90) then return "major" end
if peak > (params.minorAbove or 75) then return "minor" end
return "ok"
