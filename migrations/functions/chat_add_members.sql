-- The live definition of chat_add_members: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_add_members(p_room bigint, p_actor bigint, p_users bigint[], p_max_members integer)
 RETURNS bigint[]
 LANGUAGE plpgsql
AS $function$
DECLARE
    room chat_rooms;
    wanted bigint[];
    missing bigint[];
    added bigint[];
BEGIN
    room := chat_require_group_admin(p_room, p_actor);
    wanted := ARRAY(SELECT DISTINCT x FROM unnest(p_users) AS x ORDER BY x);
    missing := ARRAY(SELECT x FROM unnest(wanted) AS x WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = x));
    IF cardinality(missing) > 0 THEN
        RAISE EXCEPTION 'unknown users' USING ERRCODE = 'CHU04', DETAIL = array_to_string(missing, ',');
    END IF;
    -- The room's row lock (taken above) serializes adds, so this count holds until commit.
    IF (SELECT count(*) FROM chat_room_users WHERE room_id = p_room)
       + (SELECT count(*) FROM unnest(wanted) AS x
          WHERE NOT EXISTS (SELECT 1 FROM chat_room_users cu WHERE cu.room_id = p_room AND cu.user_id = x)) > p_max_members THEN
        RAISE EXCEPTION 'group full' USING ERRCODE = 'CHFUL';
    END IF;
    WITH inserted AS (
        INSERT INTO chat_room_users (room_id, user_id, role, last_read_seq, last_read_message_id)
        SELECT p_room, x, 'member', room.last_seq, room.last_message_id FROM unnest(wanted) AS x
        ON CONFLICT DO NOTHING
        RETURNING user_id)
    SELECT ARRAY(SELECT user_id FROM inserted ORDER BY user_id) INTO added;
    IF cardinality(added) > 0 THEN
        INSERT INTO chat_events (room_id, kind, payload)
        VALUES (p_room, 'member_added', json_build_object(
            'conversationId', p_room, 'userIds', added, 'by', p_actor,
            'conversation', chat_conversation_json(p_room, NULL)));
    END IF;
    RETURN added;
END
$function$
;
