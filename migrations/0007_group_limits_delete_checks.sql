-- A group holds at most 1,000 members, also when grown by adds (creation was capped already);
-- and deleting a message checks permission before anything else, under the group's lock for an
-- admin's delete, so a just-demoted admin cannot delete others' messages.
-- New SQLSTATE: CHFUL group full.

CREATE OR REPLACE FUNCTION chat_add_members(p_room bigint, p_actor bigint, p_users bigint[]) RETURNS bigint[] LANGUAGE plpgsql AS $$
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
          WHERE NOT EXISTS (SELECT 1 FROM chat_room_users cu WHERE cu.room_id = p_room AND cu.user_id = x)) > 1000 THEN
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
$$;

CREATE OR REPLACE FUNCTION chat_delete_message(p_message bigint, p_actor bigint) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    msg chat_messages;
    room_type text;
    actor_role text;
BEGIN
    msg := chat_require_visible_message(p_message, p_actor);
    IF msg.sender_id <> p_actor THEN
        -- Only a group admin may delete someone else's message, judged by the role read after
        -- taking the group's lock (so a just-demoted admin cannot).
        SELECT type INTO room_type FROM chat_rooms WHERE id = msg.room_id FOR UPDATE;
        SELECT role INTO actor_role FROM chat_room_users WHERE room_id = msg.room_id AND user_id = p_actor;
        IF room_type <> 'group' OR actor_role IS DISTINCT FROM 'admin' THEN
            RAISE EXCEPTION 'not the sender' USING ERRCODE = 'CHSND';
        END IF;
    END IF;
    IF msg.deleted_at IS NOT NULL THEN
        RETURN chat_message_json(msg);
    END IF;
    DELETE FROM message_reactions WHERE message_id = msg.id;
    DELETE FROM chat_message_edits WHERE message_id = msg.id;
    UPDATE chat_messages SET content = '', media_url = NULL, media_type = NULL, deleted_at = now()
    WHERE id = msg.id RETURNING * INTO msg;
    INSERT INTO chat_events (room_id, kind, payload)
    VALUES (msg.room_id, 'message_deleted', json_build_object(
        'conversationId', msg.room_id, 'messageId', msg.id, 'by', p_actor, 'message', chat_message_json(msg)));
    RETURN chat_message_json(msg);
END
$$;
