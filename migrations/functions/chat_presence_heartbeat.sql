-- The live definition of chat_presence_heartbeat: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_presence_heartbeat(p_daemon text)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE
    gone text;
    u bigint;
BEGIN
    INSERT INTO push_daemons (daemon_id, heartbeat_at) VALUES (p_daemon, now())
    ON CONFLICT (daemon_id) DO UPDATE SET heartbeat_at = now();
    FOR gone IN SELECT d.daemon_id FROM push_daemons d WHERE d.heartbeat_at < chat_presence_horizon() FOR UPDATE SKIP LOCKED LOOP
        DELETE FROM push_daemons d WHERE d.daemon_id = gone;
        FOR u IN DELETE FROM push_presence p WHERE p.daemon_id = gone RETURNING p.user_id LOOP
            IF NOT chat_user_online(u) THEN
                INSERT INTO user_last_seen (user_id, last_seen_at) VALUES (u, now())
                ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at;
                PERFORM chat_presence_announce(u, false, now());
            END IF;
        END LOOP;
    END LOOP;
END
$function$
;
