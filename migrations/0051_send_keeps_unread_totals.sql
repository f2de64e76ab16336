-- chat_send_messages keeps the users' unread totals (chat_user_unread) itself (issue 17): the
-- triggers' general path (transition tables, a per-session temporary table, an apply deferred to
-- commit) cost a third of the send ceiling, measured with pgbench. While it runs it sets
-- chat.unread_by_send, and the two triggers a send fires stand aside. Every other writer, and a
-- lone chat_send_message, still goes through them.
DROP TRIGGER chat_unread_room_changed ON chat_rooms;
CREATE TRIGGER chat_unread_room_changed AFTER UPDATE ON chat_rooms
    REFERENCING OLD TABLE AS old_rooms NEW TABLE AS new_rooms
    FOR EACH STATEMENT WHEN (current_setting('chat.unread_by_send', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION chat_unread_count_changed();
DROP TRIGGER chat_unread_member_changed ON chat_room_users;
CREATE TRIGGER chat_unread_member_changed AFTER UPDATE ON chat_room_users
    REFERENCING OLD TABLE AS old_members NEW TABLE AS new_members
    FOR EACH STATEMENT WHEN (current_setting('chat.unread_by_send', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION chat_unread_count_changed();
