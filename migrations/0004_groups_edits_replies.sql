-- Group administration, edits with history, deletes as tombstones, reply previews.
-- New SQLSTATEs: CHADM admin required, CHGRP not a group, CHLAD last admin, CHSND not the sender,
--                CHMEM not a member of the group (target user).

-- Earlier versions of edited messages, readable by participants, never searched.
CREATE TABLE chat_message_edits (
    message_id  bigint NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    version     integer NOT NULL,
    content     text NOT NULL,
    written_at  timestamptz NOT NULL,
    replaced_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, version)
);

-- A reply carries a short preview of what it answers, or a tombstone marker if that was deleted.
CREATE OR REPLACE FUNCTION chat_reply_preview_json(p_message bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', t.id,
        'senderId', t.sender_id,
        'senderDisplayName', u.display_name,
        'preview', CASE WHEN t.deleted_at IS NULL THEN left(t.content, 100) END,
        'mediaType', CASE WHEN t.deleted_at IS NULL THEN t.media_type END,
        'deleted', t.deleted_at IS NOT NULL)
    FROM chat_messages t JOIN users u ON u.id = t.sender_id
    WHERE t.id = p_message
$$;

CREATE OR REPLACE FUNCTION chat_message_json(m chat_messages, p_reactions json DEFAULT '[]') RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', m.id,
        'conversationId', m.room_id,
        'senderId', m.sender_id,
        'sender', (SELECT chat_user_json(u) FROM users u WHERE u.id = m.sender_id),
        'content', CASE WHEN m.deleted_at IS NULL THEN m.content END,
        'mediaUrl', CASE WHEN m.deleted_at IS NULL THEN m.media_url END,
        'mediaType', CASE WHEN m.deleted_at IS NULL THEN m.media_type END,
        'clientMessageId', m.client_message_id,
        'replyToId', m.reply_to_id,
        'replyTo', CASE WHEN m.reply_to_id IS NOT NULL THEN chat_reply_preview_json(m.reply_to_id) END,
        'createdAt', m.created_at,
        'editedAt', m.edited_at,
        'deletedAt', m.deleted_at,
        'deleted', m.deleted_at IS NOT NULL,
        'reactions', p_reactions)
$$;

-- The actor's membership, required to be an admin of a group.
CREATE FUNCTION chat_require_group_admin(p_room bigint, p_actor bigint) RETURNS chat_rooms LANGUAGE plpgsql AS $$
DECLARE
    room chat_rooms;
    member chat_room_users;
BEGIN
    member := chat_require_member(p_room, p_actor);
    -- Lock the room: membership changes of one group are serialized, so "last admin" checks hold.
    SELECT * INTO room FROM chat_rooms WHERE id = p_room FOR UPDATE;
    IF room.type <> 'group' THEN
        RAISE EXCEPTION 'not a group' USING ERRCODE = 'CHGRP';
    END IF;
    IF member.role <> 'admin' THEN
        RAISE EXCEPTION 'admin required' USING ERRCODE = 'CHADM';
    END IF;
    RETURN room;
END
$$;

CREATE FUNCTION chat_add_members(p_room bigint, p_actor bigint, p_users bigint[]) RETURNS bigint[] LANGUAGE plpgsql AS $$
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
    -- New members start with nothing unread; the history stays readable to them.
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

-- Removes p_target (an admin removing a member, or anyone leaving). If the group is left without
-- an admin, its longest-standing member becomes admin, and everyone is told.
CREATE FUNCTION chat_remove_member(p_room bigint, p_actor bigint, p_target bigint) RETURNS void LANGUAGE plpgsql AS $$
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
$$;

CREATE FUNCTION chat_set_role(p_room bigint, p_actor bigint, p_target bigint, p_role text) RETURNS boolean LANGUAGE plpgsql AS $$
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
$$;

