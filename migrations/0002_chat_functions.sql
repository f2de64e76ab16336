-- Write paths as functions: each API write is one round trip and one transaction, holding the
-- change and its event row together. JSON rendering of users, messages and conversations lives
-- here too, so REST responses and push events are the same bytes from one definition.
--
-- Errors are raised with the project's own SQLSTATEs, mapped to HTTP errors by the API:
--   CH403 not a participant        CH404 no such conversation     CHU04 unknown user(s)
--   CHM04 no such message          CH409 clientMessageId reused    CHSLF direct chat with oneself
--   CHR04 no such reaction         CHDEL message was deleted       CHRPL reply target not in room

CREATE FUNCTION chat_user_json(u users) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', u.id, 'username', u.username, 'displayName', u.display_name, 'avatar', u.avatar)
$$;

CREATE FUNCTION chat_reactions_json(p_message bigint, p_viewer bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(json_build_object('emoji', s.emoji, 'count', s.n, 'reacted', s.mine) ORDER BY s.first_at, s.emoji), '[]'::json)
    FROM (SELECT emoji, count(*) AS n, coalesce(bool_or(user_id = p_viewer), false) AS mine, min(created_at) AS first_at
          FROM message_reactions WHERE message_id = p_message GROUP BY emoji) s
$$;

-- A deleted message keeps its place in history as a tombstone: no content, no media.
CREATE FUNCTION chat_message_json(m chat_messages, p_reactions json DEFAULT '[]') RETURNS json LANGUAGE sql STABLE AS $$
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
        'createdAt', m.created_at,
        'editedAt', m.edited_at,
        'deletedAt', m.deleted_at,
        'reactions', p_reactions)
$$;

-- A conversation as one viewer sees it (unread count, mute, a direct chat named after the other
-- person). With a NULL viewer (events sent to everyone) those fields take neutral values.
CREATE FUNCTION chat_conversation_json(p_room bigint, p_viewer bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', r.id,
        'type', r.type,
        'name', CASE WHEN r.type = 'direct' THEN other.display_name ELSE r.name END,
        'avatar', CASE WHEN r.type = 'direct' THEN other.avatar ELSE r.avatar END,
        'createdBy', r.created_by,
        'createdAt', r.created_at,
        'participants', (
            SELECT json_agg(json_build_object('id', u.id, 'username', u.username, 'displayName', u.display_name,
                                              'avatar', u.avatar, 'role', p.role)
                            ORDER BY p.joined_at, p.role, u.id)
            FROM chat_room_users p JOIN users u ON u.id = p.user_id WHERE p.room_id = r.id),
        'lastMessage', (SELECT chat_message_json(m) FROM chat_messages m WHERE m.id = r.last_message_id),
        'lastMessageAt', (SELECT m.created_at FROM chat_messages m WHERE m.id = r.last_message_id),
        'unreadCount', coalesce(r.last_seq - me.last_read_seq, 0),
        'muted', coalesce(me.muted, false))
    FROM chat_rooms r
    LEFT JOIN chat_room_users me ON me.room_id = r.id AND me.user_id = p_viewer
    LEFT JOIN users other ON r.type = 'direct' AND p_viewer IS NOT NULL
        AND other.id = CASE WHEN r.direct_user_low = p_viewer THEN r.direct_user_high ELSE r.direct_user_low END
    WHERE r.id = p_room
$$;

-- The caller's membership row; raises CH404 for a missing room and CH403 for a non-member,
-- so the API can tell "no such thing" from "not yours" without leaking anything else.
CREATE FUNCTION chat_require_member(p_room bigint, p_user bigint) RETURNS chat_room_users LANGUAGE plpgsql STABLE AS $$
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
$$;

CREATE FUNCTION chat_open_direct(p_user bigint, p_other bigint) RETURNS TABLE (room_id bigint, created boolean)
LANGUAGE plpgsql AS $$
DECLARE
    rid bigint;
