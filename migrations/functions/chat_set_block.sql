-- The live definition of chat_set_block: edit it here; the migrator re-applies this file when it changes.
-- Blocks (or unblocks) p_blocked for p_blocker; false when it already was so. Nobody else hears
-- of it: no event is written.
CREATE OR REPLACE FUNCTION public.chat_set_block(p_blocker bigint, p_blocked bigint, p_block boolean)
 RETURNS boolean
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF p_blocker = p_blocked THEN
        RAISE EXCEPTION 'cannot block oneself' USING ERRCODE = 'CHBSF';
    END IF;
    PERFORM chat_require_user(p_blocked);
    IF p_block THEN
        INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (p_blocker, p_blocked) ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM user_blocks WHERE blocker_id = p_blocker AND blocked_id = p_blocked;
    END IF;
    RETURN FOUND;
END
$function$
;
