-- W1 data: :users users; pairs (1,2),(3,4)... as direct conversations; and the same users in
-- groups of 10 (1-10, 11-20, ...).
-- bench_pairs lists every (room, member) pair a send may use.
CREATE TEMP TABLE bench_users AS
SELECT g AS n, (SELECT id FROM users WHERE username = 'bench_' || g) AS id FROM generate_series(1, :users) g;
INSERT INTO users (username, display_name)
SELECT 'bench_' || n, 'Bench ' || n FROM bench_users WHERE id IS NULL;
UPDATE bench_users b SET id = u.id FROM users u WHERE u.username = 'bench_' || b.n;

DROP TABLE IF EXISTS bench_pairs;
CREATE TABLE bench_pairs (idx serial PRIMARY KEY, room_id bigint NOT NULL, sender_id bigint NOT NULL, username text NOT NULL);
-- Direct conversations between consecutive users.
INSERT INTO bench_pairs (room_id, sender_id, username)
SELECT d.room_id, x.id, 'bench_' || x.n
FROM bench_users a
JOIN bench_users b ON b.n = a.n + 1
CROSS JOIN LATERAL chat_open_direct(a.id, b.id) d
CROSS JOIN LATERAL (VALUES (a.id, a.n), (b.id, b.n)) AS x(id, n)
WHERE a.n % 2 = 1;
-- Groups of 10.
WITH groups AS (
    SELECT (n - 1) / 10 AS g, array_agg(id ORDER BY n) AS members
    FROM bench_users GROUP BY 1
), created AS (
    SELECT members, chat_create_group(members[1], 'Bench group ' || g, NULL, members[2:]) AS room_id FROM groups
)
INSERT INTO bench_pairs (room_id, sender_id, username)
SELECT c.room_id, m.id, u.username FROM created c CROSS JOIN LATERAL unnest(c.members) AS m(id) JOIN users u ON u.id = m.id;
-- Planner statistics for the tables just filled (pgbench's lookups and the sends' plans).
ANALYZE users;
ANALYZE chat_rooms;
ANALYZE chat_room_users;
ANALYZE bench_pairs;
