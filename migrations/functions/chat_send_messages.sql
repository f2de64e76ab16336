-- The live definition of chat_send_messages: edit it here; the migrator re-applies this file when it changes.
-- Stores a batch of sends in one transaction (the pool's group commit, and each lone send).
-- An item with "ratePerSecond" and "rateBurst" first takes a token of its sender's `send` bucket
-- (chat_rate_take) in this same transaction: one commit and one WAL flush for the check and the
-- send, where a check of its own cost a commit of its own (issue 17). A refused item stores
-- nothing and comes back with retry_after_ms and the policy that refused it (the user's override
-- or the one given); a stored one with its message. Buckets are taken first, in sender order,
-- then the sends in room order, so concurrent batches lock rows in one order.
-- It keeps the users' unread totals itself (migration 0051; the triggers stand aside while
-- chat.unread_by_send is on): each send adds one for every member it leaves a message to read
-- and clears the sender's, and the totals are written last, in user order, as chat_unread_apply
-- writes them at commit. So this call must be its transaction's last writer, as the pool's send
-- transaction makes it.
CREATE OR REPLACE FUNCTION public.chat_send_messages(p_items json)
 RETURNS TABLE(item integer, message json, created boolean, retry_after_ms bigint, limit_burst integer, limit_per_second double precision)
 LANGUAGE plpgsql
AS $function$
DECLARE
    x record;
    t record;
    sent record;
    refused integer[] := '{}';
    seq_before bigint;
    sender_unread bigint;
    unread_users bigint[] := '{}';
    unread_deltas bigint[] := '{}';
BEGIN
    FOR x IN
        SELECT r.i, r.sender, r."ratePerSecond", r."rateBurst"
        FROM json_to_recordset(p_items) AS r(i integer, sender bigint, "ratePerSecond" double precision, "rateBurst" integer)
        WHERE r."ratePerSecond" IS NOT NULL
        ORDER BY r.sender, r.i
    LOOP
        SELECT * INTO t FROM chat_rate_take(x.sender, 'send', x."ratePerSecond", x."rateBurst");
        IF NOT t.allowed THEN
            refused := refused || x.i;
            RETURN QUERY SELECT x.i, NULL::json, false, t.retry_after_ms, t.burst, t.per_second;
        END IF;
    END LOOP;
    PERFORM set_config('chat.unread_by_send', 'on', true);
    FOR x IN
        SELECT * FROM json_to_recordset(p_items) AS r(i integer, room bigint, sender bigint, content text, "mediaUrl" text,
                                                      "mediaType" text, "clientMessageId" text, "replyToId" bigint)
        WHERE NOT r.i = ANY (refused)
        ORDER BY r.room, r.i
    LOOP
        -- The room's row, then the sender's membership, as chat_send_message takes them: what
        -- the counts were just before this send.
        SELECT r.last_seq INTO seq_before FROM chat_rooms r WHERE r.id = x.room FOR NO KEY UPDATE;
        SELECT greatest(seq_before - m.last_read_seq - m.unread_deleted, 0) INTO sender_unread
        FROM chat_room_users m WHERE m.room_id = x.room AND m.user_id = x.sender FOR UPDATE;
        SELECT * INTO sent FROM chat_send_message(x.room, x.sender, x.content, x."mediaUrl", x."mediaType", x."clientMessageId", x."replyToId");
        RETURN QUERY SELECT x.i, sent.message, sent.created, NULL::bigint, NULL::integer, NULL::double precision;
        IF sent.created THEN
            -- The sender has now read everything; every other member whose count was not already
            -- past the room's end (chat_unread_count_changed's greatest(..., 0)) has one more.
            unread_users := unread_users || x.sender;
            unread_deltas := unread_deltas || -sender_unread;
            SELECT unread_users || array_agg(m.user_id), unread_deltas || array_agg(1::bigint) INTO unread_users, unread_deltas
            FROM chat_room_users m
            WHERE m.room_id = x.room AND m.user_id <> x.sender AND m.last_read_seq + m.unread_deleted <= seq_before;
        END IF;
    END LOOP;
    PERFORM set_config('chat.unread_by_send', 'off', true);
    INSERT INTO chat_user_unread AS u (user_id, total)
    SELECT c.user_id, sum(c.delta) FROM unnest(unread_users, unread_deltas) AS c(user_id, delta)
    GROUP BY c.user_id HAVING sum(c.delta) <> 0 ORDER BY c.user_id
    ON CONFLICT (user_id) DO UPDATE SET total = u.total + excluded.total;
END
$function$
;
