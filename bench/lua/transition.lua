-- Moves this thread's projects (all in reserve at the start) to preparation and back (a
-- plan office correction), with If-Match, learning version and status from each response.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local ids, versions
local statuses = {}
init = function() ids, versions = ids_from(os.getenv("BENCH_IDS")) end
wrk.headers["Content-Type"] = "application/json"
request = function()
  local id = next_id(ids)
  local body = '{"to": "preparation"}'
  if statuses[id] == "preparation" then body = '{"to": "reserve", "note": "基准测试"}' end
  return wrk.format("POST", "/api/v1/projects/" .. id .. "/transitions",
    with_headers({ ["If-Match"] = '"' .. versions[id] .. '"' }), body)
end
response = function(status, headers, body)
  local id = body:match('"id":"([^"]+)"')
  local version = body:match('"version":(%d+)')
  local state = body:match('"status":"(%a+)"')
  if id and version then versions[id] = tonumber(version); statuses[id] = state end
end
