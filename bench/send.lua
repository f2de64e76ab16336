-- wrk script for W1: each request sends one message as a random (sender, conversation) pair the
-- sender belongs to. Pairs come from the file named by $BENCH_PAIRS: "token conversationId" lines.
local pairs_list = {}

function init(args)
    for line in io.lines(os.getenv("BENCH_PAIRS")) do
        local token, conversation = line:match("^(%S+)%s+(%d+)$")
        if token then pairs_list[#pairs_list + 1] = { token = token, conversation = conversation } end
    end
    math.randomseed(os.time() + (tonumber(tostring(pairs_list):match("0x(%x+)"), 16) or 0))
end

local counter = 0

function request()
    counter = counter + 1
    local pick = pairs_list[math.random(#pairs_list)]
    local body = '{"content":"bench message ' .. counter .. '"}'
    return wrk.format("POST", "/api/messages/" .. pick.conversation, {
        ["Authorization"] = "Bearer " .. pick.token,
        ["Content-Type"] = "application/json",
    }, body)
end

function done(summary, latency, requests)
    io.stderr:write(string.format(
        "RESULT requests=%d duration_us=%d errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d p50_us=%d p99_us=%d max_us=%d\n",
        summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
        summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
