dofile(os.getenv("BENCH_LUA") .. "/common.lua")
wrk.method = "POST"
wrk.path = "/api/v1/auth/login"
wrk.headers["Authorization"] = nil
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username": "' .. os.getenv("BENCH_USER") .. '", "password": "' .. os.getenv("BENCH_PASSWORD") .. '"}'
