-- wrk script for W5: GET $BENCH_PATH with $BENCH_TOKEN.
function request()
    return wrk.format("GET", os.getenv("BENCH_PATH"), { ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN") })
end

function done(summary, latency, requests)
    io.stderr:write(string.format(
        "RESULT requests=%d duration_us=%d errors_status=%d p50_us=%d p99_us=%d max_us=%d\n",
        summary.requests, summary.duration, summary.errors.status, latency:percentile(50), latency:percentile(99), latency.max))
end
