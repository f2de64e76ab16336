-- W1 variant: the NOTIFY inside the write transaction (the design this project rejected). A
-- transaction that NOTIFYs takes a cluster-wide lock at commit, serializing every such commit.
\set pick random(1, :pairs)
BEGIN;
SELECT message FROM chat_send_message((SELECT room_id FROM bench_pairs WHERE idx = :pick), (SELECT sender_id FROM bench_pairs WHERE idx = :pick), 'bench message', NULL, NULL, NULL, NULL);
NOTIFY chat_events;
COMMIT;
