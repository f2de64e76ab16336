-- The live definition of chat_send_messages: edit it here; the migrator re-applies this file when it changes.
-- Stores a batch of sends in one transaction (the pool's group commit, and each lone send).
-- An item with "ratePerSecond" and "rateBurst" first takes a token of its sender's `send` bucket
-- (chat_rate_take) in this same transaction: one commit and one WAL flush for the check and the
-- send, where a check of its own cost a commit of its own (issue 17). A refused item stores
-- nothing and comes back with retry_after_ms and the policy that refused it (the user's override
-- or the one given); a stored one with its message. Buckets are taken first, in sender order,
-- then the sends in room order, so concurrent batches lock rows in one order.
CREATE OR REPLACE FUNCTION public.chat_send_messages(p_items json)
 RETURNS TABLE(item integer, message json, created boolean, retry_after_ms bigint, limit_burst integer, limit_per_second double precision)
 LANGUAGE plpgsql
AS $function$
DECLARE
    x record;
    t record;
    refused integer[] := '{}';
BEGIN
    FOR x IN
        SELECT r.i, r.sender, r."ratePerSecond", r."rateBurst"
        FROM json_to_recordset(p_items) AS r(i integer, sender bigint, "ratePerSecond" double precision, "rateBurst" integer)
        WHERE r."ratePerSecond" IS NOT NULL
        ORDER BY r.sender, r.i
    LOOP
        SELECT * INTO t FROM chat_rate_take(x.sender, 'send', x."ratePerSecond", x."rateBurst");
        IF NOT t.allowed THEN
            refused := refused || x.i;
            RETURN QUERY SELECT x.i, NULL::json, false, t.retry_after_ms, t.burst, t.per_second;
        END IF;
    END LOOP;
    FOR x IN
        SELECT * FROM json_to_recordset(p_items) AS r(i integer, room bigint, sender bigint, content text, "mediaUrl" text,
                                                      "mediaType" text, "clientMessageId" text, "replyToId" bigint)
        WHERE NOT r.i = ANY (refused)
        ORDER BY r.room, r.i
    LOOP
        RETURN QUERY SELECT x.i, s.message, s.created, NULL::bigint, NULL::integer, NULL::double precision
        FROM chat_send_message(x.room, x.sender, x.content, x."mediaUrl", x."mediaType", x."clientMessageId", x."replyToId") s;
    END LOOP;
END
$function$
;
