-- W1-ceiling: exactly the SQL one REST send runs (the same function, statements and indexes),
-- for a random (room, sender) pair of the W1 data set.
\set pick random(1, :pairs)
SELECT message FROM chat_send_message((SELECT room_id FROM bench_pairs WHERE idx = :pick), (SELECT sender_id FROM bench_pairs WHERE idx = :pick), 'bench message', NULL, NULL, NULL, NULL);
