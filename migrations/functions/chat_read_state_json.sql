-- The live definition of chat_read_state_json: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_read_state_json(p_room bigint, p_actor bigint)
 RETURNS json
 LANGUAGE plpgsql
 STABLE
AS $function$
BEGIN
    PERFORM chat_require_member(p_room, p_actor);
    RETURN json_build_object(
        'conversationId', p_room,
        'members', (SELECT json_agg(json_build_object('userId', cu.user_id, 'lastReadMessageId', cu.last_read_message_id,
                                                      'lastReadAt', cu.last_read_at) ORDER BY cu.user_id)
                    FROM chat_room_users cu WHERE cu.room_id = p_room));
END
$function$
;
