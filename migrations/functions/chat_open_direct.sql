-- The live definition of chat_open_direct: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_open_direct(p_user bigint, p_other bigint)
 RETURNS TABLE(room_id bigint, created boolean)
 LANGUAGE plpgsql
AS $function$
DECLARE
    rid bigint;
BEGIN
    IF p_user = p_other THEN
        RAISE EXCEPTION 'direct chat with oneself' USING ERRCODE = 'CHSLF';
    END IF;
    PERFORM chat_require_user(p_other);
    -- A block either way forbids a new direct conversation; one that exists stays readable.
    IF chat_blocked_between(p_user, p_other) AND NOT EXISTS (
        SELECT 1 FROM chat_rooms r WHERE r.direct_user_low = least(p_user, p_other) AND r.direct_user_high = greatest(p_user, p_other)) THEN
        RAISE EXCEPTION 'blocked' USING ERRCODE = 'CHBLK';
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
$function$
;
