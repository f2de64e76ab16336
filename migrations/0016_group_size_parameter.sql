-- chat_add_members takes the group size limit as a parameter (GroupLimits.members in Swift, the
-- one place it is defined); its new definition is migrations/functions/chat_add_members.sql.
DROP FUNCTION chat_add_members(bigint, bigint, bigint[]);
