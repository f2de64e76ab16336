-- The live definition of chat_username_base: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_username_base(p_wanted text, p_fallback text)
 RETURNS text
 LANGUAGE plpgsql
 STABLE
AS $function$
DECLARE
    cleaned text;
BEGIN
    cleaned := btrim(regexp_replace(public.unaccent('public.unaccent'::regdictionary, coalesce(p_wanted, '')), '[^A-Za-z0-9_.-]+', '_', 'g'), '_');
    RETURN left(coalesce(nullif(cleaned, ''), p_fallback), 64);
END
$function$
;
