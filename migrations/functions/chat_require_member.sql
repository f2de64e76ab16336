-- The live definition of chat_require_member: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_require_member(p_room bigint, p_user bigint)
 RETURNS chat_room_users
 LANGUAGE plpgsql
 STABLE
AS $function$
DECLARE
    member chat_room_users;
BEGIN
    SELECT * INTO member FROM chat_room_users WHERE room_id = p_room AND user_id = p_user;
    IF FOUND THEN
        RETURN member;
    END IF;
    IF EXISTS (SELECT 1 FROM chat_rooms WHERE id = p_room) THEN
        RAISE EXCEPTION 'not a participant' USING ERRCODE = 'CH403';
    END IF;
    RAISE EXCEPTION 'no such conversation' USING ERRCODE = 'CH404';
END
$function$
;
