-- Uptime. A reboot is worth a look, not an alarm: degraded while the host has been up for less
-- than recentRebootSeconds, and when uptime went backwards between two samples (a reboot that
-- happened between checks further apart than that).
if result_types.n == 0 then return "no_data" end
if result_types[result_types.n] ~= "plugin" then return "unknown" end
local now = values[values.n]
if now < (params.recentRebootSeconds or 3600) then return "degraded" end
local before = values[values.n - 1]
if before ~= nil and now < before then return "degraded" end
return "ok"
