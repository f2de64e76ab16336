-- The live definition of chat_fold: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_fold(p_text text)
 RETURNS text
 LANGUAGE plpgsql
 IMMUTABLE PARALLEL SAFE STRICT
AS $function$
BEGIN
    RETURN lower(public.unaccent('public.unaccent'::regdictionary, p_text));
END
$function$
;
