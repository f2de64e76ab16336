-- The live definition of chat_message_history_json: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_message_history_json(p_message bigint, p_actor bigint)
 RETURNS json
 LANGUAGE plpgsql
 STABLE
AS $function$
DECLARE
    msg chat_messages;
BEGIN
    msg := chat_require_visible_message(p_message, p_actor);
    RETURN json_build_object(
        'messageId', msg.id,
        'current', chat_message_json(msg, chat_reactions_json(msg.id, p_actor)),
        'versions', coalesce((
            SELECT json_agg(json_build_object('version', e.version, 'content', e.content,
                                              'writtenAt', e.written_at, 'replacedAt', e.replaced_at) ORDER BY e.version)
            FROM chat_message_edits e WHERE e.message_id = msg.id), '[]'::json));
END
$function$
;
