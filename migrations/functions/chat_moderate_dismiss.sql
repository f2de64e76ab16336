-- The live definition of chat_moderate_dismiss: edit it here; the migrator re-applies this file when it changes.
-- A moderator dismisses an open report (the message stays), recorded in the audit log.
CREATE OR REPLACE FUNCTION public.chat_moderate_dismiss(p_report bigint, p_moderator bigint, p_note text)
 RETURNS json
 LANGUAGE plpgsql
AS $function$
DECLARE
    r message_reports;
BEGIN
    SELECT * INTO r FROM message_reports WHERE id = p_report FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such report' USING ERRCODE = 'CHRP4';
    END IF;
    IF r.status <> 'open' THEN
        RAISE EXCEPTION 'report already resolved' USING ERRCODE = 'CHRPC';
    END IF;
    UPDATE message_reports SET status = 'dismissed', resolved_at = now(), resolved_by = p_moderator
    WHERE id = p_report RETURNING * INTO r;
    INSERT INTO moderation_audit (actor_id, action, target_user_id, message_id, report_id, details)
    SELECT p_moderator, 'report_dismissed', m.sender_id, r.message_id, r.id, json_build_object('note', p_note, 'reason', r.reason)
    FROM chat_messages m WHERE m.id = r.message_id;
    RETURN chat_report_json(r);
END
$function$
;
