-- The live definition of chat_unspaced_script: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_unspaced_script(p_text text)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
AS $function$
    SELECT p_text ~ '[\u0E00-\u0EFF\u1000-\u109F\u1780-\u17FF\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF]'
$function$
;
