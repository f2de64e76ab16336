-- The live definition of chat_require_message: edit it here; the migrator re-applies this file when it changes.
-- The message, or CHM04 (404 message_not_found) when there is none. Who may see it is the
-- caller's matter (chat_require_visible_message for members).
CREATE OR REPLACE FUNCTION public.chat_require_message(p_message bigint)
 RETURNS chat_messages
 LANGUAGE plpgsql
 STABLE
AS $function$
DECLARE
    msg chat_messages;
BEGIN
    SELECT * INTO msg FROM chat_messages WHERE id = p_message;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such message' USING ERRCODE = 'CHM04';
    END IF;
    RETURN msg;
END
$function$
;
