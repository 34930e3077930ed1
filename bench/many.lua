-- GET with a different bearer token per request, read from $BENCH_TOKEN_FILE
-- (one access token a line), each sent once. After the last answer the thread
-- stops and creates $BENCH_DONE_FILE: wrk itself runs until its duration ends,
-- so the caller interrupts it then (SIGINT), and wrk reports. Run with one
-- thread. Prints one JSON line of results when done.
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKEN_FILE")) do
  tokens[#tokens + 1] = line
end
local sent, answered = 0, 0

request = function()
  sent = math.min(sent + 1, #tokens)
  wrk.headers["Authorization"] = "Bearer " .. tokens[sent]
  return wrk.format()
end

response = function(status, headers, body)
  answered = answered + 1
  if answered == #tokens then
    wrk.thread:stop()
    io.open(os.getenv("BENCH_DONE_FILE"), "w"):close()
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"status_errors":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
