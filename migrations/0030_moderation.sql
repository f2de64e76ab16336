-- Protection and moderation (issue 15): blocks between users, reports of messages, moderators'
-- removals and suspensions, and the append-only audit log of what moderators did.

-- A blocker no longer hears from the blocked user: no direct messages either way, no presence or
-- typing of the blocker for the blocked, no toast or sound for the blocker in shared groups.
CREATE TABLE user_blocks (
    blocker_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
-- "Who blocked this user" (the send and open checks look both ways).
CREATE INDEX user_blocks_by_blocked ON user_blocks (blocked_id, blocker_id);

-- `admin` reads the moderation audit log; `moderator` acts on reports.
ALTER TABLE users DROP CONSTRAINT users_roles_check;
ALTER TABLE users ADD CONSTRAINT users_roles_check CHECK (roles <@ ARRAY['staff', 'moderator', 'admin']::text[]);

-- A suspension: every token of the user is refused until then, and lifts by itself when the
-- time has passed (AccountState.check compares it with the clock).
ALTER TABLE users ADD COLUMN suspended_until timestamptz;

-- Why a tombstone has no content when it was not its sender's or an admin's delete.
ALTER TABLE chat_messages ADD COLUMN removal text CHECK (removal IN ('moderation'));

CREATE TABLE message_reports (
    id          bigserial PRIMARY KEY,
    message_id  bigint NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    reporter_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      text NOT NULL CHECK (reason IN ('spam', 'harassment', 'hate', 'violence', 'sexual', 'self_harm', 'other')),
    note        text CHECK (char_length(note) <= 1000),
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'removed')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    resolved_by bigint REFERENCES users (id) ON DELETE SET NULL,
    -- One report per person and message: reporting again updates it while it is open.
    UNIQUE (message_id, reporter_id)
);
-- The moderators' queue: open reports, oldest first.
CREATE INDEX message_reports_open ON message_reports (id) WHERE status = 'open';

-- What moderators did. No foreign keys: the record outlives the users and messages it names.
CREATE TABLE moderation_audit (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor_id       bigint NOT NULL,
    action         text NOT NULL CHECK (action IN ('report_dismissed', 'message_removed', 'user_suspended', 'suspension_lifted')),
    target_user_id bigint,
    message_id     bigint,
    report_id      bigint,
    details        json NOT NULL DEFAULT '{}'
);

-- Append-only: rows can be added, never changed or taken away (the function's live definition
-- is migrations/functions/chat_audit_append_only.sql).
CREATE FUNCTION chat_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'moderation_audit is append-only' USING ERRCODE = 'CHAUD';
END
$$;
CREATE TRIGGER moderation_audit_no_update BEFORE UPDATE OR DELETE ON moderation_audit
    FOR EACH ROW EXECUTE FUNCTION chat_audit_append_only();
CREATE TRIGGER moderation_audit_no_truncate BEFORE TRUNCATE ON moderation_audit
    FOR EACH STATEMENT EXECUTE FUNCTION chat_audit_append_only();

-- Scrubbing a message's copies from the event log reads only the events younger than it: a BRIN
-- index on the (append-ordered) creation time costs next to nothing per insert.
CREATE INDEX chat_events_created_at ON chat_events USING brin (created_at);
