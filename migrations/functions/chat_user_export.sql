-- The live definition of chat_user_export: edit it here; the migrator re-applies this file when it changes.
-- Everything stored about a user, for a data-protection request (messaging-admin user export):
-- the profile, memberships, the messages they sent with earlier versions and the reactions on
-- them, the reactions they gave, the people they blocked and the reports they filed.
CREATE OR REPLACE FUNCTION public.chat_user_export(p_user bigint)
 RETURNS json
 LANGUAGE sql
 STABLE
AS $function$
    SELECT json_build_object(
        'exportedAt', now(),
        'profile', json_build_object('id', u.id, 'externalId', u.external_id, 'username', u.username, 'displayName', u.display_name,
                                     'avatar', u.avatar, 'roles', to_json(u.roles), 'createdAt', u.created_at,
                                     'deactivatedAt', u.deactivated_at, 'suspendedUntil', u.suspended_until, 'erasedAt', u.erased_at),
        'memberships', coalesce((SELECT json_agg(json_build_object('conversationId', m.room_id, 'type', r.type, 'name', r.name, 'role', m.role,
                                                                  'joinedAt', m.joined_at, 'muted', m.muted, 'lastReadMessageId', m.last_read_message_id)
                                                ORDER BY m.room_id)
                                 FROM chat_room_users m JOIN chat_rooms r ON r.id = m.room_id WHERE m.user_id = u.id), '[]'),
        'messages', coalesce((SELECT json_agg(json_build_object(
                                  'id', x.id, 'conversationId', x.room_id, 'content', x.content, 'mediaUrl', x.media_url, 'mediaType', x.media_type,
                                  'replyToId', x.reply_to_id, 'createdAt', x.created_at, 'editedAt', x.edited_at, 'deletedAt', x.deleted_at,
                                  'removal', x.removal,
                                  'versions', coalesce((SELECT json_agg(json_build_object('version', e.version, 'content', e.content, 'writtenAt', e.written_at)
                                                                        ORDER BY e.version)
                                                        FROM chat_message_edits e WHERE e.message_id = x.id), '[]'),
                                  'reactions', coalesce((SELECT json_agg(json_build_object('userId', a.user_id, 'emoji', a.emoji, 'at', a.created_at)
                                                                         ORDER BY a.created_at)
                                                         FROM message_reactions a WHERE a.message_id = x.id), '[]'))
                                  ORDER BY x.id)
                              FROM chat_messages x WHERE x.sender_id = u.id), '[]'),
        'reactionsGiven', coalesce((SELECT json_agg(json_build_object('messageId', a.message_id, 'emoji', a.emoji, 'at', a.created_at)
                                                    ORDER BY a.created_at)
                                    FROM message_reactions a WHERE a.user_id = u.id), '[]'),
        'blocks', coalesce((SELECT json_agg(json_build_object('userId', b.blocked_id, 'at', b.created_at) ORDER BY b.blocked_id)
                            FROM user_blocks b WHERE b.blocker_id = u.id), '[]'),
        'reports', coalesce((SELECT json_agg(json_build_object('messageId', p.message_id, 'reason', p.reason, 'note', p.note,
                                                               'status', p.status, 'at', p.created_at) ORDER BY p.id)
                             FROM message_reports p WHERE p.reporter_id = u.id), '[]'))
    FROM users u WHERE u.id = p_user
$function$
;
