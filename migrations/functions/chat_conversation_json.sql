-- The live definition of chat_conversation_json: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_conversation_json(p_room bigint, p_viewer bigint)
 RETURNS json
 LANGUAGE sql
 STABLE
AS $function$
    SELECT conversation FROM chat_conversations_json(ARRAY[p_room], p_viewer)
$function$
;
