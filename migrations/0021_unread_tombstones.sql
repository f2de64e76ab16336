-- A message deleted after someone's read marker no longer counts as unread for them. Each
-- membership keeps how many deleted messages from others lie after its marker (kept by
-- chat_delete_message, chat_mark_read and chat_send_message), and every unread count subtracts it.
ALTER TABLE chat_room_users ADD COLUMN unread_deleted integer NOT NULL DEFAULT 0;

-- Deleted messages are few: this index finds those after a marker at once.
CREATE INDEX chat_messages_deleted_seq ON chat_messages (room_id, seq) WHERE deleted_at IS NOT NULL;

UPDATE chat_room_users m
SET unread_deleted = d.n
FROM (SELECT u.room_id, u.user_id, count(*) AS n
      FROM chat_room_users u
      JOIN chat_messages x ON x.room_id = u.room_id AND x.seq > u.last_read_seq AND x.deleted_at IS NOT NULL AND x.sender_id <> u.user_id
      GROUP BY u.room_id, u.user_id) d
WHERE m.room_id = d.room_id AND m.user_id = d.user_id;
