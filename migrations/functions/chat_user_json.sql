-- The live definition of chat_user_json: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_user_json(u users)
 RETURNS json
 LANGUAGE sql
 STABLE
AS $function$
    SELECT json_build_object('id', u.id, 'username', u.username, 'displayName', u.display_name, 'avatar', u.avatar,
                             'deactivated', u.deactivated_at IS NOT NULL)
$function$
;
