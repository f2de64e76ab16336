-- The live definition of chat_reply_preview_json: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_reply_preview_json(p_message bigint)
 RETURNS json
 LANGUAGE plpgsql
 STABLE
AS $function$
DECLARE
    preview json;
BEGIN
    SELECT json_build_object(
        'id', t.id,
        'senderId', t.sender_id,
        'senderDisplayName', u.display_name,
        'preview', CASE WHEN t.deleted_at IS NULL THEN left(t.content, 100) END,
        'mediaType', CASE WHEN t.deleted_at IS NULL THEN t.media_type END,
        'deleted', t.deleted_at IS NOT NULL)
    INTO preview
    FROM chat_messages t JOIN users u ON u.id = t.sender_id
    WHERE t.id = p_message;
    RETURN preview;
END
$function$
;
