-- The live definition of chat_reactions_json: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_reactions_json(p_message bigint, p_viewer bigint)
 RETURNS json
 LANGUAGE sql
 STABLE
AS $function$
    SELECT coalesce(json_agg(json_build_object('emoji', s.emoji, 'count', s.n, 'reacted', s.mine) ORDER BY s.first_at, s.emoji), '[]'::json)
    FROM (SELECT emoji, count(*) AS n, coalesce(bool_or(user_id = p_viewer), false) AS mine, min(created_at) AS first_at
          FROM message_reactions WHERE message_id = p_message GROUP BY emoji) s
$function$
;
