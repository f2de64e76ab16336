-- The live definition of chat_user_online: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_user_online(p_user bigint)
 RETURNS boolean
 LANGUAGE sql
 STABLE
AS $function$
    SELECT EXISTS (SELECT 1 FROM push_presence p JOIN push_daemons d ON d.daemon_id = p.daemon_id
                   WHERE p.user_id = p_user AND d.heartbeat_at > chat_presence_horizon())
$function$
;
