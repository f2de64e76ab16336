-- The live definition of chat_require_user: edit it here; the migrator re-applies this file when it changes.
-- Raises CHU04 (422 unknown_user, naming the id) unless the user exists.
CREATE OR REPLACE FUNCTION public.chat_require_user(p_user bigint)
 RETURNS void
 LANGUAGE plpgsql
 STABLE
AS $function$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = p_user) THEN
        RAISE EXCEPTION 'unknown user' USING ERRCODE = 'CHU04', DETAIL = p_user::text;
    END IF;
END
$function$
;
