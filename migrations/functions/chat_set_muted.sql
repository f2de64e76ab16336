-- The live definition of chat_set_muted: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_set_muted(p_room bigint, p_actor bigint, p_muted boolean)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
    PERFORM chat_require_member(p_room, p_actor);
    UPDATE chat_room_users SET muted = p_muted WHERE room_id = p_room AND user_id = p_actor;
END
$function$
;
