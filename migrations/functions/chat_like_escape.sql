-- The live definition of chat_like_escape: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_like_escape(p_text text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE STRICT
AS $function$
    SELECT replace(replace(replace(p_text, '\', '\\'), '%', '\%'), '_', '\_')
$function$
;
