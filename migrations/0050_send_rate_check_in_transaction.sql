-- chat_send_messages takes each send's rate-limit token in the send's own transaction (issue 17):
-- its result gains the refusal columns, a different return type, so the old definition goes and
-- migrations/functions/chat_send_messages.sql creates the new one.
DROP FUNCTION IF EXISTS chat_send_messages(json);
