-- The live definition of chat_edit_message: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_edit_message(p_message bigint, p_actor bigint, p_content text)
 RETURNS json
 LANGUAGE plpgsql
AS $function$
DECLARE
    msg chat_messages;
    body json;
BEGIN
    msg := chat_require_visible_message(p_message, p_actor);
    IF msg.sender_id <> p_actor THEN
        RAISE EXCEPTION 'not the sender' USING ERRCODE = 'CHSND';
    END IF;
    IF msg.deleted_at IS NOT NULL THEN
        RAISE EXCEPTION 'message was deleted' USING ERRCODE = 'CHDEL';
    END IF;
    IF p_content = '' AND msg.media_url IS NULL THEN
        RAISE EXCEPTION 'empty message' USING ERRCODE = 'CHEMP';
    END IF;
    IF msg.content = p_content THEN
        RETURN chat_message_json(msg, chat_reactions_json(msg.id, p_actor));
    END IF;
    INSERT INTO chat_message_edits (message_id, version, content, written_at)
    SELECT msg.id, coalesce(max(version), 0) + 1, msg.content, coalesce(msg.edited_at, msg.created_at)
    FROM chat_message_edits WHERE message_id = msg.id;
    UPDATE chat_messages SET content = p_content, edited_at = now() WHERE id = msg.id RETURNING * INTO msg;
    body := chat_message_json(msg, chat_reactions_json(msg.id, NULL));
    INSERT INTO chat_events (room_id, kind, payload) VALUES (msg.room_id, 'message_edited', body);
    RETURN chat_message_json(msg, chat_reactions_json(msg.id, p_actor));
END
$function$
;
