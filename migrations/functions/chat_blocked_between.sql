-- The live definition of chat_blocked_between: edit it here; the migrator re-applies this file when it changes.
-- Whether either user blocked the other: neither may then write to the other directly.
CREATE OR REPLACE FUNCTION public.chat_blocked_between(p_a bigint, p_b bigint)
 RETURNS boolean
 LANGUAGE sql
 STABLE
AS $function$
    SELECT EXISTS (SELECT 1 FROM user_blocks
                   WHERE (blocker_id = p_a AND blocked_id = p_b) OR (blocker_id = p_b AND blocked_id = p_a))
$function$
;
