-- The live definition of chat_presence_reset: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_presence_reset(p_daemon text)
 RETURNS void
 LANGUAGE sql
AS $function$
    DELETE FROM push_presence WHERE daemon_id = p_daemon;
    INSERT INTO push_daemons (daemon_id, heartbeat_at) VALUES (p_daemon, now())
    ON CONFLICT (daemon_id) DO UPDATE SET heartbeat_at = now();
$function$
;
