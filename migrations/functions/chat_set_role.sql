-- The live definition of chat_set_role: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_set_role(p_room bigint, p_actor bigint, p_target bigint, p_role text)
 RETURNS boolean
 LANGUAGE plpgsql
AS $function$
DECLARE
    current_role text;
BEGIN
    PERFORM chat_require_group_admin(p_room, p_actor);
    SELECT role INTO current_role FROM chat_room_users WHERE room_id = p_room AND user_id = p_target;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not a member' USING ERRCODE = 'CHMEM';
    END IF;
    IF current_role = p_role THEN
        RETURN false;
    END IF;
    IF p_role = 'member' AND NOT EXISTS (
        SELECT 1 FROM chat_room_users WHERE room_id = p_room AND role = 'admin' AND user_id <> p_target) THEN
        RAISE EXCEPTION 'last admin' USING ERRCODE = 'CHLAD';
    END IF;
    UPDATE chat_room_users SET role = p_role WHERE room_id = p_room AND user_id = p_target;
    INSERT INTO chat_events (room_id, kind, payload)
    VALUES (p_room, 'role_changed', json_build_object('conversationId', p_room, 'userId', p_target, 'role', p_role, 'by', p_actor));
    RETURN true;
END
$function$
;
