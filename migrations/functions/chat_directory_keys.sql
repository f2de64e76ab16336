-- The live definition of chat_directory_keys: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_directory_keys(p_username text, p_display text)
 RETURNS TABLE(kind smallint, key text)
 LANGUAGE plpgsql
 STABLE
AS $function$
DECLARE
    folded text := chat_fold(p_display);
    previous text;
    current text;
BEGIN
    kind := 1; key := chat_fold(p_username); RETURN NEXT;
    IF folded <> chat_fold(p_username) THEN key := folded; RETURN NEXT; END IF;
    kind := 2;
    FOR i IN 2..char_length(folded) LOOP
        previous := substr(folded, i - 1, 1);
        current := substr(folded, i, 1);
        IF current !~ '[[:space:][:punct:]]'
           AND (previous ~ '[[:space:][:punct:]]' OR chat_unspaced_script(current) OR chat_unspaced_script(previous)) THEN
            key := substr(folded, i); RETURN NEXT;
        END IF;
    END LOOP;
END
$function$
;
