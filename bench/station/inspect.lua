-- wrk script: POST one typed MRZ to the station's inspection API.
-- Session cookie and CSRF token come from the environment (run.sh logs in).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "tdv_session=" .. os.getenv("TDV_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("TDV_CSRF")
wrk.body = os.getenv("TDV_BODY")

local bad = 0
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