BEGIN
    IF p_user = p_other THEN
        RAISE EXCEPTION 'direct chat with oneself' USING ERRCODE = 'CHSLF';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = p_other) THEN
        RAISE EXCEPTION 'unknown user' USING ERRCODE = 'CHU04', DETAIL = p_other::text;
    END IF;
    -- The unique pair constraint settles a race: the loser's insert does nothing and then
    -- (a new statement, a new snapshot) finds the winner's committed room.
    INSERT INTO chat_rooms (type, created_by, direct_user_low, direct_user_high)
    VALUES ('direct', p_user, least(p_user, p_other), greatest(p_user, p_other))
    ON CONFLICT ON CONSTRAINT chat_rooms_direct_pair_unique DO NOTHING
    RETURNING id INTO rid;
    IF rid IS NULL THEN
        SELECT r.id INTO rid FROM chat_rooms r
        WHERE r.direct_user_low = least(p_user, p_other) AND r.direct_user_high = greatest(p_user, p_other);
        RETURN QUERY SELECT rid, false;
        RETURN;
    END IF;
    INSERT INTO chat_room_users (room_id, user_id, role) VALUES (rid, p_user, 'member'), (rid, p_other, 'member');
    INSERT INTO chat_events (room_id, kind, payload) VALUES (rid, 'conversation_created', chat_conversation_json(rid, NULL));
    RETURN QUERY SELECT rid, true;
END
$$;

CREATE FUNCTION chat_create_group(p_creator bigint, p_name text, p_avatar text, p_participants bigint[]) RETURNS bigint
LANGUAGE plpgsql AS $$
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
$$;

CREATE FUNCTION chat_send_message(p_room bigint, p_sender bigint, p_content text, p_media_url text, p_media_type text,
                                  p_client_id text, p_reply_to bigint)
RETURNS TABLE (message json, created boolean) LANGUAGE plpgsql AS $$
DECLARE
    existing chat_messages;
    msg chat_messages;
    new_seq bigint;
    new_id bigint;
    body json;
BEGIN
    PERFORM chat_require_member(p_room, p_sender);
    IF p_client_id IS NOT NULL THEN
        SELECT * INTO existing FROM chat_messages WHERE sender_id = p_sender AND client_message_id = p_client_id;
        IF FOUND THEN
            IF existing.room_id <> p_room THEN
                RAISE EXCEPTION 'clientMessageId used in another conversation' USING ERRCODE = 'CH409';
            END IF;
            RETURN QUERY SELECT chat_message_json(existing, chat_reactions_json(existing.id, p_sender)), false;
            RETURN;
        END IF;
    END IF;
    IF p_reply_to IS NOT NULL AND NOT EXISTS (SELECT 1 FROM chat_messages WHERE id = p_reply_to AND room_id = p_room) THEN
        RAISE EXCEPTION 'reply target not in this conversation' USING ERRCODE = 'CHRPL';
    END IF;
    -- Taking the room's row lock first serializes sends per room, so seq has no gaps and the
    -- message id drawn here grows with seq inside the room.
    UPDATE chat_rooms
    SET last_seq = last_seq + 1, last_message_id = nextval('chat_messages_id_seq'), last_activity_at = now()
    WHERE id = p_room
    RETURNING last_seq, last_message_id INTO new_seq, new_id;
    INSERT INTO chat_messages (id, room_id, sender_id, seq, content, media_url, media_type, client_message_id, reply_to_id)
    VALUES (new_id, p_room, p_sender, new_seq, p_content, p_media_url, p_media_type, p_client_id, p_reply_to)
    RETURNING * INTO msg;
    -- Sending implies having read everything before it, so a sender's own messages never count
    -- as unread for them (no separate message_read event: new_message carries the fact).
    UPDATE chat_room_users SET last_read_seq = new_seq, last_read_message_id = new_id, last_read_at = now()
    WHERE room_id = p_room AND user_id = p_sender;
    body := chat_message_json(msg);
    INSERT INTO chat_events (room_id, kind, payload) VALUES (p_room, 'new_message', body);
    RETURN QUERY SELECT body, true;
END
$$;

