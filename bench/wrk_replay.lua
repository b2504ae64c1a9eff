-- Replays pre-signed, distinct WeChat pushes (one per line: "path?query<TAB>body"). Run with one wrk thread.
-- With RATE set (requests/s), requests go out on a fixed schedule (one every 1000/RATE ms, by the monotonic
-- clock): a connection that is ready waits for the next free slot; when the server falls behind, ready
-- connections send at once, so the achieved rate shows the shortfall.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } replay_timespec;
int clock_gettime(int clk_id, replay_timespec *tp);
]]
local CLOCK_MONOTONIC, ts = 1, ffi.new("replay_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local reqs, idx, next_at = {}, 0, nil
local threads = {}
deferred = 0                 -- replies that said "稍后回复" (the overload path, bot/late.py)

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if body and body:find("稍后回复", 1, true) then deferred = deferred + 1 end
end
local rate = tonumber(os.getenv("RATE") or "0")

function init(args)
  local path = os.getenv("REQUESTS")
  for line in io.lines(path) do
    local tab = line:find("\t", 1, true)
    reqs[#reqs + 1] = wrk.format("POST", line:sub(1, tab - 1), {["Content-Type"] = "text/xml"}, line:sub(tab + 1))
  end
  idx = tonumber(os.getenv("OFFSET") or "0")
end

function request()
  idx = idx + 1
  if idx > #reqs then idx = 1 end
  return reqs[idx]
end

function delay()
  if rate <= 0 then return 0 end
  local t = now_ms()
  next_at = (next_at or t) + 1000 / rate
  if next_at <= t then return 0 end
  return math.floor(next_at - t)
end

function done(summary, latency, requests)
  local shed = 0
  for _, thread in ipairs(threads) do shed = shed + (thread:get("deferred") or 0) end
  io.write(string.format("RESULT requests=%d errors_status=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f duration_s=%.2f errors_timeout=%d deferred=%d\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.duration / 1e6, summary.errors.timeout, shed))
end
