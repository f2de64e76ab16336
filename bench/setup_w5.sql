-- W5 data: one user in :conversations direct conversations (each with a message), and one
-- conversation holding :messages messages. Bulk-loaded in SQL: this is set-up, not the workload.
INSERT INTO users (username, display_name)
SELECT 'w5_' || g, 'W5 ' || g FROM generate_series(0, :conversations) g
ON CONFLICT (username) DO NOTHING;

SELECT count(*) FROM (
    SELECT chat_send_message(d.room_id, me.id, 'hello ' || u.username, NULL, NULL, NULL, NULL)
    FROM users me
    JOIN users u ON u.username LIKE 'w5\_%' AND u.id <> me.id
    CROSS JOIN LATERAL chat_open_direct(me.id, u.id) d
    WHERE me.username = 'w5_0' AND d.created
) s;

-- The big conversation: w5_0 with w5_1; messages numbered after whatever is there.
-- (psql does not expand variables inside $$ quotes, so the count travels as a setting.)
SELECT set_config('bench.messages', :'messages', false);
DO $$
DECLARE
    room bigint;
    me bigint;
    other bigint;
    have bigint;
    wanted bigint := current_setting('bench.messages')::bigint;
BEGIN
    SELECT id INTO me FROM users WHERE username = 'w5_0';
    SELECT id INTO other FROM users WHERE username = 'w5_1';
    SELECT room_id INTO room FROM chat_open_direct(me, other);
    SELECT last_seq INTO have FROM chat_rooms WHERE id = room;
    IF have >= wanted THEN RETURN; END IF;
    INSERT INTO chat_messages (room_id, sender_id, seq, content)
    SELECT room, CASE WHEN g % 2 = 0 THEN me ELSE other END, g, 'milonga message number ' || g
    FROM generate_series(have + 1, wanted) g;
    UPDATE chat_rooms SET last_seq = wanted,
        last_message_id = (SELECT max(id) FROM chat_messages WHERE room_id = room), last_activity_at = now()
    WHERE id = room;
END
$$;
ANALYZE;
