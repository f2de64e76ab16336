-- Group commit for sends: the pool gathers the sends that arrive while a batch is in flight and
-- stores them in one transaction (one commit, one WAL flush, one round trip for all of them).
-- p_items is a JSON array of {i, room, sender, content, mediaUrl, mediaType, clientMessageId,
-- replyToId}; each row of the result is one item's chat_send_message result, keyed by its i.
-- Any error rolls the whole batch back: the pool then sends its items one by one, so each
-- gets its own answer. Rooms are locked in ascending id order, so concurrent batches never
-- wait for each other in a cycle.
CREATE FUNCTION chat_send_messages(p_items json) RETURNS TABLE (item integer, message json, created boolean)
LANGUAGE plpgsql AS $$
DECLARE
    x record;
BEGIN
    FOR x IN
        SELECT * FROM json_to_recordset(p_items) AS r(i integer, room bigint, sender bigint, content text, "mediaUrl" text,
                                                      "mediaType" text, "clientMessageId" text, "replyToId" bigint)
        ORDER BY r.room, r.i
    LOOP
        RETURN QUERY SELECT x.i, s.message, s.created
        FROM chat_send_message(x.room, x.sender, x.content, x."mediaUrl", x."mediaType", x."clientMessageId", x."replyToId") s;
    END LOOP;
END
$$;
