-- Per-user token buckets (RateLimits in Swift, chat_rate_take in functions/). UNLOGGED: a bucket
-- is worth nothing after a crash (everyone starts with a full one), so it costs no WAL or fsync,
-- and standbys do not carry it (after a failover the buckets start full).
CREATE UNLOGGED TABLE rate_limit_buckets (
    user_id      bigint NOT NULL,
    action       text NOT NULL,
    tokens       double precision NOT NULL,
    refreshed_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, action)
);

-- One user's own limits (messaging-admin rate-limit set), in place of the configured ones.
CREATE TABLE rate_limit_overrides (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    action     text NOT NULL,
    per_second double precision NOT NULL CHECK (per_second > 0),
    burst      integer NOT NULL CHECK (burst >= 1),
    PRIMARY KEY (user_id, action)
);