CREATE FUNCTION chat_mark_read(p_room bigint, p_user bigint, p_up_to bigint)
RETURNS TABLE (unread_count bigint, last_read_message_id bigint, moved boolean) LANGUAGE plpgsql AS $$
DECLARE
    me chat_room_users;
    room chat_rooms;
    target_seq bigint;
    target_id bigint;
BEGIN
    me := chat_require_member(p_room, p_user);
    SELECT * INTO room FROM chat_rooms WHERE id = p_room;
    IF p_up_to IS NULL THEN
        target_seq := room.last_seq;
        target_id := room.last_message_id;
    ELSE
        SELECT m.seq, m.id INTO target_seq, target_id FROM chat_messages m WHERE m.id = p_up_to AND m.room_id = p_room;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no such message' USING ERRCODE = 'CHM04';
        END IF;
    END IF;
    -- Never backwards: the WHERE clause makes a concurrent, further read win.
    UPDATE chat_room_users u SET last_read_seq = target_seq, last_read_message_id = target_id, last_read_at = now()
    WHERE u.room_id = p_room AND u.user_id = p_user AND u.last_read_seq < target_seq;
    IF FOUND THEN
        INSERT INTO chat_events (room_id, kind, payload)
        VALUES (p_room, 'message_read', json_build_object('conversationId', p_room, 'userId', p_user,
                                                          'upToMessageId', target_id, 'readAt', now()));
        RETURN QUERY SELECT room.last_seq - target_seq, target_id, true;
        RETURN;
    END IF;
    SELECT * INTO me FROM chat_room_users u WHERE u.room_id = p_room AND u.user_id = p_user;
    RETURN QUERY SELECT room.last_seq - me.last_read_seq, me.last_read_message_id, false;
END
$$;

-- The message a reaction targets, checked for access; raises CHM04 / CH403.
CREATE FUNCTION chat_require_visible_message(p_message bigint, p_user bigint) RETURNS chat_messages
LANGUAGE plpgsql STABLE AS $$
DECLARE
    msg chat_messages;
BEGIN
    SELECT * INTO msg FROM chat_messages WHERE id = p_message;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such message' USING ERRCODE = 'CHM04';
    END IF;
    PERFORM chat_require_member(msg.room_id, p_user);
    RETURN msg;
END
$$;

CREATE FUNCTION chat_add_reaction(p_message bigint, p_user bigint, p_emoji text)
RETURNS TABLE (created boolean, reactions json) LANGUAGE plpgsql AS $$
DECLARE
    msg chat_messages;
    inserted boolean;
BEGIN
    msg := chat_require_visible_message(p_message, p_user);
    IF msg.deleted_at IS NOT NULL THEN
        RAISE EXCEPTION 'message was deleted' USING ERRCODE = 'CHDEL';
    END IF;
    INSERT INTO message_reactions (message_id, user_id, emoji) VALUES (p_message, p_user, p_emoji)
    ON CONFLICT DO NOTHING;
    inserted := FOUND;
    IF inserted THEN
        INSERT INTO chat_events (room_id, kind, payload)
        VALUES (msg.room_id, 'reaction_added', json_build_object(
            'conversationId', msg.room_id, 'messageId', p_message, 'userId', p_user, 'emoji', p_emoji,
            'count', (SELECT count(*) FROM message_reactions WHERE message_id = p_message AND emoji = p_emoji)));
    END IF;
    RETURN QUERY SELECT inserted, chat_reactions_json(p_message, p_user);
END
$$;

CREATE FUNCTION chat_remove_reaction(p_message bigint, p_user bigint, p_emoji text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    msg chat_messages;
BEGIN
    msg := chat_require_visible_message(p_message, p_user);
    DELETE FROM message_reactions WHERE message_id = p_message AND user_id = p_user AND emoji = p_emoji;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such reaction' USING ERRCODE = 'CHR04';
    END IF;
    INSERT INTO chat_events (room_id, kind, payload)
    VALUES (msg.room_id, 'reaction_removed', json_build_object(
        'conversationId', msg.room_id, 'messageId', p_message, 'userId', p_user, 'emoji', p_emoji,
        'count', (SELECT count(*) FROM message_reactions WHERE message_id = p_message AND emoji = p_emoji)));
END
$$;
