-- Shared by every scenario: the token, a JSON line of results at the end.
token = os.getenv("BENCH_TOKEN")
wrk.headers["Authorization"] = "Bearer " .. token

-- Each wrk thread gets its own share of the ids, so that no two threads write one project.
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

-- Reads "id version" lines: this thread's ids, and their current versions. Call from
-- init(), which runs after setup() has told the thread its number.
function ids_from(path)
  local ids, versions, n = {}, {}, 0
  local share, count = tid or 0, tonumber(os.getenv("BENCH_THREADS") or "1")
  for line in io.lines(path) do
    local id, version = line:match("^(%S+)%s*(%d*)")
    if n % count == share then
      ids[#ids + 1] = id
      versions[id] = tonumber(version) or 1
    end
    n = n + 1
  end
  return ids, versions
end

-- Round robin over the thread's ids: requests in flight never share a project.
local next_index = 0
function next_id(ids)
  next_index = next_index % #ids + 1
  return ids[next_index]
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p99_ms": %.2f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end

-- wrk.format replaces wrk.headers with the headers it is given: merge them.
function with_headers(extra)
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  for name, value in pairs(extra) do headers[name] = value end
  return headers
end
