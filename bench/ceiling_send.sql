-- W1-ceiling: exactly the SQL one REST send runs (the same function, statements and indexes),
-- for a random (room, sender) pair of the W1 data set: chat_send_messages with one item, whose
-- rate-limit token is taken in the same transaction (as the pool does; SendBatcher).
\set pick random(1, :pairs)
SELECT item, message, created, retry_after_ms FROM chat_send_messages(json_build_array(json_build_object('i', 0, 'room', (SELECT room_id FROM bench_pairs WHERE idx = :pick), 'sender', (SELECT sender_id FROM bench_pairs WHERE idx = :pick), 'content', 'bench message', 'ratePerSecond', 1000000, 'rateBurst', 1000000)));
