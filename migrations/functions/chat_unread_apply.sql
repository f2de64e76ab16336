-- The live definition of chat_unread_apply: edit it here; the migrator re-applies this file when it changes.
-- At commit (a deferred trigger on the marker row chat_unread_defer inserts), adds the transaction's
-- unread changes to chat_user_unread: one row per user, taken in user id order, the last locks
-- the transaction takes. The rows are deleted as they are applied, so they are added once.
CREATE OR REPLACE FUNCTION public.chat_unread_apply()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    WITH applied AS (DELETE FROM pg_temp.chat_unread_pending RETURNING user_id, delta)
    INSERT INTO chat_user_unread AS t (user_id, total)
    SELECT user_id, sum(delta) FROM applied WHERE user_id IS NOT NULL
    GROUP BY user_id HAVING sum(delta) <> 0 ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET total = t.total + excluded.total;
    RETURN NULL;
END
$function$
;
