-- The live definition of chat_moderate_suspend: edit it here; the migrator re-applies this file when it changes.
-- A moderator suspends a user for p_seconds (or, with NULL, lifts a suspension early). Every
-- process's account cache drops the user (chat_accounts), the push daemons close their sessions
-- (account_suspended, never a frame), and the audit log records it. Returns the suspension's end
-- (NULL when lifted). CHMOD: the target is a moderator or admin (moderators do not suspend each other).
CREATE OR REPLACE FUNCTION public.chat_moderate_suspend(p_user bigint, p_moderator bigint, p_seconds bigint, p_report bigint, p_note text)
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
AS $function$
DECLARE
    target users;
    ends_at timestamptz;
BEGIN
    SELECT * INTO target FROM users WHERE id = p_user FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown user' USING ERRCODE = 'CHU04', DETAIL = p_user::text;
    END IF;
    IF p_seconds IS NOT NULL AND (p_user = p_moderator OR target.roles && ARRAY['moderator', 'admin']) THEN
        RAISE EXCEPTION 'moderators are not suspended by moderators' USING ERRCODE = 'CHMOD';
    END IF;
    IF p_seconds IS NULL AND (target.suspended_until IS NULL OR target.suspended_until <= now()) THEN
        RAISE EXCEPTION 'not suspended' USING ERRCODE = 'CHNSP';
    END IF;
    IF p_report IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM message_reports r JOIN chat_messages m ON m.id = r.message_id WHERE r.id = p_report AND m.sender_id = p_user) THEN
        RAISE EXCEPTION 'no such report of this user' USING ERRCODE = 'CHRP4';
    END IF;
    ends_at := CASE WHEN p_seconds IS NOT NULL THEN now() + make_interval(secs => p_seconds) END;
    UPDATE users SET suspended_until = ends_at WHERE id = p_user;
    IF ends_at IS NOT NULL THEN
        INSERT INTO chat_events (room_id, kind, payload, extra_recipients)
        VALUES (0, 'account_suspended', json_build_object('userId', p_user, 'until', ends_at), ARRAY[p_user]);
    END IF;
    INSERT INTO moderation_audit (actor_id, action, target_user_id, report_id, details)
    VALUES (p_moderator, CASE WHEN ends_at IS NULL THEN 'suspension_lifted' ELSE 'user_suspended' END, p_user, p_report,
            json_build_object('note', p_note, 'until', ends_at, 'seconds', p_seconds));
    PERFORM pg_notify('chat_accounts', p_user::text);
    RETURN ends_at;
END
$function$
;
