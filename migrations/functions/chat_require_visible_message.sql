-- The live definition of chat_require_visible_message: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_require_visible_message(p_message bigint, p_user bigint)
 RETURNS chat_messages
 LANGUAGE plpgsql
 STABLE
AS $function$
DECLARE
    msg chat_messages;
BEGIN
    msg := chat_require_message(p_message);
    PERFORM chat_require_member(msg.room_id, p_user);
    RETURN msg;
END
$function$
;
