-- The live definition of chat_search_rank: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_search_rank(p_folded text, p_query text)
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE STRICT
AS $function$
    SELECT CASE
        WHEN p_folded ~ ('(^|[^[:alnum:]])' || regexp_replace(p_query, '([.^$*+?()\[\]{}|\\-])', '\\\1', 'g') || '($|[^[:alnum:]])') THEN 2
        WHEN p_folded ~ ('(^|[^[:alnum:]])' || regexp_replace(p_query, '([.^$*+?()\[\]{}|\\-])', '\\\1', 'g')) THEN 1
        ELSE 0 END
$function$
;
