-- SNMP uptime. A reboot is worth a look, not an alarm: degraded while the device has been up
-- for less than recentRebootSeconds, and when uptime went backwards between two samples (a
-- reboot between checks further apart than that). sysUpTime wraps after 497 days (2^32
-- hundredths of a second): a step back from near that is a wrap, not a reboot.
if result_types.n == 0 then return "no_data" end
local last = result_types[result_types.n]
if last == "connection_timeout" or last == "connection_error" or last == "authentication_error" then return "major" end
if last ~= "plugin" then return "unknown" end
local now = values[values.n]
if now < (params.recentRebootSeconds or 3600) then return "degraded" end
local before = values[values.n - 1]
if before ~= nil and now < before and before < 42900000 then return "degraded" end
return "ok"
