-- The live definition of chat_conversations_json: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_conversations_json(p_rooms bigint[], p_viewer bigint)
 RETURNS TABLE(room_id bigint, conversation json, activity_at timestamp with time zone)
 LANGUAGE sql
 STABLE
AS $function$
    SELECT r.id,
        json_build_object(
            'id', r.id,
            'type', r.type,
            'name', CASE WHEN r.type = 'direct' THEN other.display_name ELSE r.name END,
            'avatar', CASE WHEN r.type = 'direct' THEN other.avatar ELSE r.avatar END,
            'createdBy', r.created_by,
            'createdAt', r.created_at,
            'participants', parts.participants,
            'lastMessage', CASE WHEN last.id IS NOT NULL THEN chat_message_json(last) END,
            'lastMessageAt', last.created_at,
            'unreadCount', coalesce(r.last_seq - me.last_read_seq - me.unread_deleted, 0),
            'muted', coalesce(me.muted, false)),
        r.last_activity_at
    FROM chat_rooms r
    LEFT JOIN chat_messages last ON last.id = r.last_message_id
    LEFT JOIN chat_room_users me ON me.room_id = r.id AND me.user_id = p_viewer
    LEFT JOIN users other ON r.type = 'direct' AND p_viewer IS NOT NULL
        AND other.id = CASE WHEN r.direct_user_low = p_viewer THEN r.direct_user_high ELSE r.direct_user_low END
    CROSS JOIN LATERAL (
        SELECT json_agg(json_build_object('id', u.id, 'username', u.username, 'displayName', u.display_name,
                                          'avatar', u.avatar, 'deactivated', u.deactivated_at IS NOT NULL, 'role', p.role)
                        ORDER BY p.joined_at, p.role, u.id) AS participants
        FROM chat_room_users p
        CROSS JOIN LATERAL (SELECT * FROM users WHERE users.id = p.user_id OFFSET 0) u
        WHERE p.room_id = r.id) parts
    WHERE r.id = ANY (p_rooms)
$function$
;
