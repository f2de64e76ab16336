-- The live definition of chat_user_updated_event: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_user_updated_event(p_user bigint)
 RETURNS void
 LANGUAGE sql
AS $function$
    INSERT INTO chat_events (room_id, kind, payload, extra_recipients)
    SELECT 0, 'user_updated', json_build_object('user', chat_user_json(u)),
           ARRAY(SELECT o.user_id FROM chat_room_users m JOIN chat_room_users o ON o.room_id = m.room_id WHERE m.user_id = p_user
                 UNION SELECT p_user)
    FROM users u WHERE u.id = p_user
$function$
;
