-- The live definition of chat_create_group: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_create_group(p_creator bigint, p_name text, p_avatar text, p_participants bigint[])
 RETURNS bigint
 LANGUAGE plpgsql
AS $function$
DECLARE
    rid bigint;
    wanted bigint[];
    missing bigint[];
BEGIN
    wanted := ARRAY(SELECT DISTINCT x FROM unnest(p_participants) AS x WHERE x <> p_creator ORDER BY x);
    missing := ARRAY(SELECT x FROM unnest(wanted) AS x WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = x));
    IF cardinality(missing) > 0 THEN
        RAISE EXCEPTION 'unknown users' USING ERRCODE = 'CHU04', DETAIL = array_to_string(missing, ',');
    END IF;
    INSERT INTO chat_rooms (type, name, avatar, created_by) VALUES ('group', p_name, p_avatar, p_creator) RETURNING id INTO rid;
    INSERT INTO chat_room_users (room_id, user_id, role) VALUES (rid, p_creator, 'admin');
    INSERT INTO chat_room_users (room_id, user_id, role) SELECT rid, x, 'member' FROM unnest(wanted) AS x;
    INSERT INTO chat_events (room_id, kind, payload) VALUES (rid, 'conversation_created', chat_conversation_json(rid, NULL));
    RETURN rid;
END
$function$
;
