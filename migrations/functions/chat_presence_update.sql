-- The live definition of chat_presence_update: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_presence_update(p_daemon text, p_online bigint[], p_offline bigint[])
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE
    u bigint;
    seen timestamptz;
BEGIN
    INSERT INTO push_daemons (daemon_id, heartbeat_at) VALUES (p_daemon, now())
    ON CONFLICT (daemon_id) DO UPDATE SET heartbeat_at = now();
    FOREACH u IN ARRAY p_online LOOP
        IF NOT chat_user_online(u) THEN
            PERFORM chat_presence_announce(u, true, NULL);
        END IF;
        INSERT INTO push_presence (user_id, daemon_id) VALUES (u, p_daemon) ON CONFLICT DO NOTHING;
    END LOOP;
    FOREACH u IN ARRAY p_offline LOOP
        DELETE FROM push_presence p WHERE p.user_id = u AND p.daemon_id = p_daemon;
        IF NOT chat_user_online(u) THEN
            seen := now();
            INSERT INTO user_last_seen (user_id, last_seen_at) VALUES (u, seen)
            ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at;
            PERFORM chat_presence_announce(u, false, seen);
        END IF;
    END LOOP;
END
$function$
;
