-- H2AC hook failures as every pool worker process and push daemon saw them, counted per minute,
-- so GET /api/h2ac/status shows them for the whole deployment (each process has its own Lua
-- states and would otherwise only know its own). Rows older than a day are purged by the reporters.
CREATE TABLE hook_failure_counts (
    minute     timestamptz NOT NULL,
    reporter   text NOT NULL,          -- "fcgi-app@host:pid", "push-daemon@host:pid"
    script     text NOT NULL,          -- "notifications.lua"
    function   text NOT NULL,          -- "on_message"
    kind       text NOT NULL CHECK (kind IN ('timeout', 'runtime', 'memory', 'malformed', 'suspended')),
    count      bigint NOT NULL CHECK (count > 0),
    last_at    timestamptz NOT NULL,
    last_error text,                   -- "lua/notifications.lua:4: time limit exceeded", input strings redacted
    PRIMARY KEY (minute, reporter, script, function, kind)
);
CREATE INDEX hook_failure_counts_last_at ON hook_failure_counts (last_at);
