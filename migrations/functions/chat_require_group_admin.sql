-- The live definition of chat_require_group_admin: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_require_group_admin(p_room bigint, p_actor bigint)
 RETURNS chat_rooms
 LANGUAGE plpgsql
AS $function$
DECLARE
    room chat_rooms;
    member chat_room_users;
BEGIN
    -- Lock the room: membership changes of one group are serialized, so "last admin" checks hold.
    SELECT * INTO room FROM chat_rooms WHERE id = p_room FOR UPDATE;
    -- Read after the lock (a new statement, a new snapshot): sees role changes committed meanwhile.
    member := chat_require_member(p_room, p_actor);
    IF room.type <> 'group' THEN
        RAISE EXCEPTION 'not a group' USING ERRCODE = 'CHGRP';
    END IF;
    IF member.role <> 'admin' THEN
        RAISE EXCEPTION 'admin required' USING ERRCODE = 'CHADM';
    END IF;
    RETURN room;
END
$function$
;
