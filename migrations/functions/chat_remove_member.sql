-- The live definition of chat_remove_member: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_remove_member(p_room bigint, p_actor bigint, p_target bigint)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE
    room chat_rooms;
    successor bigint;
BEGIN
    IF p_actor = p_target THEN
        PERFORM chat_require_member(p_room, p_actor);
        SELECT * INTO room FROM chat_rooms WHERE id = p_room FOR UPDATE;
        IF room.type <> 'group' THEN
            RAISE EXCEPTION 'not a group' USING ERRCODE = 'CHGRP';
        END IF;
    ELSE
        room := chat_require_group_admin(p_room, p_actor);
    END IF;
    DELETE FROM chat_room_users WHERE room_id = p_room AND user_id = p_target;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not a member' USING ERRCODE = 'CHMEM';
    END IF;
    -- The removed user hears of it through extra_recipients: they are no longer a member.
    INSERT INTO chat_events (room_id, kind, payload, extra_recipients)
    VALUES (p_room, 'member_removed', json_build_object(
        'conversationId', p_room, 'userId', p_target, 'by', p_actor, 'left', p_actor = p_target), ARRAY[p_target]);
    IF NOT EXISTS (SELECT 1 FROM chat_room_users WHERE room_id = p_room AND role = 'admin') THEN
        SELECT user_id INTO successor FROM chat_room_users WHERE room_id = p_room ORDER BY joined_at, user_id LIMIT 1;
        IF successor IS NOT NULL THEN
            UPDATE chat_room_users SET role = 'admin' WHERE room_id = p_room AND user_id = successor;
            INSERT INTO chat_events (room_id, kind, payload)
            VALUES (p_room, 'role_changed', json_build_object(
                'conversationId', p_room, 'userId', successor, 'role', 'admin', 'by', NULL, 'reason', 'last_admin_left'));
        END IF;
    END IF;
END
$function$
;
