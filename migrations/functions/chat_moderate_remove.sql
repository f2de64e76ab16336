-- The live definition of chat_moderate_remove: edit it here; the migrator re-applies this file when it changes.
-- A moderator removes a message: a tombstone that says so (removal 'moderation') for every
-- member, its copies scrubbed (chat_scrub_message), a message_deleted event, its open reports
-- resolved, and an audit record. p_report (optional) must be a report of this message.
CREATE OR REPLACE FUNCTION public.chat_moderate_remove(p_message bigint, p_moderator bigint, p_report bigint, p_note text)
 RETURNS json
 LANGUAGE plpgsql
AS $function$
DECLARE
    msg chat_messages;
BEGIN
    msg := chat_require_message(p_message);
    IF p_report IS NOT NULL AND NOT EXISTS (SELECT 1 FROM message_reports WHERE id = p_report AND message_id = p_message) THEN
        RAISE EXCEPTION 'no such report of this message' USING ERRCODE = 'CHRP4';
    END IF;
    IF msg.removal = 'moderation' THEN
        RAISE EXCEPTION 'already removed' USING ERRCODE = 'CHRMV';
    END IF;
    msg := chat_scrub_message(msg.id, 'moderation');
    UPDATE message_reports SET status = 'removed', resolved_at = now(), resolved_by = p_moderator
    WHERE message_id = msg.id AND status = 'open';
    PERFORM chat_removal_event(msg);
    INSERT INTO moderation_audit (actor_id, action, target_user_id, message_id, report_id, details)
    VALUES (p_moderator, 'message_removed', msg.sender_id, msg.id, p_report,
            json_build_object('note', p_note, 'conversationId', msg.room_id));
    RETURN chat_message_json(msg);
END
$function$
;
