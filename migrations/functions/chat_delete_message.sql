-- The live definition of chat_delete_message: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_delete_message(p_message bigint, p_actor bigint)
 RETURNS json
 LANGUAGE plpgsql
AS $function$
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
    msg := chat_scrub_message(msg.id, NULL);
    INSERT INTO chat_events (room_id, kind, payload)
    VALUES (msg.room_id, 'message_deleted', json_build_object(
        'conversationId', msg.room_id, 'messageId', msg.id, 'by', p_actor, 'message', chat_message_json(msg)));
    RETURN chat_message_json(msg);
END
$function$
;
