-- The live definition of chat_removal_event: edit it here; the migrator re-applies this file when it changes.
-- The message_deleted event of a tombstone that nobody in the conversation made: a moderator's
-- removal, retention or erasure (`by` null, `removal` says which).
CREATE OR REPLACE FUNCTION public.chat_removal_event(msg chat_messages)
 RETURNS void
 LANGUAGE sql
AS $function$
    INSERT INTO chat_events (room_id, kind, payload)
    VALUES (msg.room_id, 'message_deleted', json_build_object(
        'conversationId', msg.room_id, 'messageId', msg.id, 'by', NULL, 'removal', msg.removal, 'message', chat_message_json(msg)))
$function$
;
