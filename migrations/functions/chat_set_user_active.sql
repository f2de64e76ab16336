-- The live definition of chat_set_user_active: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_set_user_active(p_user bigint, p_active boolean)
 RETURNS boolean
 LANGUAGE plpgsql
AS $function$
BEGIN
    UPDATE users SET deactivated_at = CASE WHEN p_active THEN NULL ELSE now() END
    WHERE id = p_user AND (deactivated_at IS NULL) <> p_active;
    IF NOT FOUND THEN
        IF NOT EXISTS (SELECT 1 FROM users WHERE id = p_user) THEN
            RAISE EXCEPTION 'unknown users' USING ERRCODE = 'CHU04', DETAIL = p_user::text;
        END IF;
        RETURN false;
    END IF;
    PERFORM chat_user_updated_event(p_user);
    IF NOT p_active THEN
        INSERT INTO chat_events (room_id, kind, payload, extra_recipients)
        VALUES (0, 'account_deactivated', json_build_object('userId', p_user), ARRAY[p_user]);
    END IF;
    PERFORM pg_notify('chat_accounts', p_user::text);
    RETURN true;
END
$function$
;
