-- W8 data: :users directory users (usernames w8_<n>), names mixing Spanish, German, Polish and
-- Japanese, with accents. Bulk-loaded in SQL (the users trigger writes their directory keys):
-- set-up, not the workload. Only the missing ones are added, so a second run costs nothing.
SELECT set_config('bench.w8_users', :'users', false);
DO $$
DECLARE
    wanted bigint := current_setting('bench.w8_users')::bigint;
    have bigint;
BEGIN
    SELECT count(*) INTO have FROM users WHERE username LIKE 'w8\_%';
    IF have >= wanted THEN RETURN; END IF;
    INSERT INTO users (username, display_name)
    SELECT 'w8_' || g,
           (ARRAY['Ana','José','María','Juan','Lucía','Pedro','Sofía','Diego','Valentina','Mateo','Camila','Nicolás',
                  'Isabella','Martín','Elena','Tomás','Carmen','Pablo','Julia','Andrés','田中','佐藤','Zoë','Ñuria','Björn'])[1 + g % 25]
           || ' ' || (ARRAY['García','Pérez','López','Fernández','González','Rodríguez','Martínez','Sánchez','Romero','Díaz',
                            'Álvarez','Torres','Ruiz','Moreno','Muñoz','太郎','花子','Müller','Kowalski','Novák'])[1 + (g / 25) % 20]
           || ' ' || g
    FROM generate_series(have + 1, wanted) g
    ON CONFLICT (username) DO NOTHING;
END
$$;
ANALYZE users;
ANALYZE user_directory_keys;
