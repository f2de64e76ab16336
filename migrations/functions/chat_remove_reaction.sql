-- The live definition of chat_remove_reaction: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_remove_reaction(p_message bigint, p_user bigint, p_emoji text)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE
    msg chat_messages;
BEGIN
    msg := chat_require_visible_message(p_message, p_user);
    DELETE FROM message_reactions WHERE message_id = p_message AND user_id = p_user AND emoji = p_emoji;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such reaction' USING ERRCODE = 'CHR04';
    END IF;
    INSERT INTO chat_events (room_id, kind, payload)
    VALUES (msg.room_id, 'reaction_removed', json_build_object(
        'conversationId', msg.room_id, 'messageId', p_message, 'userId', p_user, 'emoji', p_emoji,
        'count', (SELECT count(*) FROM message_reactions WHERE message_id = p_message AND emoji = p_emoji)));
END
$function$
;
