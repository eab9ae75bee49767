-- wrk script for the rating page: the session cookie from WRK_COOKIE, a pause of WRK_PAUSE_MS between a
-- connection's requests (wrk's delay() hook), and the percentiles as one JSON line from done().
local pause = tonumber(os.getenv("WRK_PAUSE_MS") or "0")
wrk.headers["Cookie"] = os.getenv("WRK_COOKIE") or ""

function delay()
  return pause
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "requests": %d, ' ..
    '"duration_s": %.3f, "socket_errors": %d, "non2xx": %d}\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.timeout, e.status))
end
