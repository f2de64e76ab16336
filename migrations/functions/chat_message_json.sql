-- The live definition of chat_message_json: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_message_json(m chat_messages, p_reactions json DEFAULT '[]'::json)
 RETURNS json
 LANGUAGE plpgsql
 STABLE
AS $function$
DECLARE
    sender json;
BEGIN
    SELECT chat_user_json(u) INTO sender FROM users u WHERE u.id = m.sender_id;
    RETURN json_build_object(
        'id', m.id,
        'conversationId', m.room_id,
        'senderId', m.sender_id,
        'sender', sender,
        'content', CASE WHEN m.deleted_at IS NULL THEN m.content END,
        'mediaUrl', CASE WHEN m.deleted_at IS NULL THEN m.media_url END,
        'mediaType', CASE WHEN m.deleted_at IS NULL THEN m.media_type END,
        'clientMessageId', m.client_message_id,
        'replyToId', m.reply_to_id,
        'replyTo', CASE WHEN m.reply_to_id IS NOT NULL THEN chat_reply_preview_json(m.reply_to_id) END,
        'createdAt', m.created_at,
        'editedAt', m.edited_at,
        'deletedAt', m.deleted_at,
        'deleted', m.deleted_at IS NOT NULL,
        'removal', m.removal,
        'reactions', p_reactions);
END
$function$
;
