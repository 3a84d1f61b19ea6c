-- A department office at month's end: registers projects, moves each one it registered to
-- preparation and files its first progress report. Every request is a write; each thread
-- walks its own projects, so no two requests in flight touch one project. The mix is about
-- a third each (a project's next step is taken as soon as its last answer arrives).
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
wrk.headers["Content-Type"] = "application/json"
local department = os.getenv("BENCH_DEPARTMENT")
local categories = { "ecosystem", "low_carbon", "pollution", "risk", "governance" }
local next_steps, registered = {}, 0 -- projects waiting for their next step: {id, version, step}

request = function()
  local project = table.remove(next_steps, 1)
  if project and project.step == "move" then
    return wrk.format("POST", "/api/v1/projects/" .. project.id .. "/transitions",
      with_headers({ ["If-Match"] = '"' .. project.version .. '"' }), '{"to": "preparation"}')
  elseif project then
    return wrk.format("POST", "/api/v1/projects/" .. project.id .. "/reports", nil,
      '{"period": "2025-11", "investment_completed": "125000.50", "physical_progress": 5, '
      .. '"summary": "完成前期勘察", "issues": ""}')
  end
  registered = registered + 1
  return wrk.format("POST", "/api/v1/projects", nil, string.format(
    '{"plan": "synthetic-bench", "category": "%s", "name": "月末登记项目 %d-%d", '
      .. '"lead_department": "%s", "location": "双江街道", "scale": "3公里", '
      .. '"start_year": 2025, "end_year": 2025, "investment": {"total": "2000000.00", "county": "500000.00"}}',
    categories[registered % #categories + 1], tid or 0, registered, department))
end

response = function(status, headers, body)
  local id = body:match('"id":"([^"]+)"')
  local version = body:match('"version":(%d+)')
  if status == 201 and body:match('"status":"reserve"') then
    next_steps[#next_steps + 1] = { id = id, version = version, step = "move" }
  elseif status == 200 and body:match('"status":"preparation"') then
    next_steps[#next_steps + 1] = { id = id, version = version, step = "report" }
  end
end
