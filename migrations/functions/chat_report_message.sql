-- The live definition of chat_report_message: edit it here; the migrator re-applies this file when it changes.
-- A member reports a message they can see (not their own, not a deleted one). Reporting it again
-- while the report is open replaces its reason and note; once moderators resolved it, the report
-- stays as they left it. `created` is false for an existing report.
CREATE OR REPLACE FUNCTION public.chat_report_message(p_message bigint, p_reporter bigint, p_reason text, p_note text)
 RETURNS TABLE(report json, created boolean)
 LANGUAGE plpgsql
AS $function$
DECLARE
    msg chat_messages;
    r message_reports;
    inserted boolean;
BEGIN
    msg := chat_require_visible_message(p_message, p_reporter);
    IF msg.sender_id = p_reporter THEN
        RAISE EXCEPTION 'own message' USING ERRCODE = 'CHRSF';
    END IF;
    IF msg.deleted_at IS NOT NULL THEN
        RAISE EXCEPTION 'message was deleted' USING ERRCODE = 'CHDEL';
    END IF;
    INSERT INTO message_reports (message_id, reporter_id, reason, note)
    VALUES (p_message, p_reporter, p_reason, p_note)
    ON CONFLICT (message_id, reporter_id) DO NOTHING
    RETURNING * INTO r;
    inserted := FOUND;
    IF NOT inserted THEN
        UPDATE message_reports SET reason = p_reason, note = p_note
        WHERE message_id = p_message AND reporter_id = p_reporter AND status = 'open'
        RETURNING * INTO r;
        IF NOT FOUND THEN
            SELECT * INTO r FROM message_reports WHERE message_id = p_message AND reporter_id = p_reporter;
        END IF;
    END IF;
    RETURN QUERY SELECT json_build_object('id', r.id, 'messageId', r.message_id, 'conversationId', msg.room_id, 'reason', r.reason,
                                          'note', r.note, 'status', r.status, 'createdAt', r.created_at), inserted;
END
$function$
;
