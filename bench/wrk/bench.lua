-- wrk script for bench/run.py.
--
--   wrk ... -s bench/wrk/bench.lua URL -- get
--       the URL with wrk's -H headers (Cookie / Authorization / User-Agent).
--   wrk ... -s bench/wrk/bench.lua URL -- replay FILE NTHREADS [OFFSET]
--       walk FILE, one request a line: METHOD<TAB>PATH<TAB>BEARER-TOKEN<TAB>JSON-BODY (token/body may be
--       empty), skipping its first OFFSET lines (already used by an earlier run). Each thread takes every
--       NTHREADS-th line, so no request is sent twice, until a thread runs out; then it starts again from
--       its first line and counts the repeats in "wrapped".
--
-- Every response's status is counted (a 302 to /login would otherwise pass as a success), and done()
-- prints one line "BENCHJSON {...}" with the totals and exact latency percentiles (microseconds).

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local reqs = nil
local replay = false
local idx = 0
local served = 0
statuses = {}
wrapped = 0

function init(args)
  local mode = args[1] or "get"
  if mode == "replay" then
    replay = true
    local file, nthreads, offset = args[2], tonumber(args[3] or "1"), tonumber(args[4] or "0")
    reqs = {}
    local n = 0
    for line in io.lines(file) do
      if n >= offset and (n - offset) % nthreads == (id - 1) then
        local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
        local headers = {}
        if token ~= "" then headers["Authorization"] = "Bearer " .. token end
        if body ~= "" then headers["Content-Type"] = "application/json" else body = nil end
        table.insert(reqs, wrk.format(method, path, headers, body))
      end
      n = n + 1
    end
    if #reqs == 0 then
      io.stderr:write("bench.lua: no requests for thread " .. id .. " in " .. file .. "\n")
      os.exit(2)
    end
  else
    reqs = { wrk.format() }
  end
end

function request()
  idx = idx + 1
  served = served + 1
  if idx > #reqs then idx = 1 end
  if replay and served > #reqs then wrapped = wrapped + 1 end
  return reqs[idx]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local codes, wraps = {}, 0
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then
      for code, n in pairs(s) do codes[code] = (codes[code] or 0) + n end
    end
    wraps = wraps + (t:get("wrapped") or 0)
  end
  local parts = {}
  for code, n in pairs(codes) do table.insert(parts, string.format('"%d":%d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p75":%d,"p90":%d,"p95":%d,"p99":%d},' ..
    '"statuses":{%s},"wrapped":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), table.concat(parts, ","), wraps))
end
