-- The live definition of chat_search_recent: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_search_recent(p_user bigint, p_room bigint, p_query text, p_window integer, p_budget integer)
 RETURNS bigint[]
 LANGUAGE plpgsql
 STABLE
 SET plan_cache_mode TO 'force_generic_plan'
AS $function$
-- The newest p_window matches of p_query in p_user's conversations (only p_room when given),
-- newest first, found by walking histories backwards, newest conversation first; NULL when
-- p_budget messages were read before the answer was certain (a conversation visited counts as
-- 25 messages: its query costs about as much as reading 25 rows). Cheap when the term is
-- frequent in recent messages, where the trigram index is dear: a term in a million messages
-- costs it a million entries to read.
-- Generic plans (the SET above; the search's transaction forces custom ones for its other
-- queries): planned for its actual id, a conversation holding most of the table's messages got
-- a backwards walk of the primary key that skipped every newer message of other conversations
-- (369,000 rows, 91 ms, on the bench's database) instead of its own history index.
DECLARE
    pattern text := '%' || chat_like_escape(chat_fold(p_query)) || '%';
    found bigint[] := '{}';
    -- Once p_window matches are found, only messages newer than the oldest of them can matter.
    floor_id bigint := 0;
    spent integer := 0;
    room record;
    message record;
    room_hits integer;
BEGIN
    -- last_message_id is the room's newest id (chat_send_message takes it from the sequence):
    -- a conversation whose newest message is not above the floor holds nothing newer.
    FOR room IN
        SELECT r.id, r.last_message_id FROM chat_room_users cu JOIN chat_rooms r ON r.id = cu.room_id
        WHERE cu.user_id = p_user AND (p_room IS NULL OR cu.room_id = p_room)
        ORDER BY r.last_message_id DESC NULLS FIRST
    LOOP
        EXIT WHEN cardinality(found) >= p_window AND room.last_message_id <= floor_id;
        spent := spent + 25;
        IF spent > p_budget THEN
            RETURN NULL;
        END IF;
        room_hits := 0;
        FOR message IN
            SELECT m.id, chat_fold(m.content) LIKE pattern AS hit FROM chat_messages m
            WHERE m.room_id = room.id AND m.deleted_at IS NULL AND m.id > floor_id
            ORDER BY m.id DESC LIMIT p_budget - spent + 1
        LOOP
            spent := spent + 1;
            IF spent > p_budget THEN
                RETURN NULL;
            END IF;
            IF message.hit THEN
                found := found || message.id;
                room_hits := room_hits + 1;
                -- This conversation's older matches cannot be among the newest p_window.
                EXIT WHEN room_hits >= p_window;
            END IF;
        END LOOP;
        IF cardinality(found) >= p_window THEN
            found := ARRAY(SELECT f FROM unnest(found) f ORDER BY f DESC LIMIT p_window);
            floor_id := found[p_window];
        END IF;
    END LOOP;
    RETURN ARRAY(SELECT f FROM unnest(found) f ORDER BY f DESC);
END
$function$
;
