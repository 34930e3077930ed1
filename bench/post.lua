-- POST a JSON body. Refresh mode ($BENCH_TOKENS, comma-separated): each thread
-- keeps one refresh-token chain and sends the successor it was last given, so
-- run one connection per thread. Login mode: $BENCH_BODY is sent as is.
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do
  table.insert(tokens, token)
end
local next_index = 1

setup = function(thread)
  if #tokens > 0 then
    thread:set("token", tokens[next_index])
    next_index = next_index + 1
  end
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  if token then
    return wrk.format(nil, nil, nil, '{"refresh":"' .. token .. '"}')
  end
  return wrk.format(nil, nil, nil, os.getenv("BENCH_BODY"))
end

response = function(status, headers, body)
  if token and status == 200 then
    token = string.match(body, '"refresh"%s*:%s*"([^"]+)"') or token
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
