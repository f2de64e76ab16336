-- The live definition of chat_set_group_retention: edit it here; the migrator re-applies this file when it changes.
-- A group's admin sets the group's own retention (NULL: only the deployment's applies), recorded
-- in the audit log like a platform admin's setting. The errors of chat_require_group_admin.
CREATE OR REPLACE FUNCTION public.chat_set_group_retention(p_room bigint, p_actor bigint, p_days integer)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
    PERFORM chat_require_group_admin(p_room, p_actor);
    PERFORM chat_set_retention(p_room, p_actor, p_days);
END
$function$
;
