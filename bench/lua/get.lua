dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local ids
init = function() ids = ids_from(os.getenv("BENCH_IDS")) end
request = function()
  return wrk.format("GET", "/api/v1/projects/" .. ids[math.random(#ids)])
end
