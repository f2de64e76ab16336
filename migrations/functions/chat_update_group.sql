-- The live definition of chat_update_group: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_update_group(p_room bigint, p_actor bigint, p_set_name boolean, p_name text, p_set_avatar boolean, p_avatar text)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
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
$function$
;
