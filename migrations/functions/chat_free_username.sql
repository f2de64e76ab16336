-- The live definition of chat_free_username: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_free_username(p_base text, p_self bigint)
 RETURNS text
 LANGUAGE plpgsql
 STABLE
AS $function$
DECLARE
    candidate text := p_base;
    n int := 1;
BEGIN
    LOOP
        IF NOT EXISTS (SELECT 1 FROM users WHERE username = candidate AND id IS DISTINCT FROM p_self) THEN
            RETURN candidate;
        END IF;
        n := n + 1;
        IF n <= 50 THEN
            candidate := left(p_base, 63 - length(n::text)) || '_' || n;
        ELSE
            candidate := left(p_base, 51) || '_' || substr(md5(random()::text || clock_timestamp()::text), 1, 12);
        END IF;
    END LOOP;
END
$function$
;