CREATE FUNCTION chat_update_group(p_room bigint, p_actor bigint, p_set_name boolean, p_name text,
                                  p_set_avatar boolean, p_avatar text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM chat_require_group_admin(p_room, p_actor);
    UPDATE chat_rooms
    SET name = CASE WHEN p_set_name THEN p_name ELSE name END,
        avatar = CASE WHEN p_set_avatar THEN p_avatar ELSE avatar END
    WHERE id = p_room;
    INSERT INTO chat_events (room_id, kind, payload)
    SELECT p_room, 'conversation_updated', json_build_object(
        'conversationId', p_room, 'name', r.name, 'avatar', r.avatar, 'by', p_actor)
    FROM chat_rooms r WHERE r.id = p_room;
END
$$;

CREATE FUNCTION chat_edit_message(p_message bigint, p_actor bigint, p_content text) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    msg chat_messages;
    body json;
BEGIN
    msg := chat_require_visible_message(p_message, p_actor);
    IF msg.sender_id <> p_actor THEN
        RAISE EXCEPTION 'not the sender' USING ERRCODE = 'CHSND';
    END IF;
    IF msg.deleted_at IS NOT NULL THEN
        RAISE EXCEPTION 'message was deleted' USING ERRCODE = 'CHDEL';
    END IF;
    IF p_content = '' AND msg.media_url IS NULL THEN
        RAISE EXCEPTION 'empty message' USING ERRCODE = 'CHEMP';
    END IF;
    IF msg.content = p_content THEN
        RETURN chat_message_json(msg, chat_reactions_json(msg.id, p_actor));
    END IF;
    INSERT INTO chat_message_edits (message_id, version, content, written_at)
    SELECT msg.id, coalesce(max(version), 0) + 1, msg.content, coalesce(msg.edited_at, msg.created_at)
    FROM chat_message_edits WHERE message_id = msg.id;
    UPDATE chat_messages SET content = p_content, edited_at = now() WHERE id = msg.id RETURNING * INTO msg;
    body := chat_message_json(msg, chat_reactions_json(msg.id, NULL));
    INSERT INTO chat_events (room_id, kind, payload) VALUES (msg.room_id, 'message_edited', body);
    RETURN chat_message_json(msg, chat_reactions_json(msg.id, p_actor));
END
$$;

-- Senders delete their own messages; group admins delete any in their group. The row stays as a
-- tombstone (its place in history and in reply previews); content, media, reactions and earlier
-- versions go.
CREATE FUNCTION chat_delete_message(p_message bigint, p_actor bigint) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    msg chat_messages;
    actor_role text;
    room_type text;
BEGIN
    msg := chat_require_visible_message(p_message, p_actor);
    IF msg.deleted_at IS NOT NULL THEN
        RETURN chat_message_json(msg);
    END IF;
    IF msg.sender_id <> p_actor THEN
        SELECT cu.role, r.type INTO actor_role, room_type
        FROM chat_room_users cu JOIN chat_rooms r ON r.id = cu.room_id
        WHERE cu.room_id = msg.room_id AND cu.user_id = p_actor;
        IF room_type <> 'group' OR actor_role <> 'admin' THEN
            RAISE EXCEPTION 'not the sender' USING ERRCODE = 'CHSND';
        END IF;
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

-- Earlier versions (oldest first) and the current one.
CREATE FUNCTION chat_message_history_json(p_message bigint, p_actor bigint) RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
    msg chat_messages;
BEGIN
    msg := chat_require_visible_message(p_message, p_actor);
    RETURN json_build_object(
        'messageId', msg.id,
        'current', chat_message_json(msg, chat_reactions_json(msg.id, p_actor)),
        'versions', coalesce((
            SELECT json_agg(json_build_object('version', e.version, 'content', e.content,
                                              'writtenAt', e.written_at, 'replacedAt', e.replaced_at) ORDER BY e.version)
            FROM chat_message_edits e WHERE e.message_id = msg.id), '[]'::json));
END
$$;

CREATE FUNCTION chat_read_state_json(p_room bigint, p_actor bigint) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM chat_require_member(p_room, p_actor);
    RETURN json_build_object(
        'conversationId', p_room,
        'members', (SELECT json_agg(json_build_object('userId', cu.user_id, 'lastReadMessageId', cu.last_read_message_id,
                                                      'lastReadAt', cu.last_read_at) ORDER BY cu.user_id)
                    FROM chat_room_users cu WHERE cu.room_id = p_room));
END
$$;

CREATE FUNCTION chat_set_muted(p_room bigint, p_actor bigint, p_muted boolean) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM chat_require_member(p_room, p_actor);
    UPDATE chat_room_users SET muted = p_muted WHERE room_id = p_room AND user_id = p_actor;
END
$$;
