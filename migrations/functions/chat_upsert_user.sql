-- The live definition of chat_upsert_user: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_upsert_user(p_id bigint, p_external text, p_username text, p_display text, p_avatar text, p_roles text[], p_min_interval interval DEFAULT '00:00:00'::interval)
 RETURNS TABLE(user_id bigint, created boolean, changed boolean)
 LANGUAGE plpgsql
AS $function$
DECLARE
    u users;
    new_id bigint;
    new_username text;
    new_display text;
    new_avatar text;
    new_roles text[];
    attempt int := 0;
BEGIN
    IF (p_id IS NULL) = (p_external IS NULL) THEN
        RAISE EXCEPTION 'exactly one of id and external id' USING ERRCODE = '22023';
    END IF;
    LOOP
        attempt := attempt + 1;
        IF p_id IS NOT NULL THEN
            SELECT * INTO u FROM users WHERE id = p_id FOR UPDATE;
            IF FOUND AND u.external_id IS NOT NULL THEN
                RAISE EXCEPTION 'id belongs to an external user' USING ERRCODE = 'CHI09';
            END IF;
        ELSE
            SELECT * INTO u FROM users WHERE external_id = p_external FOR UPDATE;
        END IF;
        BEGIN
            IF NOT FOUND THEN
                new_username := chat_free_username(chat_username_base(coalesce(p_username, p_display), 'user'), NULL);
                INSERT INTO users (id, external_id, username, display_name, avatar, roles, profile_synced_at)
                VALUES (coalesce(p_id, nextval('users_id_seq')), p_external, new_username,
                        left(coalesce(nullif(btrim(p_display), ''), nullif(btrim(p_username), ''), new_username), 128),
                        nullif(p_avatar, ''), coalesce(p_roles, '{}'), now())
                RETURNING id INTO new_id;
                -- The platform's own ids stay ahead of our sequence, so ids we hand out later
                -- (external subs, messaging-admin user add) do not run into them; up to 2^62,
                -- so one id near the top of bigint (9223372036854775807 is a valid sub) cannot
                -- exhaust the sequence for every user created after it.
                IF p_id IS NOT NULL AND p_id > (SELECT last_value FROM users_id_seq) AND p_id < 4611686018427387904 THEN
                    PERFORM setval('users_id_seq', p_id);
                END IF;
                PERFORM pg_notify('chat_accounts', new_id::text);
                RETURN QUERY SELECT new_id, true, true;
                RETURN;
            END IF;
            IF p_min_interval > interval '0' AND u.profile_synced_at > now() - p_min_interval THEN
                RETURN QUERY SELECT u.id, false, NULL::boolean;  -- not looked at: synced too recently
                RETURN;
            END IF;
            new_username := CASE WHEN p_username IS NULL THEN u.username
                                 ELSE chat_free_username(chat_username_base(p_username, u.username), u.id) END;
            new_display := coalesce(left(nullif(btrim(p_display), ''), 128), u.display_name);
            new_avatar := CASE WHEN p_avatar IS NULL THEN u.avatar ELSE nullif(p_avatar, '') END;
            new_roles := coalesce(p_roles, u.roles);
            IF (new_username, new_display, new_avatar, new_roles) IS NOT DISTINCT FROM (u.username, u.display_name, u.avatar, u.roles) THEN
                IF p_min_interval > interval '0' THEN
                    UPDATE users SET profile_synced_at = now() WHERE id = u.id;
                END IF;
                RETURN QUERY SELECT u.id, false, false;
                RETURN;
            END IF;
            UPDATE users SET username = new_username, display_name = new_display, avatar = new_avatar, roles = new_roles,
                             profile_synced_at = now()
            WHERE id = u.id;
            IF (new_username, new_display, new_avatar) IS DISTINCT FROM (u.username, u.display_name, u.avatar) THEN
                PERFORM chat_user_updated_event(u.id);
            END IF;
            PERFORM pg_notify('chat_accounts', u.id::text);
            RETURN QUERY SELECT u.id, false, true;
            RETURN;
        EXCEPTION WHEN unique_violation THEN
            -- A concurrent creator of the same user, or of the same username: look again.
            IF attempt >= 5 THEN RAISE; END IF;
        END;
    END LOOP;
END
$function$
;
