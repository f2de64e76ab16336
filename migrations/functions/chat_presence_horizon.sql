-- The live definition of chat_presence_horizon: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_presence_horizon()
 RETURNS timestamp with time zone
 LANGUAGE sql
 STABLE
AS $function$
    SELECT now() - interval '30 seconds'
$function$
;
