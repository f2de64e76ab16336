-- The live definition of chat_unread_count_changed: edit it here; the migrator re-applies this file when it changes.
-- The statement trigger of the unread totals (migration 0023): after a write to chat_rooms (a send
-- moves last_seq) or chat_room_users (a join, a read marker or a tombstone count moving, a
-- removal), each member's total changes by the change of their count in the room,
-- `greatest(last_seq - last_read_seq - unread_deleted, 0)`. One function for the four triggers
-- (a trigger with transition tables has one event); chat_unread_defer adds the changes at commit.
CREATE OR REPLACE FUNCTION public.chat_unread_count_changed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    users bigint[];
    deltas bigint[];
BEGIN
    IF TG_TABLE_NAME = 'chat_rooms' THEN
        SELECT array_agg(c.user_id), array_agg(c.delta) INTO users, deltas
        FROM (SELECT m.user_id,
                     greatest(n.last_seq - m.last_read_seq - m.unread_deleted, 0)
                     - greatest(o.last_seq - m.last_read_seq - m.unread_deleted, 0) AS delta
              FROM new_rooms n JOIN old_rooms o ON o.id = n.id AND o.last_seq <> n.last_seq
              JOIN chat_room_users m ON m.room_id = n.id) c
        WHERE c.delta <> 0;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(c.user_id), array_agg(c.delta) INTO users, deltas
        FROM (SELECT n.user_id, greatest(r.last_seq - n.last_read_seq - n.unread_deleted, 0) AS delta
              FROM new_members n JOIN chat_rooms r ON r.id = n.room_id) c
        WHERE c.delta <> 0;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(c.user_id), array_agg(c.delta) INTO users, deltas
        FROM (SELECT o.user_id, -greatest(r.last_seq - o.last_read_seq - o.unread_deleted, 0) AS delta
              FROM old_members o JOIN chat_rooms r ON r.id = o.room_id) c
        WHERE c.delta <> 0;
    ELSE
        SELECT array_agg(c.user_id), array_agg(c.delta) INTO users, deltas
        FROM (SELECT n.user_id,
                     greatest(r.last_seq - n.last_read_seq - n.unread_deleted, 0)
                     - greatest(r.last_seq - o.last_read_seq - o.unread_deleted, 0) AS delta
              FROM new_members n JOIN old_members o ON o.room_id = n.room_id AND o.user_id = n.user_id
              JOIN chat_rooms r ON r.id = n.room_id
              WHERE (n.last_read_seq, n.unread_deleted) IS DISTINCT FROM (o.last_read_seq, o.unread_deleted)) c
        WHERE c.delta <> 0;
    END IF;
    IF users IS NOT NULL THEN
        PERFORM chat_unread_defer(users, deltas);
    END IF;
    RETURN NULL;
END
$function$
;
