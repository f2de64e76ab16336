-- The live definition of chat_directory_sync: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_directory_sync()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM user_directory_keys WHERE user_id = OLD.id;
    END IF;
    IF NEW.deactivated_at IS NULL THEN
        INSERT INTO user_directory_keys (kind, key, user_id)
        SELECT DISTINCT k.kind, k.key, NEW.id FROM chat_directory_keys(NEW.username, NEW.display_name) k;
    END IF;
    RETURN NULL;
END
$function$
;
