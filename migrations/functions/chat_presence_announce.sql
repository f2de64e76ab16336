-- The live definition of chat_presence_announce: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_presence_announce(p_user bigint, p_online boolean, p_last_seen timestamp with time zone)
 RETURNS void
 LANGUAGE sql
AS $function$
    SELECT pg_notify('chat_presence', json_build_object('userId', p_user, 'online', p_online, 'lastSeenAt', p_last_seen)::text)
$function$
;
