-- The live definition of chat_user_presence: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_user_presence(p_viewer bigint, p_user bigint)
 RETURNS TABLE(online boolean, last_seen_at timestamp with time zone)
 LANGUAGE sql
 STABLE
AS $function$
    SELECT chat_user_online(u.id),
           CASE WHEN chat_user_online(u.id) THEN NULL ELSE (SELECT s.last_seen_at FROM user_last_seen s WHERE s.user_id = u.id) END
    FROM users u
    WHERE u.id = p_user
      AND (p_viewer = p_user OR EXISTS (
          SELECT 1 FROM chat_room_users a JOIN chat_room_users b ON b.room_id = a.room_id
          WHERE a.user_id = p_viewer AND b.user_id = p_user))
      -- Someone who blocked the viewer is not seen coming and going by them.
      AND NOT EXISTS (SELECT 1 FROM user_blocks k WHERE k.blocker_id = p_user AND k.blocked_id = p_viewer)
$function$
;
