-- GET of one fixed path (BENCH_PATH).
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
wrk.path = os.getenv("BENCH_PATH")
