-- W1-ceiling: exactly the SQL one REST send runs (the same function, statements and indexes),
-- for a random (room, sender) pair of the W1 data set.
\set pick random(1, :pairs)
-- The rate-limit check every REST send makes first (its own statement, as in the pool).
SELECT allowed FROM chat_rate_take((SELECT sender_id FROM bench_pairs WHERE idx = :pick), 'send', 1000000, 1000000);
SELECT message FROM chat_send_message((SELECT room_id FROM bench_pairs WHERE idx = :pick), (SELECT sender_id FROM bench_pairs WHERE idx = :pick), 'bench message', NULL, NULL, NULL, NULL);
