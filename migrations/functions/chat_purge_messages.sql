-- The live definition of chat_purge_messages: edit it here; the migrator re-applies this file when it changes.
-- Retention: tombstones (chat_scrub_message, removal 'retention', with a message_deleted event)
-- the messages older than their conversation's retention, the shorter of its retention_days and
-- p_default_days (NULL: none). Walks each conversation from its purged_through_id in id order
-- (messages of a room are created in id order) and stops at the first one not due, at most
-- p_batch messages in all. Returns how many it moved past; one caller at a time (advisory lock).
CREATE OR REPLACE FUNCTION public.chat_purge_messages(p_default_days integer, p_batch integer)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
DECLARE
    r record;
    m record;
    scrubbed chat_messages;
    scanned integer := 0;
    through bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7283753) THEN
        RETURN 0;
    END IF;
    FOR r IN
        SELECT id, purged_through_id, now() - make_interval(days => least(retention_days, p_default_days)) AS cutoff
        FROM chat_rooms WHERE least(retention_days, p_default_days) IS NOT NULL
        ORDER BY id  -- room order, as a group commit takes its rooms: each scrub locks its room
    LOOP
        through := NULL;
        FOR m IN
            SELECT id, created_at < r.cutoff AS due, deleted_at IS NOT NULL AS gone
            FROM chat_messages WHERE room_id = r.id AND id > r.purged_through_id
            ORDER BY id LIMIT p_batch - scanned
        LOOP
            EXIT WHEN NOT m.due;
            IF NOT m.gone THEN
                scrubbed := chat_scrub_message(m.id, 'retention');
                PERFORM chat_removal_event(scrubbed);
            END IF;
            through := m.id;
            scanned := scanned + 1;
        END LOOP;
        IF through IS NOT NULL THEN
            UPDATE chat_rooms SET purged_through_id = through WHERE id = r.id;
        END IF;
        EXIT WHEN scanned >= p_batch;
    END LOOP;
    RETURN scanned;
END
$function$
;
