-- Messages rendered by PL/pgSQL instead of SQL functions. A SQL function that cannot be inlined
-- (chat_message_json has a sub-select, chat_reply_preview_json a FROM) is parsed and planned again
-- on every call from PL/pgSQL: under W1, a quarter of the machine's CPU went to that (perf:
-- fmgr_sql -> raw_parser / pg_plan_query). PL/pgSQL keeps each statement's plan for the session.
-- Same signatures, same JSON.
CREATE OR REPLACE FUNCTION chat_reply_preview_json(p_message bigint) RETURNS json LANGUAGE plpgsql STABLE AS $$
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
$$;

CREATE OR REPLACE FUNCTION chat_message_json(m chat_messages, p_reactions json DEFAULT '[]') RETURNS json LANGUAGE plpgsql STABLE AS $$
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
        'reactions', p_reactions);
END
$$;
