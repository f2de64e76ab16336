-- The live definition of chat_mark_read: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_mark_read(p_room bigint, p_user bigint, p_up_to bigint)
 RETURNS TABLE(unread_count bigint, last_read_message_id bigint, moved boolean)
 LANGUAGE plpgsql
AS $function$
DECLARE
    me chat_room_users;
    room chat_rooms;
    target_seq bigint;
    target_id bigint;
    deleted_after integer;
BEGIN
    me := chat_require_member(p_room, p_user);
    SELECT * INTO room FROM chat_rooms WHERE id = p_room;
    IF p_up_to IS NULL THEN
        target_seq := room.last_seq;
        target_id := room.last_message_id;
    ELSE
        SELECT m.seq, m.id INTO target_seq, target_id FROM chat_messages m WHERE m.id = p_up_to AND m.room_id = p_room;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no such message' USING ERRCODE = 'CHM04';
        END IF;
    END IF;
    -- The membership row first: a delete still committing holds it (chat_delete_message counts
    -- its tombstone for the members behind it), so the count below, a statement of its own with
    -- a snapshot taken after the wait, includes that tombstone. Counted before the lock, it missed
    -- it and the update then overwrote the delete's increment: a tombstone counted as unread.
    PERFORM 1 FROM chat_room_users u WHERE u.room_id = p_room AND u.user_id = p_user FOR UPDATE;
    -- Deleted messages from others after the new marker: not unread.
    SELECT count(*) INTO deleted_after FROM chat_messages d
    WHERE d.room_id = p_room AND d.seq > target_seq AND d.deleted_at IS NOT NULL AND d.sender_id <> p_user;
    -- Never backwards: the WHERE clause makes a concurrent, further read win.
    UPDATE chat_room_users u SET last_read_seq = target_seq, last_read_message_id = target_id, last_read_at = now(),
                                 unread_deleted = deleted_after
    WHERE u.room_id = p_room AND u.user_id = p_user AND u.last_read_seq < target_seq;
    IF FOUND THEN
        INSERT INTO chat_events (room_id, kind, payload)
        VALUES (p_room, 'message_read', json_build_object('conversationId', p_room, 'userId', p_user,
                                                          'upToMessageId', target_id, 'readAt', now()));
        RETURN QUERY SELECT room.last_seq - target_seq - deleted_after, target_id, true;
        RETURN;
    END IF;
    SELECT * INTO me FROM chat_room_users u WHERE u.room_id = p_room AND u.user_id = p_user;
    RETURN QUERY SELECT room.last_seq - me.last_read_seq - me.unread_deleted, me.last_read_message_id, false;
END
$function$
;
