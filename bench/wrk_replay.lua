-- Replays pre-signed, distinct WeChat pushes (one per line: "path?query<TAB>body"); each wrk thread takes its own
-- slice. With RATE set (requests/s for the whole run), each connection waits so the total stays near RATE.
local reqs, idx = {}, 0
local rate = tonumber(os.getenv("RATE") or "0")
local conns = tonumber(os.getenv("CONNS") or "1")

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
  if rate > 0 then return math.floor(1000 * conns / rate) end
  return 0
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors_status=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f duration_s=%.2f\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.duration / 1e6))
end
