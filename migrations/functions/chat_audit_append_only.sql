-- The live definition of chat_audit_append_only: edit it here; the migrator re-applies this file when it changes.
-- The trigger function that keeps moderation_audit append-only (migration 0030).
CREATE OR REPLACE FUNCTION public.chat_audit_append_only()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    RAISE EXCEPTION 'moderation_audit is append-only' USING ERRCODE = 'CHAUD';
END
$function$
;
