-- The live definition of chat_report_json: edit it here; the migrator re-applies this file when it changes.
-- A report as moderators see it: the reporter, the message as its conversation's members see it,
-- the conversation, a few messages around it (up to 3 before and 2 after, oldest first), and how
-- many open reports the message has.
CREATE OR REPLACE FUNCTION public.chat_report_json(r message_reports)
 RETURNS json
 LANGUAGE sql
 STABLE
AS $function$
    SELECT json_build_object(
        'id', r.id, 'reason', r.reason, 'note', r.note, 'status', r.status, 'createdAt', r.created_at,
        'resolvedAt', r.resolved_at, 'resolvedBy', r.resolved_by,
        'reporter', (SELECT chat_user_json(u) FROM users u WHERE u.id = r.reporter_id),
        'message', chat_message_json(m),
        'conversation', json_build_object('id', c.id, 'type', c.type, 'name', c.name),
        'context', coalesce((SELECT json_agg(chat_message_json(x) ORDER BY x.id) FROM (
            (SELECT * FROM chat_messages b WHERE b.room_id = m.room_id AND b.id < m.id ORDER BY b.id DESC LIMIT 3)
            UNION ALL
            (SELECT * FROM chat_messages a WHERE a.room_id = m.room_id AND a.id > m.id ORDER BY a.id LIMIT 2)) x), '[]'::json),
        'openReports', (SELECT count(*) FROM message_reports o WHERE o.message_id = r.message_id AND o.status = 'open'))
    FROM chat_messages m JOIN chat_rooms c ON c.id = m.room_id
    WHERE m.id = r.message_id
$function$
;
