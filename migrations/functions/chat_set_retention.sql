-- The live definition of chat_set_retention: edit it here; the migrator re-applies this file when it changes.
-- An admin sets a conversation's own retention in days (NULL: only the deployment's applies),
-- recorded in the audit log. CH404 for an unknown conversation.
CREATE OR REPLACE FUNCTION public.chat_set_retention(p_room bigint, p_admin bigint, p_days integer)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
    UPDATE chat_rooms SET retention_days = p_days WHERE id = p_room;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such conversation' USING ERRCODE = 'CH404';
    END IF;
    INSERT INTO moderation_audit (actor_id, action, details)
    VALUES (p_admin, 'retention_set', json_build_object('conversationId', p_room, 'days', p_days));
END
$function$
;
