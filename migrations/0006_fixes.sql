-- Fixes found by the issue 5 integration tests.
--
-- An admin action is judged by the actor's role when it runs, not when it arrived: take the
-- group's row lock first, then read the actor's membership. Before, the role was read before
-- waiting for the lock, so an admin demoted (or removed) by a request ahead in the queue still
-- acted as an admin afterwards (test_groups_admin.py::
-- test_admin_demoted_while_their_request_waits_cannot_act_as_admin). Errors are unchanged:
-- CH404 / CH403 for a missing room or a non-member, then CHGRP, then CHADM.
CREATE OR REPLACE FUNCTION chat_require_group_admin(p_room bigint, p_actor bigint) RETURNS chat_rooms LANGUAGE plpgsql AS $$
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
$$;
