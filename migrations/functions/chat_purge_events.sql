-- The live definition of chat_purge_events: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_purge_events(p_retention_hours integer, p_batch integer)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
DECLARE
    n integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7283752) THEN
        RETURN 0;
    END IF;
    WITH oldest AS (SELECT e.id, e.created_at FROM chat_events e ORDER BY e.id LIMIT p_batch)
    DELETE FROM chat_events e USING oldest
    WHERE e.id = oldest.id AND oldest.created_at < now() - make_interval(hours => p_retention_hours);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$function$
;
