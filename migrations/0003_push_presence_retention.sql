-- Push daemon support: presence shared between daemons and the REST workers, and the event
-- log's retention purge.
--
-- Presence: each push daemon keeps one row per user it holds at least one connection for, and a
-- heartbeat. A user is online while a daemon with a fresh heartbeat holds a row for them. The
-- tables are UNLOGGED (no WAL; emptied after a crash): their content is rebuilt by the daemons,
-- which rewrite their rows whenever they (re)connect.

CREATE UNLOGGED TABLE push_daemons (
    daemon_id    text PRIMARY KEY,
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNLOGGED TABLE push_presence (
    user_id   bigint NOT NULL,
    daemon_id text NOT NULL,
    since     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, daemon_id)
);
CREATE INDEX push_presence_by_daemon ON push_presence (daemon_id);

-- When a user was last connected anywhere (kept across restarts).
CREATE TABLE user_last_seen (
    user_id      bigint PRIMARY KEY,
    last_seen_at timestamptz NOT NULL
);

-- A daemon that missed its heartbeats this long is considered gone (crashed or cut off).
CREATE FUNCTION chat_presence_horizon() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT now() - interval '30 seconds'
$$;

CREATE FUNCTION chat_user_online(p_user bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM push_presence p JOIN push_daemons d ON d.daemon_id = p.daemon_id
                   WHERE p.user_id = p_user AND d.heartbeat_at > chat_presence_horizon())
$$;

-- Announces a user's new state to every daemon (each relays it to the user's contacts it serves).
CREATE FUNCTION chat_presence_announce(p_user bigint, p_online boolean, p_last_seen timestamptz) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_notify('chat_presence', json_build_object('userId', p_user, 'online', p_online, 'lastSeenAt', p_last_seen)::text)
$$;

-- One daemon's batch of transitions: users who got their first connection on it (p_online) and
-- users who closed their last one there (p_offline). A user whose overall state changed is announced.
CREATE FUNCTION chat_presence_update(p_daemon text, p_online bigint[], p_offline bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    u bigint;
    seen timestamptz;
BEGIN
    INSERT INTO push_daemons (daemon_id, heartbeat_at) VALUES (p_daemon, now())
    ON CONFLICT (daemon_id) DO UPDATE SET heartbeat_at = now();
    FOREACH u IN ARRAY p_online LOOP
        IF NOT chat_user_online(u) THEN
            PERFORM chat_presence_announce(u, true, NULL);
        END IF;
        INSERT INTO push_presence (user_id, daemon_id) VALUES (u, p_daemon) ON CONFLICT DO NOTHING;
    END LOOP;
    FOREACH u IN ARRAY p_offline LOOP
        DELETE FROM push_presence p WHERE p.user_id = u AND p.daemon_id = p_daemon;
        IF NOT chat_user_online(u) THEN
            seen := now();
            INSERT INTO user_last_seen (user_id, last_seen_at) VALUES (u, seen)
            ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at;
            PERFORM chat_presence_announce(u, false, seen);
        END IF;
    END LOOP;
END
$$;

-- A daemon (re)connecting: its old rows are dropped; it then re-adds the users it serves.
CREATE FUNCTION chat_presence_reset(p_daemon text) RETURNS void LANGUAGE sql AS $$
    DELETE FROM push_presence WHERE daemon_id = p_daemon;
    INSERT INTO push_daemons (daemon_id, heartbeat_at) VALUES (p_daemon, now())
    ON CONFLICT (daemon_id) DO UPDATE SET heartbeat_at = now();
$$;

-- Every few seconds from each daemon: refreshes its heartbeat and retires daemons that stopped
-- beating, announcing their users offline when no other daemon holds them.
CREATE FUNCTION chat_presence_heartbeat(p_daemon text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    gone text;
    u bigint;
BEGIN
    INSERT INTO push_daemons (daemon_id, heartbeat_at) VALUES (p_daemon, now())
    ON CONFLICT (daemon_id) DO UPDATE SET heartbeat_at = now();
    FOR gone IN SELECT d.daemon_id FROM push_daemons d WHERE d.heartbeat_at < chat_presence_horizon() FOR UPDATE SKIP LOCKED LOOP
        DELETE FROM push_daemons d WHERE d.daemon_id = gone;
        FOR u IN DELETE FROM push_presence p WHERE p.daemon_id = gone RETURNING p.user_id LOOP
            IF NOT chat_user_online(u) THEN
                INSERT INTO user_last_seen (user_id, last_seen_at) VALUES (u, now())
                ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at;
                PERFORM chat_presence_announce(u, false, now());
            END IF;
        END LOOP;
    END LOOP;
END
$$;

-- GET /api/users/:id/presence: visible to the user themself and to anyone sharing a conversation.
-- No row when the user is unknown or not visible to the viewer (the API answers 404 for both).
CREATE FUNCTION chat_user_presence(p_viewer bigint, p_user bigint)
RETURNS TABLE (online boolean, last_seen_at timestamptz) LANGUAGE sql STABLE AS $$
    SELECT chat_user_online(u.id),
           CASE WHEN chat_user_online(u.id) THEN NULL ELSE (SELECT s.last_seen_at FROM user_last_seen s WHERE s.user_id = u.id) END
    FROM users u
    WHERE u.id = p_user
      AND (p_viewer = p_user OR EXISTS (
          SELECT 1 FROM chat_room_users a JOIN chat_room_users b ON b.room_id = a.room_id
          WHERE a.user_id = p_viewer AND b.user_id = p_user))
$$;

-- Retention: deletes the oldest events past the window, at most p_batch per call. Events are
-- taken in id order (ids follow insertion time closely), so a call reads at most p_batch rows.
-- One daemon at a time does it (the others skip while the lock is held).
CREATE FUNCTION chat_purge_events(p_retention_hours integer, p_batch integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7283752) THEN
        RETURN 0;
    END IF;
    WITH oldest AS (SELECT e.id, e.created_at FROM chat_events e ORDER BY e.id LIMIT p_batch)
    DELETE FROM chat_events e USING oldest
    WHERE e.id = oldest.id AND oldest.created_at < now() - make_interval(hours => p_retention_hours);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
