-- The live definition of chat_send_message: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_send_message(p_room bigint, p_sender bigint, p_content text, p_media_url text, p_media_type text, p_client_id text, p_reply_to bigint)
 RETURNS TABLE(message json, created boolean)
 LANGUAGE plpgsql
AS $function$
DECLARE
    existing chat_messages;
    msg chat_messages;
    new_seq bigint;
    new_id bigint;
    pair_low bigint;
    pair_high bigint;
    body json;
BEGIN
    PERFORM chat_require_member(p_room, p_sender);
    IF p_client_id IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtextextended(p_sender::text || ':' || p_client_id, 0));
        SELECT * INTO existing FROM chat_messages WHERE sender_id = p_sender AND client_message_id = p_client_id;
        IF FOUND THEN
            IF existing.room_id <> p_room THEN
                RAISE EXCEPTION 'clientMessageId used in another conversation' USING ERRCODE = 'CH409';
            END IF;
            RETURN QUERY SELECT chat_message_json(existing, chat_reactions_json(existing.id, p_sender)), false;
            RETURN;
        END IF;
    END IF;
    IF p_reply_to IS NOT NULL AND NOT EXISTS (SELECT 1 FROM chat_messages WHERE id = p_reply_to AND room_id = p_room) THEN
        RAISE EXCEPTION 'reply target not in this conversation' USING ERRCODE = 'CHRPL';
    END IF;
    -- Taking the room's row lock first serializes sends per room, so seq has no gaps and the
    -- message id drawn here grows with seq inside the room.
    UPDATE chat_rooms
    SET last_seq = last_seq + 1, last_message_id = nextval('chat_messages_id_seq'), last_activity_at = now()
    WHERE id = p_room
    RETURNING last_seq, last_message_id, direct_user_low, direct_user_high INTO new_seq, new_id, pair_low, pair_high;
    -- In a direct conversation, a block either way stops both from writing (the whole send rolls back).
    IF pair_low IS NOT NULL AND chat_blocked_between(pair_low, pair_high) THEN
        RAISE EXCEPTION 'blocked' USING ERRCODE = 'CHBLK';
    END IF;
    INSERT INTO chat_messages (id, room_id, sender_id, seq, content, media_url, media_type, client_message_id, reply_to_id)
    VALUES (new_id, p_room, p_sender, new_seq, p_content, p_media_url, p_media_type, p_client_id, p_reply_to)
    RETURNING * INTO msg;
    -- Sending implies having read everything before it (no separate message_read event).
    UPDATE chat_room_users SET last_read_seq = new_seq, last_read_message_id = new_id, last_read_at = now(), unread_deleted = 0
    WHERE room_id = p_room AND user_id = p_sender;
    body := chat_message_json(msg);
    INSERT INTO chat_events (room_id, kind, payload) VALUES (p_room, 'new_message', body);
    RETURN QUERY SELECT body, true;
END
$function$
;
