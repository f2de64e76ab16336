-- The live definition of chat_send_messages: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_send_messages(p_items json)
 RETURNS TABLE(item integer, message json, created boolean)
 LANGUAGE plpgsql
AS $function$
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
$function$
;
