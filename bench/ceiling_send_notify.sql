-- W1-ceiling with one NOTIFY per send after the commit (the pool coalesces these, so it sends
-- at most this many): the lower bound of what the database allows.
\set pick random(1, :pairs)
SELECT message FROM chat_send_message((SELECT room_id FROM bench_pairs WHERE idx = :pick), (SELECT sender_id FROM bench_pairs WHERE idx = :pick), 'bench message', NULL, NULL, NULL, NULL);
NOTIFY chat_events;
