-- The live definition of chat_erase_user: edit it here; the migrator re-applies this file when it changes.
-- A data-protection erasure: every message the user sent becomes a tombstone (removal 'erasure',
-- copies scrubbed, a message_deleted event each), their reactions, reports, blocks and last-seen
-- time go, and their profile is anonymized and deactivated (sessions closed, tokens refused).
-- Conversations, memberships and everyone else's messages stay. Returns the messages erased.
CREATE OR REPLACE FUNCTION public.chat_erase_user(p_user bigint)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
DECLARE
    m record;
    scrubbed chat_messages;
    n integer := 0;
BEGIN
    PERFORM chat_require_user(p_user);
    -- In room order, as a group commit takes its rooms (chat_send_messages): each scrub locks its room.
    FOR m IN SELECT id FROM chat_messages WHERE sender_id = p_user AND removal IS DISTINCT FROM 'erasure' ORDER BY room_id, id LOOP
        scrubbed := chat_scrub_message(m.id, 'erasure');
        PERFORM chat_removal_event(scrubbed);
        n := n + 1;
    END LOOP;
    DELETE FROM message_reactions WHERE user_id = p_user;
    DELETE FROM message_reports WHERE reporter_id = p_user;
    DELETE FROM user_blocks WHERE blocker_id = p_user OR blocked_id = p_user;
    DELETE FROM user_last_seen WHERE user_id = p_user;
    UPDATE users SET username = 'erased_' || id, display_name = 'Erased user', avatar = NULL, external_id = NULL, roles = '{}',
                     deactivated_at = coalesce(deactivated_at, now()), erased_at = now()
    WHERE id = p_user;
    PERFORM chat_user_updated_event(p_user);
    INSERT INTO chat_events (room_id, kind, payload, extra_recipients)
    VALUES (0, 'account_deactivated', json_build_object('userId', p_user), ARRAY[p_user]);
    PERFORM pg_notify('chat_accounts', p_user::text);
    RETURN n;
END
$function$
;
