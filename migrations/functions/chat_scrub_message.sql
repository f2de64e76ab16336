-- The live definition of chat_scrub_message: edit it here; the migrator re-applies this file when it changes.
-- Makes a message a tombstone everywhere it was copied: its content and media, its earlier
-- versions, its reactions, and the event log's payloads (its own new_message and message_edited
-- events, and the reply previews of messages answering it), so a `?since=` replay no longer sends
-- the text. p_removal says why when it was not a delete by its sender or an admin ('moderation',
-- 'retention', 'erasure'). Deletes, moderators' removals, retention and erasure all go through here.
CREATE OR REPLACE FUNCTION public.chat_scrub_message(p_message bigint, p_removal text)
 RETURNS chat_messages
 LANGUAGE plpgsql
AS $function$
DECLARE
    msg chat_messages;
    was_deleted boolean;
BEGIN
    -- The room's row first, as a send takes it (UPDATE chat_rooms) before the sender's membership:
    -- the members' rows below are then updated behind every send in flight, never across one.
    -- Without it, a group commit holding the room and its first sender's row could wait for its
    -- second sender's row while this waited for the first: a deadlock.
    PERFORM 1 FROM chat_rooms WHERE id = (SELECT room_id FROM chat_messages WHERE id = p_message) FOR NO KEY UPDATE;
    SELECT * INTO msg FROM chat_messages WHERE id = p_message FOR UPDATE;
    was_deleted := msg.deleted_at IS NOT NULL;
    DELETE FROM message_reactions WHERE message_id = msg.id;
    DELETE FROM chat_message_edits WHERE message_id = msg.id;
    UPDATE chat_messages SET content = '', media_url = NULL, media_type = NULL, deleted_at = coalesce(deleted_at, now()),
                             removal = coalesce(p_removal, removal)
    WHERE id = msg.id RETURNING * INTO msg;
    IF NOT was_deleted THEN
        -- For the members who had not read it, it no longer counts as unread.
        UPDATE chat_room_users SET unread_deleted = unread_deleted + 1
        WHERE room_id = msg.room_id AND last_read_seq < msg.seq AND user_id <> msg.sender_id;
    END IF;
    -- Its copies are all younger than the message (created_at is the BRIN-indexed bound).
    UPDATE chat_events SET payload = chat_message_json(msg)
    WHERE created_at >= msg.created_at AND room_id = msg.room_id AND kind IN ('new_message', 'message_edited')
      AND (payload->>'id')::bigint = msg.id;
    UPDATE chat_events SET payload = (payload::jsonb || jsonb_build_object('replyTo', chat_reply_preview_json(msg.id)))::json
    WHERE created_at >= msg.created_at AND room_id = msg.room_id AND kind IN ('new_message', 'message_edited')
      AND (payload->'replyTo'->>'id')::bigint = msg.id;
    RETURN msg;
END
$function$
;
