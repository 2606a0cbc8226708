-- wrk script for the zc_httpd test and benchmark: GET /obj0 .. /objN-1
-- in turn on each connection (N from the environment, WRK_OBJECTS, default 8).
local n = tonumber(os.getenv("WRK_OBJECTS") or "8")
local i = 0

request = function()
	i = (i + 1) % n
	return wrk.format("GET", "/obj" .. i)
end
