-- wrk script for W5, W6 and W8: GET $BENCH_PATH, each request with the next of $BENCH_TOKENS
-- (tokens of one user, space-separated). nginx limits each bearer token's requests
-- (messaging-limits.conf: 100 a second in the bench), which would pace a closed loop on one
-- token to 10 ms a request; the latency measured here is the server's, so the loop spreads its
-- requests over enough tokens to stay under that limit.
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS"), "%S+") do tokens[#tokens + 1] = token end
local counter = 0

function request()
    counter = counter + 1
    return wrk.format("GET", os.getenv("BENCH_PATH"), { ["Authorization"] = "Bearer " .. tokens[counter % #tokens + 1] })
end

function done(summary, latency, requests)
    io.stderr:write(string.format(
        "RESULT requests=%d duration_us=%d errors_status=%d p50_us=%d p99_us=%d max_us=%d\n",
        summary.requests, summary.duration, summary.errors.status, latency:percentile(50), latency:percentile(99), latency.max))
end
