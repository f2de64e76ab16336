-- Data lifecycle (issue 15): retention (deployment-wide `retention_days`, and per conversation,
-- set by admins), and erasure of a user's content. Both tombstone through chat_scrub_message,
-- the function moderators' removals use.

ALTER TABLE chat_messages DROP CONSTRAINT chat_messages_removal_check;
ALTER TABLE chat_messages ADD CONSTRAINT chat_messages_removal_check CHECK (removal IN ('moderation', 'retention', 'erasure'));

-- A conversation's own retention (admins, PUT /api/admin/conversations/:id/retention); the
-- shorter of it and the deployment's applies.
ALTER TABLE chat_rooms ADD COLUMN retention_days integer CHECK (retention_days BETWEEN 1 AND 36500);
-- Messages up to this id were purged (or were tombstones already): the purge job starts after it,
-- so a run costs what it purges, not the room's history.
ALTER TABLE chat_rooms ADD COLUMN purged_through_id bigint NOT NULL DEFAULT 0;

-- When a user's data was erased (messaging-admin user erase); their profile is anonymized then.
ALTER TABLE users ADD COLUMN erased_at timestamptz;

ALTER TABLE moderation_audit DROP CONSTRAINT moderation_audit_action_check;
ALTER TABLE moderation_audit ADD CONSTRAINT moderation_audit_action_check
    CHECK (action IN ('report_dismissed', 'message_removed', 'user_suspended', 'suspension_lifted', 'retention_set'));
