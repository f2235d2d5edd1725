-- MD RAID: the value is the number of degraded arrays. A degraded array that is rebuilding is
-- still at risk (one more disk and it is gone) but help is on the way: minor. A degraded array
-- that is not rebuilding needs a person: major. The plugin's message starts with
-- "N of M arrays degraded (K recovering)".
if result_types.n == 0 then return "no_data" end
if result_types[result_types.n] ~= "plugin" then return "unknown" end
local degraded = values[values.n]
if degraded == 0 then return "ok" end
local recovering = tonumber(string.match(messages[messages.n] or "", "%((%d+) recovering%)")) or 0
if degraded > recovering then return "major" end
return "minor"
