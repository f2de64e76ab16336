-- W1-ceiling with one NOTIFY per send after the commit (the pool coalesces these, so it sends
-- at most this many): the lower bound of what the database allows.
\set pick random(1, :pairs)
SELECT item, message, created, retry_after_ms FROM chat_send_messages(json_build_array(json_build_object('i', 0, 'room', (SELECT room_id FROM bench_pairs WHERE idx = :pick), 'sender', (SELECT sender_id FROM bench_pairs WHERE idx = :pick), 'content', 'bench message', 'ratePerSecond', 1000000, 'rateBurst', 1000000)));
NOTIFY chat_events;
