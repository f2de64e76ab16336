-- Each user's unread total over all their conversations, kept by the write transactions, so the
-- push daemon reads a badge with one index probe instead of summing every membership of every
-- recipient for every event (issue 17, target 4). The total is exactly what the conversation list
-- sums: `greatest(last_seq - last_read_seq - unread_deleted, 0)` over every membership, muted
-- conversations included. No row means 0.
--
-- Triggers on chat_rooms (a send moves last_seq) and chat_room_users (joins, read markers,
-- tombstone counts, removals) record each statement's changes; chat_unread_apply adds them at
-- commit, in user id order (see chat_unread_defer for why). What it costs: a send now writes one
-- row per member whose count moved, and transactions that change the same user's total commit one
-- after the other (the row stays locked until the commit is durable). README (design notes) says more.
CREATE TABLE chat_user_unread (
    user_id bigint PRIMARY KEY REFERENCES users (id),
    total   bigint NOT NULL
);

-- The functions' live definitions are in migrations/functions/ (same names); they are created here
-- too, whole, so the triggers below count correctly from the moment this migration commits, before
-- the migrator re-applies the function files.
CREATE FUNCTION chat_unread_defer(p_users bigint[], p_deltas bigint[])
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF to_regclass('pg_temp.chat_unread_pending') IS NULL THEN
        -- Once per database session: private to it, never written to the WAL, emptied by every commit.
        CREATE TEMP TABLE chat_unread_pending (user_id bigint, delta bigint NOT NULL) ON COMMIT DELETE ROWS;
        CREATE CONSTRAINT TRIGGER chat_unread_apply AFTER INSERT ON pg_temp.chat_unread_pending
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.user_id IS NULL) EXECUTE FUNCTION chat_unread_apply();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_temp.chat_unread_pending) THEN
        INSERT INTO pg_temp.chat_unread_pending (user_id, delta) VALUES (NULL, 0);
    END IF;
    INSERT INTO pg_temp.chat_unread_pending (user_id, delta) SELECT * FROM unnest(p_users, p_deltas);
END
$function$
;

CREATE FUNCTION chat_unread_apply()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    WITH applied AS (DELETE FROM pg_temp.chat_unread_pending RETURNING user_id, delta)
    INSERT INTO chat_user_unread AS t (user_id, total)
    SELECT user_id, sum(delta) FROM applied WHERE user_id IS NOT NULL
    GROUP BY user_id HAVING sum(delta) <> 0 ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET total = t.total + excluded.total;
    RETURN NULL;
END
$function$
;

CREATE FUNCTION chat_unread_count_changed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    users bigint[];
    deltas bigint[];
BEGIN
    IF TG_TABLE_NAME = 'chat_rooms' THEN
        SELECT array_agg(c.user_id), array_agg(c.delta) INTO users, deltas
        FROM (SELECT m.user_id,
                     greatest(n.last_seq - m.last_read_seq - m.unread_deleted, 0)
                     - greatest(o.last_seq - m.last_read_seq - m.unread_deleted, 0) AS delta
              FROM new_rooms n JOIN old_rooms o ON o.id = n.id AND o.last_seq <> n.last_seq
              JOIN chat_room_users m ON m.room_id = n.id) c
        WHERE c.delta <> 0;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(c.user_id), array_agg(c.delta) INTO users, deltas
        FROM (SELECT n.user_id, greatest(r.last_seq - n.last_read_seq - n.unread_deleted, 0) AS delta
              FROM new_members n JOIN chat_rooms r ON r.id = n.room_id) c
        WHERE c.delta <> 0;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(c.user_id), array_agg(c.delta) INTO users, deltas
        FROM (SELECT o.user_id, -greatest(r.last_seq - o.last_read_seq - o.unread_deleted, 0) AS delta
              FROM old_members o JOIN chat_rooms r ON r.id = o.room_id) c
        WHERE c.delta <> 0;
    ELSE
        SELECT array_agg(c.user_id), array_agg(c.delta) INTO users, deltas
        FROM (SELECT n.user_id,
                     greatest(r.last_seq - n.last_read_seq - n.unread_deleted, 0)
                     - greatest(r.last_seq - o.last_read_seq - o.unread_deleted, 0) AS delta
              FROM new_members n JOIN old_members o ON o.room_id = n.room_id AND o.user_id = n.user_id
              JOIN chat_rooms r ON r.id = n.room_id
              WHERE (n.last_read_seq, n.unread_deleted) IS DISTINCT FROM (o.last_read_seq, o.unread_deleted)) c
        WHERE c.delta <> 0;
    END IF;
    IF users IS NOT NULL THEN
        PERFORM chat_unread_defer(users, deltas);
    END IF;
    RETURN NULL;
END
$function$
;

CREATE TRIGGER chat_unread_room_changed AFTER UPDATE ON chat_rooms
    REFERENCING OLD TABLE AS old_rooms NEW TABLE AS new_rooms
    FOR EACH STATEMENT EXECUTE FUNCTION chat_unread_count_changed();
CREATE TRIGGER chat_unread_member_added AFTER INSERT ON chat_room_users
    REFERENCING NEW TABLE AS new_members
    FOR EACH STATEMENT EXECUTE FUNCTION chat_unread_count_changed();
CREATE TRIGGER chat_unread_member_changed AFTER UPDATE ON chat_room_users
    REFERENCING OLD TABLE AS old_members NEW TABLE AS new_members
    FOR EACH STATEMENT EXECUTE FUNCTION chat_unread_count_changed();
CREATE TRIGGER chat_unread_member_removed AFTER DELETE ON chat_room_users
    REFERENCING OLD TABLE AS old_members
    FOR EACH STATEMENT EXECUTE FUNCTION chat_unread_count_changed();

-- After the triggers: creating them waited for every write in flight on both tables and holds
-- off new ones until this commits, so nothing is counted twice or missed.
INSERT INTO chat_user_unread (user_id, total)
SELECT m.user_id, sum(greatest(r.last_seq - m.last_read_seq - m.unread_deleted, 0))
FROM chat_room_users m JOIN chat_rooms r ON r.id = m.room_id
GROUP BY m.user_id
HAVING sum(greatest(r.last_seq - m.last_read_seq - m.unread_deleted, 0)) <> 0;
