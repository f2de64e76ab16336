-- The live definition of chat_add_reaction: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_add_reaction(p_message bigint, p_user bigint, p_emoji text)
 RETURNS TABLE(created boolean, reactions json)
 LANGUAGE plpgsql
AS $function$
DECLARE
    msg chat_messages;
    inserted boolean;
BEGIN
    msg := chat_require_visible_message(p_message, p_user);
    IF msg.deleted_at IS NOT NULL THEN
        RAISE EXCEPTION 'message was deleted' USING ERRCODE = 'CHDEL';
    END IF;
    INSERT INTO message_reactions (message_id, user_id, emoji) VALUES (p_message, p_user, p_emoji)
    ON CONFLICT DO NOTHING;
    inserted := FOUND;
    IF inserted THEN
        INSERT INTO chat_events (room_id, kind, payload)
        VALUES (msg.room_id, 'reaction_added', json_build_object(
            'conversationId', msg.room_id, 'messageId', p_message, 'userId', p_user, 'emoji', p_emoji,
            'count', (SELECT count(*) FROM message_reactions WHERE message_id = p_message AND emoji = p_emoji)));
    END IF;
    RETURN QUERY SELECT inserted, chat_reactions_json(p_message, p_user);
END
$function$
;
