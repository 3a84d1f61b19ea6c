-- PATCH this thread's projects in turn with If-Match, learning each new version from the
-- response.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local ids, versions
init = function() ids, versions = ids_from(os.getenv("BENCH_IDS")) end
wrk.headers["Content-Type"] = "application/json"
request = function()
  local id = next_id(ids)
  return wrk.format("PATCH", "/api/v1/projects/" .. id,
    with_headers({ ["If-Match"] = '"' .. versions[id] .. '"' }),
    '{"scale": "' .. math.random(1000) .. '公里"}')
end
response = function(status, headers, body)
  local id = body:match('"id":"([^"]+)"')
  local version = body:match('"version":(%d+)')
  if id and version then versions[id] = tonumber(version) end
end
