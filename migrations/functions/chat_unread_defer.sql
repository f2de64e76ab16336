-- The live definition of chat_unread_defer: edit it here; the migrator re-applies this file when it changes.
-- Records changes to users' unread totals (chat_user_unread, migration 0023) for chat_unread_apply
-- to add at commit. Deferring them makes the totals the last rows a transaction locks, all in one
-- statement in user id order: a group commit of sends to many rooms, a read, a delete and a purge
-- can never wait on each other's totals in a cycle. The transaction's first change also queues the
-- one apply (the marker row, user_id NULL); a rolled-back subtransaction takes its rows away with it.
CREATE OR REPLACE FUNCTION public.chat_unread_defer(p_users bigint[], p_deltas bigint[])
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF to_regclass('pg_temp.chat_unread_pending') IS NULL THEN
        -- Once per database session: private to it, never written to the WAL, emptied by every commit.
        CREATE TEMP TABLE chat_unread_pending (user_id bigint, delta bigint NOT NULL) ON COMMIT DELETE ROWS;
        CREATE CONSTRAINT TRIGGER chat_unread_apply AFTER INSERT ON pg_temp.chat_unread_pending
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.user_id IS NULL) EXECUTE FUNCTION chat_unread_apply();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_temp.chat_unread_pending) THEN
        INSERT INTO pg_temp.chat_unread_pending (user_id, delta) VALUES (NULL, 0);
    END IF;
    INSERT INTO pg_temp.chat_unread_pending (user_id, delta) SELECT * FROM unnest(p_users, p_deltas);
END
$function$
;
